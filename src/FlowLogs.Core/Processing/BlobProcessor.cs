using System.Globalization;
using FlowLogs.BlobSource;
using FlowLogs.Checkpoints;
using FlowLogs.DeadLetters;
using FlowLogs.Diagnostics;
using FlowLogs.Sinks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FlowLogs.Processing;

/// <summary>
/// Brings one blob's delivery up to its committed end: claims the blob, reads only the blocks committed since its
/// checkpoint, turns them into events, hands them to the sink, and advances the checkpoint only once the sink
/// acknowledged them. The claim is renewed while the work lasts; a holder that finds it taken stops at once; a commit
/// made meanwhile makes it look again before letting go. The same code path serves the triggers, the replay and the CLI.
/// A one-minute delta costs five storage requests (claim read and write, block list, ranged read, release write), an
/// announced commit already read one (the claim read).
/// </summary>
/// <remarks>
/// The loop is claim → list → read (<see cref="BlockChunkReader"/>, or <see cref="DocumentReader"/> for blobs not framed
/// as Azure frames them) → deliver (<see cref="RecordDelivery"/>) → checkpoint (<see cref="DeliveryCursor"/>) → release.
/// </remarks>
public sealed class BlobProcessor
{
    private readonly IFlowLogBlobStore _blobs;
    private readonly BlobClaims _claims;
    private readonly IEventSink _sink;
    private readonly IDeadLetterStore _deadLetters;
    private readonly BlobProcessorOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<BlobProcessor> _logger;

    /// <summary>Creates a processor.</summary>
    internal BlobProcessor(
        IFlowLogBlobStore blobs,
        BlobClaims claims,
        IEventSink sink,
        IDeadLetterStore deadLetters,
        IOptions<BlobProcessorOptions> options,
        ILogger<BlobProcessor> logger,
        TimeProvider? time = null)
    {
        _blobs = blobs ?? throw new ArgumentNullException(nameof(blobs));
        _claims = claims ?? throw new ArgumentNullException(nameof(claims));
        _sink = sink ?? throw new ArgumentNullException(nameof(sink));
        _deadLetters = deadLetters ?? throw new ArgumentNullException(nameof(deadLetters));
        _options = options?.Value ?? throw new ArgumentNullException(nameof(options));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Processes <paramref name="blob"/>: safe to call from any number of processes at once, as often as wanted.</summary>
    public Task<BlobProcessResult> ProcessAsync(FlowLogBlob blob, CancellationToken cancellationToken) => ProcessAsync(blob, null, cancellationToken);

    /// <summary>
    /// Processes <paramref name="blob"/> after an announcement of <paramref name="commit"/>: when its checkpoint shows
    /// that commit already read (a repeated or late event), nothing more is asked of storage.
    /// </summary>
    internal async Task<BlobProcessResult> ProcessAsync(FlowLogBlob blob, AnnouncedCommit? commit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        if (!blob.IsHourBlob)
        {
            return new BlobProcessResult { Outcome = BlobProcessOutcome.Ignored };
        }

        string owner = string.Create(CultureInfo.InvariantCulture, $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}");
        Func<BlobCheckpoint, bool>? read = commit is { } announced ? announced.IsReadBy : null;
        (ClaimOutcome outcome, BlobClaim? acquired) = await _claims.TryClaimAsync(blob.FullName, owner, _options.ClaimDuration, read, cancellationToken).ConfigureAwait(false);
        switch (outcome)
        {
            case ClaimOutcome.AlreadyRead:
                return new BlobProcessResult { Outcome = BlobProcessOutcome.AlreadyRead };
            case ClaimOutcome.ClaimedElsewhere:
                ProcessingLog.ClaimedElsewhere(_logger, blob.FullName);
                return new BlobProcessResult { Outcome = BlobProcessOutcome.ClaimedElsewhere };
        }

        using BlobClaim held = acquired!;
        var cursor = new DeliveryCursor(blob, held, _claims, _options.ClaimDuration, _time, _logger);
        using var delivery = new RecordDelivery(cursor, _sink, _deadLetters, _options, _logger);
        using var work = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        ClaimRenewal renewal = ClaimRenewal.Start(_claims, held, _options.ClaimDuration, _time, work, _logger);
        try
        {
            return await RunAsync(cursor, delivery, work.Token).ConfigureAwait(false);
        }
        catch (Exception) when (held.IsLost && !cancellationToken.IsCancellationRequested)
        {
            // The renewal found the claim taken (or could not confirm it in time) and cut the work short: the new
            // holder carries on from the checkpoint.
            return delivery.Result(BlobProcessOutcome.ClaimLost);
        }
        catch (Exception ex) when (!held.IsLost)
        {
            // Nothing past the last acknowledged batch was checkpointed: let go so the next trigger or the replay retries.
            ProcessingLog.Failed(_logger, ex, blob.FullName, cursor.Current.Offset);
            FlowLogMetrics.ProcessingFailures.Add(1);
            await renewal.DisposeAsync().ConfigureAwait(false);
            await cursor.AbandonAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            await renewal.DisposeAsync().ConfigureAwait(false);
        }
    }

    // One block list per pass: the read takes what it lists, and the release writes the checkpoint at that list. A
    // commit made meanwhile is not missed: its trigger finds the blob held and marks it pending, so the release fails
    // and the loop lists again (or, announced after the release, its trigger reads it).
    private async Task<BlobProcessResult> RunAsync(DeliveryCursor cursor, RecordDelivery delivery, CancellationToken cancellationToken)
    {
        var blockChunks = new BlockChunkReader(cursor, delivery, _blobs, _options, _time, _logger);
        var documents = new DocumentReader(cursor, delivery, _blobs, _options, _time);
        BlockListSnapshot? snapshot = await _blobs.GetCommittedBlocksAsync(cursor.Blob, cancellationToken).ConfigureAwait(false);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (snapshot is null)
            {
                cursor.Anomaly("deleted", "the blob does not exist (deleted, or not yet visible); its checkpoint is kept");
            }
            else
            {
                ReadOutcome read;
                try
                {
                    IBlobReader reader = cursor.Current.DocumentMode ? documents : blockChunks;
                    read = await reader.ReadAsync(snapshot, cancellationToken).ConfigureAwait(false);
                }
                catch (BlobChangedException)
                {
                    // Committed again (or rewritten) since the list was read: what was delivered stays checkpointed; list again.
                    delivery.Discard();
                    snapshot = await _blobs.GetCommittedBlocksAsync(cursor.Blob, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                if (read == ReadOutcome.ClaimLost || cursor.IsLost)
                {
                    return delivery.Result(BlobProcessOutcome.ClaimLost);
                }

                if (read is NotFramed notFramed)
                {
                    cursor.Anomaly("framing", string.Create(CultureInfo.InvariantCulture, $"{notFramed.Reason}; reading the blob as a document from byte {cursor.Current.Offset} (a record boundary)"));
                    cursor.EnterDocumentMode();
                    continue;
                }
            }

            // Write the checkpoint at this list and let go, unless marked pending meanwhile: then list and look again.
            switch (await cursor.ReleaseAsync(snapshot, cancellationToken).ConfigureAwait(false))
            {
                case ReleaseOutcome.Released:
                    return delivery.Result(snapshot is null ? BlobProcessOutcome.NotFound : BlobProcessOutcome.CaughtUp);
                case ReleaseOutcome.ClaimLost:
                    return delivery.Result(BlobProcessOutcome.ClaimLost);
            }

            snapshot = await _blobs.GetCommittedBlocksAsync(cursor.Blob, cancellationToken).ConfigureAwait(false);
        }
    }
}
