namespace FlowLogs.Replay;

/// <summary>A resource's folder in a flow-log container: everything before <c>/y=</c> in its blob names.</summary>
/// <param name="Account">The flow-log account.</param>
/// <param name="Container">The container.</param>
/// <param name="Prefix">The folder, without a trailing slash.</param>
internal readonly record struct ResourcePrefix(string Account, string Container, string Prefix)
{
    /// <summary><c>account/container/prefix</c>.</summary>
    public string Key => $"{Account}/{Container}/{Prefix}";
}

/// <summary>Where the replay stands: when it last ran, the oldest hour it must look at next, its last discovery.</summary>
/// <param name="LastRun">When the last run ended (or last recorded progress).</param>
/// <param name="LastDiscovery">The last delimiter walk of the containers.</param>
/// <param name="ResumeFrom">
/// The oldest hour not yet complete for every resource: every hour before it was read to its end. Null in state
/// written before it existed.
/// </param>
/// <param name="LastRunSucceeded">Whether the last run caught up everything it looked at (no failures, nothing left).</param>
internal sealed record ReplayRunState(DateTimeOffset LastRun, DateTimeOffset? LastDiscovery, DateTimeOffset? ResumeFrom = null, bool LastRunSucceeded = true);

/// <summary>What the replay remembers between runs: resource prefixes, complete hours, its last run.</summary>
internal interface IReplayStateStore
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
