namespace FlowLogs.BlobSource;

/// <summary>A flow-log blob: its container and its name within it.</summary>
/// <param name="Container">The container, such as <c>insights-logs-flowlogflowevent</c>.</param>
/// <param name="Name">The blob name, ending in <c>/PT1H.json</c>.</param>
public sealed record FlowLogBlob(string Container, string Name)
{
    /// <summary>The container of VNet flow logs.</summary>
    public const string VNetContainer = "insights-logs-flowlogflowevent";

    /// <summary>The container of NSG flow logs.</summary>
    public const string NsgContainer = "insights-logs-networksecuritygroupflowevent";

    /// <summary><c>container/name</c>: the name used in event ids, checkpoints and logs.</summary>
    public string FullName => $"{Container}/{Name}";

    /// <summary>Whether the name is a flow-log hour blob (ends in <c>/PT1H.json</c>).</summary>
    public bool IsHourBlob => Name.EndsWith("/PT1H.json", StringComparison.Ordinal) || Name == "PT1H.json";

    /// <inheritdoc/>
    public override string ToString() => FullName;
}
