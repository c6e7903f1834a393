namespace FlowLogs.Replay;

/// <summary>A resource's folder in a flow-log container: everything before <c>/y=</c> in its blob names.</summary>
/// <param name="Container">The container.</param>
/// <param name="Prefix">The folder, without a trailing slash.</param>
public readonly record struct ResourcePrefix(string Container, string Prefix)
{
    /// <summary><c>container/prefix</c>.</summary>
    public string Key => $"{Container}/{Prefix}";
}

/// <summary>When the replay last ran and last discovered resource prefixes.</summary>
/// <param name="LastRun">The end of the last run.</param>
/// <param name="LastDiscovery">The last delimiter walk of the containers.</param>
public sealed record ReplayRunState(DateTimeOffset LastRun, DateTimeOffset? LastDiscovery);

/// <summary>What the replay remembers between runs: resource prefixes, complete hours, its last run.</summary>
public interface IReplayStateStore
{
    /// <summary>The resource prefixes discovered so far.</summary>
    Task<IReadOnlyList<ResourcePrefix>> GetPrefixesAsync(CancellationToken cancellationToken);

    /// <summary>Remembers a resource prefix.</summary>
    Task AddPrefixAsync(ResourcePrefix prefix, CancellationToken cancellationToken);

    /// <summary>The prefixes whose blobs of <paramref name="hour"/> are all read and the hour over.</summary>
    Task<IReadOnlySet<string>> GetCompletedAsync(DateTimeOffset hour, CancellationToken cancellationToken);

    /// <summary>Records that the blobs of <paramref name="prefix"/> for <paramref name="hour"/> are all read.</summary>
    Task MarkCompleteAsync(DateTimeOffset hour, ResourcePrefix prefix, CancellationToken cancellationToken);

    /// <summary>The last run, or null before the first.</summary>
    Task<ReplayRunState?> GetRunStateAsync(CancellationToken cancellationToken);

    /// <summary>Records a run.</summary>
    Task SaveRunStateAsync(ReplayRunState state, CancellationToken cancellationToken);
}
