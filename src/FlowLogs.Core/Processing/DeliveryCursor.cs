using System.Globalization;
using Azure;
using FlowLogs.BlobSource;
using FlowLogs.Checkpoints;
using Microsoft.Extensions.Logging;

namespace FlowLogs.Processing;

/// <summary>
/// Where one call stands in one blob: the checkpoint as it will next be written, and the claim it is written under.
/// </summary>
/// <remarks>
/// State rules, which every reader keeps by going through this type:
/// <list type="bullet">
/// <item>progress (offset, blocks consumed, the partial-record mark) only moves once the sink acknowledged what lies
/// before it, and only forward: the offset moves back only through <see cref="Restart"/>, which counts it, and the
/// mark never moves back while the offset stays (a chunk read again after a new commit finds the same cut record).
/// A move backwards by any other way throws: it would send data twice or skip it;</item>
/// <item>a change not yet written makes the cursor unsaved; <see cref="SaveAsync"/> writes it and renews the claim,
/// <see cref="ReleaseAsync"/> writes it and lets go (or keeps the claim when another process marked the blob
/// pending, so the caller looks again);</item>
/// <item>once the claim is found lost every write is refused and the caller stops;</item>
/// <item>an anomaly is recorded in the checkpoint and logged once per distinct anomaly, not at every call.</item>
/// </list>
/// </remarks>
internal sealed class DeliveryCursor(FlowLogBlob blob, BlobClaim held, BlobClaims claims, TimeSpan claimDuration, TimeProvider time, ILogger logger)
{
    /// <summary>The blob.</summary>
    public FlowLogBlob Blob { get; } = blob;

    /// <summary>The claim.</summary>
    public BlobClaim Held { get; } = held;

    /// <summary>The checkpoint as it will next be written.</summary>
    public BlobCheckpoint Current { get; private set; } = held.Checkpoint;

    /// <summary>True when the claim was found taken: stop.</summary>
    public bool IsLost => Held.IsLost;

    /// <summary>Anomalies met in this call, in words.</summary>
    public List<string> Anomalies { get; } = [];

    /// <summary>Set while the blob ends inside a record that may still be completed (either reading mode).</summary>
    public bool AwaitingCutRecord { get; private set; }

    /// <summary>The blob's ETag when that record was last seen cut.</summary>
    public ETag CutRecordSeenAt { get; private set; }

    private bool Unsaved { get; set; }

    /// <summary>Records an anomaly; a state that lasts (an empty or deleted blob) is logged once, not at every call.</summary>
    public void Anomaly(string kind, string detail)
    {
        string text = $"{kind}: {detail}";
        Anomalies.Add(text);
        if (!string.Equals(Current.LastAnomaly, text, StringComparison.Ordinal))
        {
            ProcessingLog.Anomaly(logger, Blob.FullName, kind, detail);
            Move(Current with { LastAnomaly = text });
        }
    }

    /// <summary>The blob was rewritten or shortened: read it again from byte 0, counting the restart.</summary>
    public void Restart() => Move(restart: true, next: Current with
    {
        Offset = 0,
        BlocksConsumed = 0,
        ConsumedBlocksDigest = null,
        PartialRecordOffset = null,
        PartialRecordTuples = 0,
        Restarts = Current.Restarts + 1,
        Progressed = time.GetUtcNow(),

        // Not caught up with any length of the blob any more: the replay comes back to it until a read completes.
        BlobLength = 0,
        BlobETag = null,
    });

    /// <summary>The blob is not framed as Azure frames PT1H.json: from now on it is read as a document from the offset, a record boundary.</summary>
    public void EnterDocumentMode() => Move(Current with { DocumentMode = true, BlocksConsumed = 0, ConsumedBlocksDigest = null });

    /// <summary>The first <paramref name="tuples"/> events of the record at <paramref name="recordOffset"/>, and every record before it, were acknowledged.</summary>
    public void MarkPartialRecord(long recordOffset, int tuples)
    {
        if (Current.PartialRecordOffset is long mark && (mark > recordOffset || (mark == recordOffset && Current.PartialRecordTuples >= tuples)))
        {
            return;
        }

        Move(Current with { PartialRecordOffset = recordOffset, PartialRecordTuples = tuples, Progressed = time.GetUtcNow() });
    }

    /// <summary>How many leading tuples of the record at <paramref name="recordOffset"/> were delivered already; -1 for the whole record.</summary>
    public int TuplesDelivered(long recordOffset) => Current.PartialRecordOffset switch
    {
        long mark when recordOffset < mark => -1,
        long mark when recordOffset == mark => Current.PartialRecordTuples,
        _ => 0,
    };

    /// <summary>Every block up to <paramref name="consumed"/> (whose ids and sizes make <paramref name="digest"/>) was delivered: the offset moves to <paramref name="offset"/>.</summary>
    public void BlocksDelivered(long offset, int consumed, string? digest)
    {
        // A record awaited at the end of the last commit was finished and delivered with these blocks.
        AwaitingCutRecord = false;
        Move(Current with
        {
            Offset = offset,
            BlocksConsumed = consumed,
            ConsumedBlocksDigest = digest,
            PartialRecordOffset = null,
            PartialRecordTuples = 0,
            Progressed = time.GetUtcNow(),
        });
    }

    /// <summary>
    /// A chunk ends inside the record at <paramref name="recordOffset"/>, which Azure may still finish with its next
    /// commit: every record before it was delivered, and reading resumes at it, in block <paramref name="block"/>
    /// (starting at byte <paramref name="blockStart"/>, the first <paramref name="block"/> blocks making
    /// <paramref name="digest"/>). The blob's old length is kept, so the replay comes back to it.
    /// </summary>
    public void AwaitRecord(long recordOffset, int block, long blockStart, string? digest, BlockListSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        AwaitingCutRecord = true;
        CutRecordSeenAt = snapshot.ETag;
        bool moved = Current.PartialRecordOffset != recordOffset || Current.BlocksConsumed != block;
        Move(Current with
        {
            Offset = blockStart,
            BlocksConsumed = block,
            ConsumedBlocksDigest = digest,
            PartialRecordOffset = recordOffset,
            PartialRecordTuples = Current.PartialRecordOffset == recordOffset ? Current.PartialRecordTuples : 0,
            Progressed = moved ? time.GetUtcNow() : Current.Progressed,
        });
    }

    /// <summary>
    /// A document was delivered up to <paramref name="offset"/> (a record boundary). While it ends inside a record
    /// that may still be completed its old length is kept, so the replay comes back to it.
    /// </summary>
    public void DocumentDelivered(long offset, BlockListSnapshot snapshot, bool awaitingCutRecord)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        AwaitingCutRecord = awaitingCutRecord;
        if (awaitingCutRecord)
        {
            CutRecordSeenAt = snapshot.ETag;
            Move(Current with { Offset = offset, PartialRecordOffset = null, PartialRecordTuples = 0, Progressed = time.GetUtcNow() });
            return;
        }

        Move(Current with { Offset = offset, BlobLength = snapshot.Length, BlobETag = snapshot.ETag.ToString(), PartialRecordOffset = null, PartialRecordTuples = 0, Progressed = time.GetUtcNow() });
    }

    /// <summary>Counts events the sink acknowledged.</summary>
    public void Delivered(int events) => Move(Current with { EventsDelivered = Current.EventsDelivered + events });

    /// <summary>Counts items written to the dead-letter store.</summary>
    public void DeadLettered(int items) => Move(Current with { DeadLettered = Current.DeadLettered + items });

    /// <summary>Writes the checkpoint if it moved since it was last written, renewing the claim; false when the claim is lost.</summary>
    public async Task<bool> SaveAsync(CancellationToken cancellationToken)
    {
        if (!Unsaved)
        {
            return !IsLost;
        }

        if (!await claims.SaveAsync(Held, Current, claimDuration, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        Unsaved = false;
        return true;
    }

    /// <summary>
    /// Writes the final checkpoint (with the blob's length and ETag as listed in <paramref name="snapshot"/>, if any)
    /// and lets go, unless another process marked the blob pending (look again) or took the claim (stop).
    /// </summary>
    public async Task<ReleaseOutcome> ReleaseAsync(BlockListSnapshot? snapshot, CancellationToken cancellationToken)
    {
        BlobCheckpoint final = snapshot is null || AwaitingCutRecord
            ? Current
            : Current with { BlobLength = snapshot.Length, BlobETag = snapshot.ETag.ToString() };
        ReleaseOutcome outcome = await claims.TryReleaseAsync(Held, final, cancellationToken).ConfigureAwait(false);
        Current = final;
        Unsaved = outcome != ReleaseOutcome.Released;
        return outcome;
    }

    /// <summary>Lets go after a failure, keeping what the sink acknowledged; a failure to do so is logged, never thrown over the original one.</summary>
    public async Task AbandonAsync()
    {
        try
        {
            await claims.AbandonAsync(Held, Current, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The original failure is what the caller must see; the claim then lapses on its own.
            ProcessingLog.AbandonFailed(logger, ex, Blob.FullName);
        }
    }

    private void Move(BlobCheckpoint next, bool restart = false)
    {
        if (!restart && (next.Offset < Current.Offset || (next.Offset == Current.Offset && next.PartialRecordOffset is long to && Current.PartialRecordOffset is long from && to < from)))
        {
            throw new InvalidOperationException(string.Create(
                CultureInfo.InvariantCulture,
                $"the progress of {Blob.FullName} would move back (offset {Current.Offset} → {next.Offset}, record mark {Current.PartialRecordOffset} → {next.PartialRecordOffset}) other than by a restart"));
        }

        Current = next;
        Unsaved = true;
    }
}
