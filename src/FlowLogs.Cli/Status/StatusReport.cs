using FlowLogs.Inspection;

namespace FlowLogs.Cli.Status;

/// <summary>The verdict at the top of <c>flowlogs status</c>.</summary>
internal enum Health
{
    /// <summary>Everything known is read; the replay runs and succeeds.</summary>
    Healthy,

    /// <summary>Bytes are known unread, none for longer than the lag threshold.</summary>
    Behind,

    /// <summary>The replay's last run failed or is stale, or a byte has been unread for longer than the lag threshold.</summary>
    Failing,
}

/// <summary>The limits the verdict goes by.</summary>
/// <param name="MaxLag">A byte unread for longer than this makes the verdict failing.</param>
/// <param name="ReplayStale">A replay whose last run is older than this makes the verdict failing.</param>
internal sealed record StatusThresholds(TimeSpan MaxLag, TimeSpan ReplayStale)
{
    /// <summary>One hour of lag, a replay silent for two hours.</summary>
    public static StatusThresholds Default { get; } = new(TimeSpan.FromHours(1), TimeSpan.FromHours(2));
}

/// <summary>How one flow-log resource stands for one hour.</summary>
internal sealed record StatusRow
{
    /// <summary>The resource prefix, <c>container/prefix</c>.</summary>
    public required string Resource { get; init; }

    /// <summary>The hour.</summary>
    public required DateTimeOffset Hour { get; init; }

    /// <summary>Blobs with a checkpoint or found by a listing.</summary>
    public int BlobsSeen { get; init; }

    /// <summary>Blobs known to have unread bytes (a listing found more, another process marked them pending, or they were never read).</summary>
    public int BlobsBehind { get; init; }

    /// <summary>Bytes known unread (a lower bound: a blob marked pending counts none until listed).</summary>
    public long BytesBehind { get; init; }

    /// <summary>Age of the oldest unread byte: since delivery last moved (else since first seen, else the hour began).</summary>
    public TimeSpan? OldestUnreadAge { get; init; }

    /// <summary>Events delivered.</summary>
    public long EventsDelivered { get; init; }

    /// <summary>Items dead-lettered.</summary>
    public long DeadLettered { get; init; }

    /// <summary>The most recently written anomaly among the blobs, or null.</summary>
    public string? LastAnomaly { get; init; }

    /// <summary>Unexpired claims and their owners.</summary>
    public IReadOnlyList<string> ClaimedBy { get; init; } = [];

    /// <summary>True when the replay recorded the hour complete for this resource.</summary>
    public bool Complete { get; init; }

    /// <summary>How bad the row is, for the sort.</summary>
    public Health Health { get; init; }
}

/// <summary>The whole status: the state as read, and what is derived from it: the verdict, the rows worst first, the totals.</summary>
internal sealed record StatusReport
{
    /// <summary>The state the app keeps, as read: the window, the replay's last run, the clocks, the last self-check.</summary>
    public required FlowLogState State { get; init; }

    /// <summary>The verdict.</summary>
    public required Health Health { get; init; }

    /// <summary>Why, in one line.</summary>
    public required string Reason { get; init; }

    /// <summary>One row per resource and hour, worst first.</summary>
    public required IReadOnlyList<StatusRow> Rows { get; init; }

    /// <summary>Resources the replay knows or a row shows.</summary>
    public int Resources { get; init; }

    /// <summary>Blobs with a checkpoint or found by a listing.</summary>
    public int BlobsSeen => State.Blobs.Count;

    /// <summary>Blobs known to have unread bytes.</summary>
    public int BlobsBehind { get; init; }

    /// <summary>Bytes known unread.</summary>
    public long BytesBehind { get; init; }

    /// <summary>Age of the oldest unread byte.</summary>
    public TimeSpan? OldestUnreadAge { get; init; }

    /// <summary>Events delivered from the blobs seen.</summary>
    public long EventsDelivered { get; init; }

    /// <summary>Items dead-lettered from the blobs seen.</summary>
    public long DeadLettered { get; init; }

    /// <summary>Blobs whose checkpoint names an anomaly.</summary>
    public int Anomalies { get; init; }

    /// <summary>Unexpired claims.</summary>
    public int ClaimsHeld { get; init; }

    /// <summary>Resource hours the replay recorded complete in the window.</summary>
    public int HoursComplete { get; init; }

    /// <summary>Resource hours of the window (known resources × hours).</summary>
    public int ResourceHours { get; init; }

    /// <summary>Where the sink of the settings at hand sends each kind of flow log, one line each (empty: not asked).</summary>
    public IReadOnlyList<string> Routes { get; init; } = [];
}
