namespace FlowLogs.Inspection;

/// <summary>A blob's checkpoint as <c>flowlogs status</c> reads it (read-only figures), or a blob a listing found unread.</summary>
public sealed record BlobState
{
    /// <summary>The blob, <c>container/name</c>.</summary>
    public required string BlobName { get; init; }

    /// <summary>Its flow-log resource: <c>container/</c> and everything before <c>/y=</c> in its name.</summary>
    public required string ResourcePrefix { get; init; }

    /// <summary>The hour the blob is for.</summary>
    public DateTimeOffset Hour { get; init; }

    /// <summary>False for a blob a listing found that has no checkpoint yet (never read).</summary>
    public bool Checkpointed { get; init; } = true;

    /// <summary>Bytes delivered up to.</summary>
    public long Offset { get; init; }

    /// <summary>The blob's committed length when its checkpoint last caught up with it (0 when never read).</summary>
    public long BlobLength { get; init; }

    /// <summary>The committed length a listing made by this read found; null when the blob's hour was not listed.</summary>
    public long? ListedLength { get; init; }

    /// <summary>When the blob was last committed, by the storage service's clock, as that listing found it; null when not listed.</summary>
    public DateTimeOffset? ListedLastModified { get; init; }

    /// <summary>Events delivered from this blob so far.</summary>
    public long EventsDelivered { get; init; }

    /// <summary>Items sent to the dead-letter store so far.</summary>
    public long DeadLettered { get; init; }

    /// <summary>The last anomaly met on this blob.</summary>
    public string? LastAnomaly { get; init; }

    /// <summary>When the blob was first seen (null when never read).</summary>
    public DateTimeOffset? FirstSeen { get; init; }

    /// <summary>When the checkpoint was last written.</summary>
    public DateTimeOffset? Updated { get; init; }

    /// <summary>When delivery last moved forward; null in old checkpoints and for blobs never read.</summary>
    public DateTimeOffset? Progressed { get; init; }

    /// <summary>The process holding the blob's claim, or null.</summary>
    public string? ClaimOwner { get; init; }

    /// <summary>When that claim lapses.</summary>
    public DateTimeOffset? ClaimExpires { get; init; }

    /// <summary>Set when another process asked the holder to look at the blob again.</summary>
    public bool Pending { get; init; }
}

/// <summary>What the app's own state says about a window of hours: checkpoints, the replay's hours and its last run.</summary>
public sealed record FlowLogState
{
    /// <summary>When the state was read, by the storage service's time.</summary>
    public DateTimeOffset ReadAt { get; init; }

    /// <summary>First hour read.</summary>
    public DateTimeOffset From { get; init; }

    /// <summary>Last hour read.</summary>
    public DateTimeOffset To { get; init; }

    /// <summary>The resource prefixes the replay knows (<c>container/prefix</c>).</summary>
    public IReadOnlyList<string> ResourcePrefixes { get; init; } = [];

    /// <summary>Checkpoints of the window's hours, and blobs found unread by listings.</summary>
    public IReadOnlyList<BlobState> Blobs { get; init; } = [];

    /// <summary>Per hour of the window, the resource prefixes the replay recorded complete.</summary>
    public IReadOnlyDictionary<DateTimeOffset, IReadOnlySet<string>> CompleteHours { get; init; } = new Dictionary<DateTimeOffset, IReadOnlySet<string>>();

    /// <summary>When the replay's last run ended (or last recorded progress); null when none was recorded.</summary>
    public DateTimeOffset? LastRun { get; init; }

    /// <summary>Whether the replay's last run caught up everything it looked at; null when none was recorded.</summary>
    public bool? LastRunSucceeded { get; init; }

    /// <summary>The oldest hour the replay has not yet recorded complete for every resource.</summary>
    public DateTimeOffset? ResumeFrom { get; init; }

    /// <summary>How far the clock of the instance that ran the replay last was ahead of the storage service's (negative: behind).</summary>
    public TimeSpan? ClockSkew { get; init; }

    /// <summary>Storage answers the instance that ran the replay last got refused for load during that run.</summary>
    public long StorageThrottled { get; init; }

    /// <summary>How far the clock of the machine that read this state is ahead of the storage service's (negative: behind).</summary>
    public TimeSpan? ReaderClockSkew { get; init; }

    /// <summary>Hour listings made (one resource, one hour not recorded complete).</summary>
    public int Listings { get; init; }

    /// <summary>Resource hours not recorded complete that were not listed (the listing budget was reached, or listing is off).</summary>
    public int ListingsSkipped { get; init; }

    /// <summary>The app's last self-check, as it recorded it (verdict, summary, lines); null when none was recorded.</summary>
    public SelfCheck.CheckReport? LastSelfCheck { get; init; }
}
