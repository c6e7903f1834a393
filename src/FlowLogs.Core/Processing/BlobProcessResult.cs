namespace FlowLogs.Processing;

/// <summary>What one call of <see cref="BlobProcessor.ProcessAsync(BlobSource.FlowLogBlob, CancellationToken)"/> did.</summary>
public enum BlobProcessOutcome
{
    /// <summary>This call held the blob and brought its checkpoint up to the blob's committed end.</summary>
    CaughtUp,

    /// <summary>Another process holds the blob; it was told to look again before letting go.</summary>
    ClaimedElsewhere,

    /// <summary>The blob does not exist (any more).</summary>
    NotFound,

    /// <summary>Not a flow-log hour blob (the name does not end in <c>/PT1H.json</c>).</summary>
    Ignored,

    /// <summary>The claim was lost to another process midway (this one was too slow); that one carries on.</summary>
    ClaimLost,

    /// <summary>The commit announced was read already (a repeated or late event): only the checkpoint was looked at.</summary>
    AlreadyRead,
}

/// <summary>What one call of <see cref="BlobProcessor.ProcessAsync(BlobSource.FlowLogBlob, CancellationToken)"/> did, in figures.</summary>
public sealed record BlobProcessResult
{
    /// <summary>The outcome.</summary>
    public BlobProcessOutcome Outcome { get; init; }

    /// <summary>Events delivered and acknowledged.</summary>
    public long Events { get; init; }

    /// <summary>Blob bytes read.</summary>
    public long BytesRead { get; init; }

    /// <summary>Chunks delivered.</summary>
    public int Chunks { get; init; }

    /// <summary>Skipped items written to the dead-letter store.</summary>
    public int DeadLettered { get; init; }

    /// <summary>The checkpoint offset when the call ended.</summary>
    public long Offset { get; init; }

    /// <summary>
    /// True when the blob ends inside a record Azure may still finish (its hour not over, or it changed lately): read up
    /// to that record, which the next commit completes; the blob is not caught up until then.
    /// </summary>
    public bool WaitingForRecord { get; init; }

    /// <summary>Anomalies met, in words; empty when none.</summary>
    public IReadOnlyList<string> Anomalies { get; init; } = [];
}
