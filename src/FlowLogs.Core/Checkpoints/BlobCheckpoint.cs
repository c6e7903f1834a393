namespace FlowLogs.Checkpoints;

/// <summary>How far a blob has been read and delivered, and who is reading it now.</summary>
internal sealed record BlobCheckpoint
{
    /// <summary>The blob, <c>container/name</c>.</summary>
    public required string BlobName { get; init; }

    /// <summary>
    /// Bytes delivered up to: the end of the last consumed block (or, in document mode, record). In block mode, a record
    /// that a chunk ends inside of waits at <see cref="PartialRecordOffset"/>, within the block after this offset.
    /// </summary>
    public long Offset { get; init; }

    /// <summary>Committed blocks fully delivered, head block included; 0 in document mode.</summary>
    public int BlocksConsumed { get; init; }

    /// <summary>
    /// A digest of the ids and sizes of every consumed block (<see cref="Delta.BlockDelta.DigestOf"/>), to tell an
    /// append from a rewrite, even one that keeps the last consumed block's id and size.
    /// </summary>
    public string? ConsumedBlocksDigest { get; init; }

    /// <summary>The blob's ETag when the checkpoint was last advanced.</summary>
    public string? BlobETag { get; init; }

    /// <summary>The blob's committed length when last seen (for the replay's "behind" check).</summary>
    public long BlobLength { get; init; }

    /// <summary>
    /// True when the blob is not framed as Azure frames PT1H.json (head or tail bytes differ): it is then read as a
    /// document from <see cref="Offset"/>, which is a record boundary.
    /// </summary>
    public bool DocumentMode { get; init; }

    /// <summary>
    /// Times the blob was found rewritten or shortened and read again from the start. <see cref="Offset"/> never moves
    /// backwards except together with this count going up.
    /// </summary>
    public int Restarts { get; init; }

    /// <summary>
    /// Set when delivery stopped inside a chunk, after a batch was acknowledged: the byte offset of the record whose
    /// first <see cref="PartialRecordTuples"/> events were delivered (every record before it, from <see cref="Offset"/>,
    /// was delivered too). Reading resumes just after it, so only an unacknowledged batch is ever sent again.
    /// </summary>
    public long? PartialRecordOffset { get; init; }

    /// <summary>Events of the record at <see cref="PartialRecordOffset"/> already delivered.</summary>
    public int PartialRecordTuples { get; init; }

    /// <summary>Events delivered from this blob so far.</summary>
    public long EventsDelivered { get; init; }

    /// <summary>Items sent to the dead-letter store so far: bad bytes, and events the sink refused.</summary>
    public long DeadLettered { get; init; }

    /// <summary>The last anomaly met on this blob, for operators.</summary>
    public string? LastAnomaly { get; init; }

    /// <summary>When this blob was first seen.</summary>
    public DateTimeOffset FirstSeen { get; init; }

    /// <summary>When the checkpoint was last written (claims, renewals and releases included).</summary>
    public DateTimeOffset Updated { get; init; }

    /// <summary>
    /// When delivery last moved forward (the offset or the partial-record mark): what the lag and the replay's trigger
    /// grace go by, since a failing trigger writes the checkpoint (its claim, its abandon) without delivering anything.
    /// Null in checkpoints written before it existed.
    /// </summary>
    public DateTimeOffset? Progressed { get; init; }

    /// <summary>The process that holds the blob, or null.</summary>
    public string? ClaimOwner { get; init; }

    /// <summary>When the holder's claim lapses if not renewed.</summary>
    public DateTimeOffset? ClaimExpires { get; init; }

    /// <summary>Set by a process that found the blob held: the holder must look at the blob again before letting go.</summary>
    public bool Pending { get; init; }

    /// <summary>Whether a process holds the blob at <paramref name="now"/>: a claim that has not lapsed.</summary>
    public bool IsHeldAt(DateTimeOffset now) => ClaimOwner is not null && ClaimExpires is { } expires && expires > now;

    /// <summary>
    /// Whether <see cref="BlobETag"/> is <paramref name="etag"/> (quoted or not: Event Grid leaves the quotes out); null
    /// when either is unknown.
    /// </summary>
    public bool? IsAtETag(string? etag)
        => BlobETag is { } read && etag is { } other ? string.Equals(read.Trim('"'), other.Trim('"'), StringComparison.Ordinal) : null;

    /// <summary>A fresh checkpoint for a blob never seen.</summary>
    public static BlobCheckpoint New(string blobName, DateTimeOffset now) => new() { BlobName = blobName, FirstSeen = now, Updated = now };
}
