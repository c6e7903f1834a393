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

/// <summary>Where the replay stands: when it last ran, the oldest hour it must look at next, how that run went.</summary>
/// <param name="LastRun">When the last run ended (or last recorded progress), by the storage service's time.</param>
/// <param name="ResumeFrom">The oldest hour not yet done for every resource: every hour before it was read to its end.</param>
/// <param name="LastRunSucceeded">Whether the last run caught up everything it looked at (no failures, nothing left).</param>
/// <param name="ClockSkew">How far the clock of the instance that ran it was ahead of the storage service's; null when not measured.</param>
/// <param name="StorageThrottled">Storage answers that instance got refused for load (503, 500) during the run.</param>
internal sealed record ReplayRunState(DateTimeOffset LastRun, DateTimeOffset ResumeFrom, bool LastRunSucceeded = true, TimeSpan? ClockSkew = null, long StorageThrottled = 0);

/// <summary>What the replay knows of a flow-log account's folders: when it first tried to walk them, when a walk last finished.</summary>
/// <param name="Account">The flow-log account.</param>
/// <param name="FirstSeen">When the replay first set out to walk the account: an account added to a running app is read back from here.</param>
/// <param name="LastWalked">When a walk of every flow-log container of the account last ran to its end; null until one has.</param>
internal sealed record AccountWalk(string Account, DateTimeOffset FirstSeen, DateTimeOffset? LastWalked);

/// <summary>What the replay recorded of one resource folder's hour.</summary>
/// <param name="Completed">When every blob of the hour was found read to its end and quiet, the hour over.</param>
/// <param name="Rechecked">Whether the hour was listed once more after that, for blobs Azure created late; then it is done.</param>
internal sealed record HourMark(DateTimeOffset Completed, bool Rechecked);

/// <summary>What the replay remembers between runs: resource prefixes, account walks, hour marks, its last run.</summary>
internal interface IReplayStateStore
{
    /// <summary>The resource prefixes discovered so far.</summary>
    Task<IReadOnlyList<ResourcePrefix>> GetPrefixesAsync(CancellationToken cancellationToken);

    /// <summary>Remembers a resource prefix.</summary>
    Task AddPrefixAsync(ResourcePrefix prefix, CancellationToken cancellationToken);

    /// <summary>The walks of every account the replay set out to walk.</summary>
    Task<IReadOnlyList<AccountWalk>> GetWalksAsync(CancellationToken cancellationToken);

    /// <summary>Records an account's walk.</summary>
    Task SaveWalkAsync(AccountWalk walk, CancellationToken cancellationToken);

    /// <summary>The marks of <paramref name="hour"/>, by <see cref="ResourcePrefix.Key"/>.</summary>
    Task<IReadOnlyDictionary<string, HourMark>> GetHourMarksAsync(DateTimeOffset hour, CancellationToken cancellationToken);

    /// <summary>Records the mark of <paramref name="prefix"/>'s <paramref name="hour"/>.</summary>
    Task MarkHourAsync(DateTimeOffset hour, ResourcePrefix prefix, HourMark mark, CancellationToken cancellationToken);

    /// <summary>The last run, or null before the first.</summary>
    Task<ReplayRunState?> GetRunStateAsync(CancellationToken cancellationToken);

    /// <summary>Records a run.</summary>
    Task SaveRunStateAsync(ReplayRunState state, CancellationToken cancellationToken);
}
