namespace FlowLogs.SelfCheck;

/// <summary>Where the app keeps its last self-check, for <c>flowlogs status</c>.</summary>
internal interface ISelfCheckStore
{
    /// <summary>Replaces the last report (its verdict, summary, lines and time).</summary>
    Task SaveAsync(CheckReport report, CancellationToken cancellationToken);

    /// <summary>The last report (without the checks' details), or null when none was kept.</summary>
    Task<CheckReport?> GetAsync(CancellationToken cancellationToken);
}
