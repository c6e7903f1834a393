namespace FlowLogs.Replay;

/// <summary>What one replay run found and did.</summary>
public sealed record ReplayReport
{
    /// <summary>First hour covered.</summary>
    public DateTimeOffset From { get; init; }

    /// <summary>Last hour covered.</summary>
    public DateTimeOffset To { get; init; }

    /// <summary>Resource prefixes known (per container).</summary>
    public int ResourcePrefixes { get; init; }

    /// <summary>Hour listings made (one per resource prefix and hour not yet complete).</summary>
    public int HourListings { get; init; }

    /// <summary>Resource hours not listed because they were recorded complete (done, or waiting for their recheck).</summary>
    public int HoursSkippedComplete { get; init; }

    /// <summary>Blobs whose committed length was compared with their checkpoint.</summary>
    public int BlobsChecked { get; init; }

    /// <summary>Blobs found behind their committed length (or never read).</summary>
    public int BlobsBehind { get; init; }

    /// <summary>Blobs that could not be brought up to date this run (the sink failed, another process holds them).</summary>
    public int BlobsFailed { get; init; }

    /// <summary>Blobs behind but held by another process, which reads them now (or, if it died, whose claim lapses within the claim duration).</summary>
    public int BlobsHeld { get; init; }

    /// <summary>How long the longest of those claims still runs unless renewed (by the storage service's time): a claim of a process that died lapses then.</summary>
    public TimeSpan HeldFor { get; init; }

    /// <summary>Blobs behind but left to the trigger that moved their delivery moments ago.</summary>
    public int BlobsLeftToTriggers { get; init; }

    /// <summary>Bytes read catching up.</summary>
    public long BytesCaughtUp { get; init; }

    /// <summary>Events delivered catching up.</summary>
    public long EventsCaughtUp { get; init; }

    /// <summary>Resource hours recorded complete by this run.</summary>
    public int HoursCompleted { get; init; }

    /// <summary>Complete resource hours listed once more by this run, for blobs created late, and now done.</summary>
    public int HoursRechecked { get; init; }

    /// <summary>Hours of a backlog not looked at because the run reached its listing budget; the next run starts with them.</summary>
    public int HoursLeft { get; init; }

    /// <summary>Hours never read to their end that were older than the maximum look-back and were skipped (named in a warning).</summary>
    public int HoursBeyondLookback { get; init; }

    /// <summary>Storage answers this process got refused for load (503, 500) during the run, each retried; with other work of the process in that time.</summary>
    public long StorageThrottled { get; init; }

    /// <summary>How far this instance's clock ran ahead of the storage service's (negative: behind); null when not measured.</summary>
    public TimeSpan? ClockSkew { get; init; }

    /// <summary>The oldest hour the next run starts from: every hour before it is done.</summary>
    public DateTimeOffset? ResumeFrom { get; init; }

    /// <summary>
    /// Age of the oldest byte that was unread when the run began, wherever it is (an upper bound: measured from when
    /// its blob was last checkpointed, or from the start of its hour if it was never read, or of the oldest hour a
    /// budget-limited run did not reach); zero when nothing was behind.
    /// </summary>
    public TimeSpan OldestUnreadAge { get; init; }
}
