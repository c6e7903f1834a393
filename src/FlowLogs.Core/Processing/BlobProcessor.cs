using System.Diagnostics;
using System.Globalization;
using FlowLogs.BlobSource;
using FlowLogs.Checkpoints;
using FlowLogs.DeadLetters;
using FlowLogs.Delta;
using FlowLogs.Hosting;
using FlowLogs.Parsing;
using FlowLogs.Sinks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FlowLogs.Processing;

/// <summary>
/// Brings one blob's delivery up to its committed end: claims the blob, reads only the blocks committed since its
/// checkpoint (ranged reads conditional on the listed ETag), turns them into events, hands them to the sink, and
/// advances the checkpoint only once the sink acknowledged them. The claim is renewed while the work lasts; a holder
/// that finds it taken stops at once. Before letting go it lists the blocks again, so nothing committed meanwhile is
/// left behind. The same code path serves the blob trigger, the replay and the CLI.
/// </summary>
public sealed partial class BlobProcessor
{
    private readonly IFlowLogBlobStore _blobs;
    private readonly CheckpointLease _lease;
    private readonly IEventSink _sink;
    private readonly IDeadLetterStore _deadLetters;
    private readonly BlobProcessorOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<BlobProcessor> _logger;

    /// <summary>Creates a processor.</summary>
    public BlobProcessor(
        IFlowLogBlobStore blobs,
        CheckpointLease lease,
        IEventSink sink,
        IDeadLetterStore deadLetters,
        IOptions<BlobProcessorOptions> options,
        ILogger<BlobProcessor> logger,
        TimeProvider? time = null)
    {
        _blobs = blobs ?? throw new ArgumentNullException(nameof(blobs));
        _lease = lease ?? throw new ArgumentNullException(nameof(lease));
        _sink = sink ?? throw new ArgumentNullException(nameof(sink));
        _deadLetters = deadLetters ?? throw new ArgumentNullException(nameof(deadLetters));
        _options = options?.Value ?? throw new ArgumentNullException(nameof(options));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Processes <paramref name="blob"/>: safe to call from any number of processes at once, as often as wanted.</summary>
    public async Task<BlobProcessResult> ProcessAsync(FlowLogBlob blob, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        if (!blob.IsHourBlob)
        {
            return new BlobProcessResult { Outcome = BlobProcessOutcome.Ignored };
        }

        string owner = string.Create(CultureInfo.InvariantCulture, $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}");
        (LeaseOutcome outcome, HeldBlob? acquired) = await _lease.TryAcquireAsync(blob.FullName, owner, _options.LeaseDuration, cancellationToken).ConfigureAwait(false);
        if (outcome == LeaseOutcome.HandedToHolder)
        {
            LogHandedToHolder(_logger, blob.FullName);
            return new BlobProcessResult { Outcome = BlobProcessOutcome.HandedToHolder };
        }

        using HeldBlob held = acquired!;
        using var run = new Run(blob, held);
        using var batch = new EventBatchBuilder(_sink.Payload);
        using var work = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var stopRenewal = new CancellationTokenSource();
        Task renewal = RenewWhileWorkingAsync(held, work, stopRenewal.Token);
        try
        {
            return await RunAsync(run, batch, work.Token).ConfigureAwait(false);
        }
        catch (Exception) when (held.IsLost && !cancellationToken.IsCancellationRequested)
        {
            // The renewal found the claim taken (or could not confirm it in time) and cut the work short: the new holder
            // carries on from the checkpoint.
            return run.Result(BlobProcessOutcome.ClaimLost);
        }
        catch (Exception ex) when (!held.IsLost)
        {
            // Nothing past the last acknowledged batch was checkpointed: let go so the next trigger or the replay retries.
            LogFailed(_logger, ex, blob.FullName, run.Current.Offset);
            FlowLogMetrics.ProcessingFailures.Add(1);
            await stopRenewal.CancelAsync().ConfigureAwait(false);
            await renewal.ConfigureAwait(false);
            try
            {
                await _lease.AbandonAsync(held, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception abandonFailure)
            {
                // The original failure is what the caller must see; the claim then lapses on its own.
                LogAbandonFailed(_logger, abandonFailure, blob.FullName);
            }

            throw;
        }
        finally
        {
            await stopRenewal.CancelAsync().ConfigureAwait(false);
            await renewal.ConfigureAwait(false);
        }
    }

    // Renews the claim every third of its duration while the work goes on (a slow intake, a long catch-up, many dead
    // letters); cancels the work when the claim is found taken, or cannot be confirmed before it would lapse.
    private async Task RenewWhileWorkingAsync(HeldBlob held, CancellationTokenSource work, CancellationToken stop)
    {
        TimeSpan interval = _options.LeaseDuration / 3;
        while (true)
        {
            try
            {
                await Task.Delay(interval, _time, stop).ConfigureAwait(false);

                // A renewal stuck in storage retries must not outlive the claim it renews.
                using var deadline = new CancellationTokenSource(interval, _time);
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(stop, deadline.Token);
                await _lease.RenewAsync(held, _options.LeaseDuration, attempt.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Storage hiccups are retried at the next tick, as long as the claim has not run out meanwhile.
                LogRenewalFailed(_logger, ex, held.Checkpoint.BlobName);
            }

            if (!held.IsLost && _time.GetUtcNow() - held.Confirmed > _options.LeaseDuration - interval)
            {
                LogClaimUnconfirmed(_logger, held.Checkpoint.BlobName, _options.LeaseDuration);
                held.MarkLost();
            }

            if (held.IsLost)
            {
                await work.CancelAsync().ConfigureAwait(false);
                return;
            }
        }
    }

    private async Task<BlobProcessResult> RunAsync(Run run, EventBatchBuilder batch, CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            BlockListSnapshot? snapshot = await _blobs.GetCommittedBlocksAsync(run.Blob, cancellationToken).ConfigureAwait(false);
            if (snapshot is null)
            {
                Anomaly(run, "deleted", "the blob does not exist (deleted, or not yet visible); its checkpoint is kept");
                switch (await _lease.TryReleaseAsync(run.Held, run.Current, cancellationToken).ConfigureAwait(false))
                {
                    case ReleaseOutcome.Released:
                        return run.Result(BlobProcessOutcome.NotFound);
                    case ReleaseOutcome.ClaimLost:
                        return run.Result(BlobProcessOutcome.ClaimLost);
                    default:
                        continue;
                }
            }

            bool readSomething;
            try
            {
                readSomething = run.Current.DocumentMode
                    ? await ReadAsDocumentAsync(run, snapshot, batch, cancellationToken).ConfigureAwait(false)
                    : await ReadBlocksAsync(run, snapshot, batch, cancellationToken).ConfigureAwait(false);
            }
            catch (BlobChangedException)
            {
                // Committed again (or rewritten) since the list was read: what was delivered stays checkpointed; list again.
                batch.Reset();
                continue;
            }

            if (run.Held.IsLost)
            {
                return run.Result(BlobProcessOutcome.ClaimLost);
            }

            if (readSomething)
            {
                continue;
            }

            // Nothing new since the last look: write the final checkpoint and let go, unless marked pending meanwhile.
            // A blob that ends inside a record still being written keeps its old length, so the replay comes back to it.
            BlobCheckpoint final = run.AwaitingCutRecord
                ? run.Current
                : run.Current with { BlobLength = snapshot.Length, BlobETag = snapshot.ETag.ToString() };
            switch (await _lease.TryReleaseAsync(run.Held, final, cancellationToken).ConfigureAwait(false))
            {
                case ReleaseOutcome.Released:
                    run.Current = final;
                    return run.Result(BlobProcessOutcome.CaughtUp);
                case ReleaseOutcome.ClaimLost:
                    return run.Result(BlobProcessOutcome.ClaimLost);
                default:
                    run.Current = final;
                    run.Unsaved = true;
                    break;
            }
        }
    }

    // Returns true when it read anything (so the block list is looked at again before letting go).
    private async Task<bool> ReadBlocksAsync(Run run, BlockListSnapshot snapshot, EventBatchBuilder batch, CancellationToken cancellationToken)
    {
        DeltaPlan plan = BlockDelta.Plan(snapshot.Blocks, run.Current, _options.MaxChunkBytes);
        switch (plan.Status)
        {
            case DeltaStatus.Empty:
                Anomaly(run, "empty", "the blob has no committed blocks");
                return false;
            case DeltaStatus.UpToDate:
                return false;
            case DeltaStatus.Restart:
                Anomaly(run, "rewritten", $"{plan.Reason}; reading it again from byte 0 (event ids of unchanged tuples repeat, so downstream can drop duplicates)");
                run.Current = run.Current with { Offset = 0, BlocksConsumed = 0, LastBlockId = null, PartialRecordOffset = null, PartialRecordTuples = 0, Restarts = run.Current.Restarts + 1 };
                run.Unsaved = true;
                break;
        }

        if (!await SaveIfUnsavedAsync(run, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        IReadOnlyList<DeltaChunk> chunks = plan.Chunks;
        Carry? carry = null;
        for (int i = 0; i < chunks.Count; i++)
        {
            DeltaChunk chunk = chunks[i];
            if (carry is { } carried)
            {
                // A record runs on from the last chunk: read at least as many new bytes as are carried, so each carried
                // byte is parsed a bounded number of times however small the blocks are.
                while (chunk.Length < carried.Length && i + 1 < chunks.Count)
                {
                    DeltaChunk next = chunks[++i];
                    chunk = new DeltaChunk(chunk.FirstBlock, chunk.BlockCount + next.BlockCount, chunk.Start, next.End, false, next.HasTail);
                }
            }

            ChunkRead read = await ReadChunkAsync(run, snapshot, chunk, carry, batch, cancellationToken).ConfigureAwait(false);
            if (run.Held.IsLost)
            {
                return false;
            }

            switch (read)
            {
                case ChunkRead.RecordRunsOn runsOn:
                    if (carry is null)
                    {
                        Anomaly(run, "record-spans-blocks", string.Create(CultureInfo.InvariantCulture, $"a block ends inside the record at byte {runsOn.Carry.BlobOffset}; reading it together with the next block"));
                    }

                    carry = runsOn.Carry;
                    continue;
                case ChunkRead.Framing framing:
                    Anomaly(run, "framing", string.Create(CultureInfo.InvariantCulture, $"{framing.Reason}; reading the blob as a document from byte {run.Current.Offset} (a record boundary)"));
                    run.Current = run.Current with { DocumentMode = true, BlocksConsumed = 0, LastBlockId = null };
                    run.Unsaved = true;
                    return true;
                case ChunkRead.Stopped:
                    return false;
            }

            carry = null;
            int consumed = chunk.FirstBlock + chunk.BlockCount - (chunk.HasTail ? 1 : 0);
            run.Current = run.Current with
            {
                Offset = chunk.HasTail ? chunk.End - snapshot.Blocks[^1].Size : chunk.End,
                BlocksConsumed = consumed,
                LastBlockId = consumed > 0 ? snapshot.Blocks[consumed - 1].Id : null,
                PartialRecordOffset = null,
                PartialRecordTuples = 0,
            };
            run.Unsaved = true;

            // The last chunk's checkpoint is written with the release (or before more reading): one write less a minute.
            if (i < chunks.Count - 1 && !await SaveIfUnsavedAsync(run, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }
        }

        return true;
    }

    // Reads one chunk (after the bytes carried from the last one, if any), delivers its events and dead-letters its bad bytes.
    private async Task<ChunkRead> ReadChunkAsync(
        Run run, BlockListSnapshot snapshot, DeltaChunk chunk, Carry? carry, EventBatchBuilder batch, CancellationToken cancellationToken)
    {
        int carried = carry?.Length ?? 0;
        if (chunk.Length + carried > int.MaxValue / 2)
        {
            return new ChunkRead.Framing(string.Create(CultureInfo.InvariantCulture, $"a block run of {chunk.Length} bytes is larger than one read can hold"));
        }

        int length = carried + (int)chunk.Length;
        byte[] buffer = run.ChunkBuffer(length, carry);
        var stopwatch = Stopwatch.StartNew();
        await _blobs.ReadRangeAsync(run.Blob, chunk.Start, buffer.AsMemory(carried, (int)chunk.Length), snapshot.ETag, cancellationToken).ConfigureAwait(false);
        run.BytesRead += chunk.Length;
        FlowLogMetrics.BytesRead.Add(chunk.Length);

        int head = chunk.HasHead && carry is null ? (int)snapshot.Blocks[0].Size : 0;
        int tail = chunk.HasTail ? (int)snapshot.Blocks[^1].Size : 0;
        if (head > 0 && !Pt1hFraming.IsHead(buffer.AsSpan(0, head)))
        {
            return new ChunkRead.Framing("the first block is not the head block {\"records\":[");
        }

        if (chunk.HasTail && (head + tail > length || !Pt1hFraming.IsTail(buffer.AsSpan(length - tail, tail))))
        {
            return new ChunkRead.Framing("the last block is not the tail block ]}");
        }

        long dataStart = carry?.BlobOffset ?? chunk.Start + head;
        long dataEnd = chunk.End - tail;
        var issues = new List<ParseIssue>();
        using (var reader = new FlowLogReader(buffer.AsMemory(head, length - head - tail), run.Source, dataStart, ReaderOptions(run, issues)))
        {
            while (reader.Read())
            {
                if (!await AddRecordAsync(run, reader.Current, batch, cancellationToken).ConfigureAwait(false))
                {
                    return new ChunkRead.Stopped();
                }
            }

            if (!chunk.HasTail && issues.Count > 0 && issues[^1] is { Kind: ParseIssueKind.TruncatedRecord } cut && cut.Offset + cut.Length == dataEnd && cut.Length < _options.MaxRecordBytes)
            {
                // Everything before the cut record is delivered; the record is carried into the next read, not read again.
                issues.RemoveAt(issues.Count - 1);
                await DeadLetterAsync(run, issues, cancellationToken).ConfigureAwait(false);
                if (!await DeliverAndMarkAsync(run, batch, cut.Offset, 0, cancellationToken).ConfigureAwait(false))
                {
                    return new ChunkRead.Stopped();
                }

                int index = head + (int)(cut.Offset - dataStart);
                return new ChunkRead.RecordRunsOn(new Carry(index, (int)cut.Length, cut.Offset));
            }

            await DeadLetterAsync(run, issues, cancellationToken).ConfigureAwait(false);
            await DeliverAsync(run, batch, cancellationToken).ConfigureAwait(false);
            run.Chunks++;
            LogChunk(_logger, run.Blob.FullName, dataStart, chunk.End, reader.Counts.Events, stopwatch.ElapsedMilliseconds);
        }

        FlowLogMetrics.DeliveryDuration.Record(stopwatch.Elapsed.TotalSeconds);
        return new ChunkRead.Delivered();
    }

    private async Task<bool> ReadAsDocumentAsync(Run run, BlockListSnapshot snapshot, EventBatchBuilder batch, CancellationToken cancellationToken)
    {
        BlobCheckpoint current = run.Current;
        if (snapshot.Length < current.Offset)
        {
            Anomaly(run, "shorter", string.Create(CultureInfo.InvariantCulture, $"the blob is {snapshot.Length} bytes, shorter than its checkpoint at byte {current.Offset}; reading it again from byte 0"));
            run.Current = current = current with { Offset = 0, PartialRecordOffset = null, PartialRecordTuples = 0, Restarts = current.Restarts + 1 };
            run.Unsaved = true;
        }
        else if (snapshot.Length == current.BlobLength && string.Equals(current.BlobETag, snapshot.ETag.ToString(), StringComparison.Ordinal))
        {
            return false;
        }

        // A blob whose hour is over and that has not changed for the grace will not be completed: a record cut by its
        // end is then bad bytes like any other, not a record still being written.
        bool final = IsFinal(run.Blob, snapshot);
        if (run.AwaitingCutRecord && run.CutRecordSeenAt == snapshot.ETag && !final)
        {
            // Looked at already in this call, and nothing changed.
            return false;
        }

        if (!await SaveIfUnsavedAsync(run, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        long offset = current.Offset;
        var issues = new List<ParseIssue>();
        Stream stream = await _blobs.OpenReadAsync(run.Blob, offset, snapshot.ETag, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var reader = new FlowLogReader(stream, run.Source, offset, ReaderOptions(run, issues));
            long delivered = offset;
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                // Bad bytes found on the way are found again if this read is cut short: they are dead-lettered at its end.
                if (!await AddRecordAsync(run, reader.Current, batch, cancellationToken).ConfigureAwait(false))
                {
                    return false;
                }

                delivered = reader.Current.Offset + reader.Current.Length;
            }

            // Bad bytes move the checkpoint past them too, except a record cut by the end of a blob still being written.
            run.AwaitingCutRecord = false;
            for (int i = 0; i < issues.Count; i++)
            {
                ParseIssue issue = issues[i];
                bool openEnded = issue.Kind == ParseIssueKind.TruncatedRecord && issue.Offset + issue.Length == snapshot.Length;
                if (openEnded && !final)
                {
                    run.AwaitingCutRecord = true;
                    run.CutRecordSeenAt = snapshot.ETag;
                    issues.RemoveAt(i--);
                    continue;
                }

                if (openEnded)
                {
                    Anomaly(run, "cut-short", string.Create(CultureInfo.InvariantCulture, $"the blob's hour is over and it ends inside a record at byte {issue.Offset}; the record is dead-lettered"));
                }

                delivered = Math.Max(delivered, issue.Offset + issue.Length);
            }

            await DeadLetterAsync(run, issues, cancellationToken).ConfigureAwait(false);
            await DeliverAsync(run, batch, cancellationToken).ConfigureAwait(false);
            run.BytesRead += reader.Counts.Bytes;
            FlowLogMetrics.BytesRead.Add(reader.Counts.Bytes);
            run.Chunks++;
            run.Current = run.AwaitingCutRecord
                ? run.Current with { Offset = delivered, PartialRecordOffset = null, PartialRecordTuples = 0 }
                : run.Current with { Offset = delivered, BlobLength = snapshot.Length, BlobETag = snapshot.ETag.ToString(), PartialRecordOffset = null, PartialRecordTuples = 0 };
            run.Unsaved = true;
            return delivered != offset;
        }
    }

    private bool IsFinal(FlowLogBlob blob, BlockListSnapshot snapshot)
    {
        DateTimeOffset now = _time.GetUtcNow();
        return BlobPath.TryParse(blob.Name, out BlobPath path)
            && path.Hour.AddHours(1) + _options.CompletionGrace <= now
            && (snapshot.LastModified is not { } modified || modified + _options.CompletionGrace <= now);
    }

    private FlowLogReaderOptions ReaderOptions(Run run, List<ParseIssue> issues)
        => new() { MaxRecordBytes = _options.MaxRecordBytes, MaxIssuesKept = 0, IssueReported = issues.Add, Record = run.Record };

    // Adds the record's events not delivered yet; a full batch is delivered and marked in the checkpoint, so a failure
    // later re-sends only what was never acknowledged. False when the claim was lost.
    private async Task<bool> AddRecordAsync(Run run, FlowRecord record, EventBatchBuilder batch, CancellationToken cancellationToken)
    {
        int first = 0;
        if (run.Current.PartialRecordOffset is long partial)
        {
            if (record.Offset < partial)
            {
                return true;
            }

            first = record.Offset == partial ? run.Current.PartialRecordTuples : 0;
        }

        for (int t = first; t < record.Tuples.Length; t++)
        {
            batch.Add(record, record.Tuples[t]);
            if (batch.Length >= _options.MaxBatchBytes && !await DeliverAndMarkAsync(run, batch, record.Offset, t + 1, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }
        }

        return true;
    }

    private async Task<bool> DeliverAndMarkAsync(Run run, EventBatchBuilder batch, long recordOffset, int tuples, CancellationToken cancellationToken)
    {
        await DeliverAsync(run, batch, cancellationToken).ConfigureAwait(false);
        run.Current = run.Current with { PartialRecordOffset = recordOffset, PartialRecordTuples = tuples };
        run.Unsaved = true;
        return await SaveIfUnsavedAsync(run, cancellationToken).ConfigureAwait(false);
    }

    // The issues of one read go out as one dead letter (a few when their bytes are large), not one write per bad tuple.
    private async Task DeadLetterAsync(Run run, List<ParseIssue> issues, CancellationToken cancellationToken)
    {
        if (issues.Count == 0)
        {
            return;
        }

        await _deadLetters.WriteAsync(run.Blob, issues, cancellationToken).ConfigureAwait(false);
        foreach (ParseIssue issue in issues.Count <= MaxDeadLetterWarnings ? issues : issues[..MaxDeadLetterWarnings])
        {
            LogDeadLettered(_logger, run.Blob.FullName, issue.Kind, issue.Offset, issue.Reason);
        }

        if (issues.Count > MaxDeadLetterWarnings)
        {
            LogMoreDeadLettered(_logger, run.Blob.FullName, issues.Count - MaxDeadLetterWarnings);
        }

        run.DeadLettered += issues.Count;
        FlowLogMetrics.DeadLettered.Add(issues.Count);
        run.Current = run.Current with { DeadLettered = run.Current.DeadLettered + issues.Count };
        issues.Clear();
    }

    private async Task DeliverAsync(Run run, EventBatchBuilder batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
        {
            return;
        }

        await _sink.DeliverAsync(batch.Build(run.Blob.FullName), cancellationToken).ConfigureAwait(false);
        run.Events += batch.Count;
        FlowLogMetrics.EventsDelivered.Add(batch.Count);
        run.Current = run.Current with { EventsDelivered = run.Current.EventsDelivered + batch.Count };
        batch.Reset();
    }

    // Writes the checkpoint if it moved since the last write; false when the claim is gone.
    private async Task<bool> SaveIfUnsavedAsync(Run run, CancellationToken cancellationToken)
    {
        if (!run.Unsaved)
        {
            return !run.Held.IsLost;
        }

        if (!await _lease.SaveAsync(run.Held, run.Current, _options.LeaseDuration, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        run.Unsaved = false;
        return true;
    }

    private void Anomaly(Run run, string kind, string detail)
    {
        string text = $"{kind}: {detail}";
        run.Anomalies.Add(text);

        // A state that lasts (an empty or deleted blob) is logged once, not at every trigger.
        if (!string.Equals(run.Current.LastAnomaly, text, StringComparison.Ordinal))
        {
            LogAnomaly(_logger, run.Blob.FullName, kind, detail);
            run.Current = run.Current with { LastAnomaly = text };
            run.Unsaved = true;
        }
    }

    private const int MaxDeadLetterWarnings = 5;

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Blob} is held by another process, which will look at it again before letting go")]
    private static partial void LogHandedToHolder(ILogger logger, string blob);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Anomaly on {Blob}: {Kind}: {Detail}")]
    private static partial void LogAnomaly(ILogger logger, string blob, string kind, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dead-lettered {Kind} at byte {Offset} of {Blob}: {Reason}")]
    private static partial void LogDeadLettered(ILogger logger, string blob, ParseIssueKind kind, long offset, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dead-lettered {More} more items of {Blob} in the same read")]
    private static partial void LogMoreDeadLettered(ILogger logger, string blob, int more);

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivered bytes {Start}-{End} of {Blob}: {Events} events in {ElapsedMs} ms")]
    private static partial void LogChunk(ILogger logger, string blob, long start, long end, long events, long elapsedMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "Processing {Blob} failed; delivery stays checkpointed at byte {Offset} and will be retried")]
    private static partial void LogFailed(ILogger logger, Exception exception, string blob, long offset);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not let go of {Blob} after a failure; its claim lapses on its own")]
    private static partial void LogAbandonFailed(ILogger logger, Exception exception, string blob);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not renew the claim of {Blob}; trying again")]
    private static partial void LogRenewalFailed(ILogger logger, Exception exception, string blob);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The claim of {Blob} could not be renewed in time (it lasts {Duration}); this process stops reading it so that no other reads it at the same time")]
    private static partial void LogClaimUnconfirmed(ILogger logger, string blob, TimeSpan duration);

    /// <summary>Bytes of a record that runs on past a chunk: where they sit in the read buffer and in the blob.</summary>
    private readonly record struct Carry(int Index, int Length, long BlobOffset);

    /// <summary>How reading one chunk ended.</summary>
    private abstract record ChunkRead
    {
        /// <summary>Its events were delivered and its bad bytes dead-lettered: the checkpoint may move past it.</summary>
        public sealed record Delivered : ChunkRead;

        /// <summary>It ends inside a record, which is carried into the next read.</summary>
        public sealed record RecordRunsOn(Carry Carry) : ChunkRead;

        /// <summary>The blob is not framed as Azure frames PT1H.json: read it as a document.</summary>
        public sealed record Framing(string Reason) : ChunkRead;

        /// <summary>The claim was lost midway: stop.</summary>
        public sealed record Stopped : ChunkRead;
    }

    /// <summary>The state of one call: the blob, the claim, the checkpoint as it will be written, the figures.</summary>
    private sealed class Run(FlowLogBlob blob, HeldBlob held) : IDisposable
    {
        private byte[] _chunk = [];

        public FlowLogBlob Blob { get; } = blob;

        public HeldBlob Held { get; } = held;

        public BlobCheckpoint Current { get; set; } = held.Checkpoint;

        public bool Unsaved { get; set; }

        /// <summary>Set when a document-mode read ended inside a record of a blob still being written.</summary>
        public bool AwaitingCutRecord { get; set; }

        /// <summary>The blob's ETag when that record was last seen cut.</summary>
        public Azure.ETag CutRecordSeenAt { get; set; }

        public long Events { get; set; }

        public long BytesRead { get; set; }

        public int Chunks { get; set; }

        public int DeadLettered { get; set; }

        public List<string> Anomalies { get; } = [];

        /// <summary>The blob as the parser names it (its name's hash seeds every event id), made once per call.</summary>
        public FlowLogSource Source { get; } = new(blob.FullName);

        /// <summary>One record reused by every chunk's reader, so its buffers grow once per call, not once per chunk.</summary>
        public FlowRecord Record { get; } = new();

        /// <summary>One read buffer for every chunk of the call, with the carried bytes (if any) moved to its start.</summary>
        public byte[] ChunkBuffer(int length, Carry? carry)
        {
            byte[] buffer = _chunk;
            if (buffer.Length < length)
            {
                buffer = new byte[Math.Max(length, (int)Math.Min(buffer.Length * 2L, int.MaxValue / 2))];
            }

            if (carry is { } c)
            {
                _chunk.AsSpan(c.Index, c.Length).CopyTo(buffer);
            }

            _chunk = buffer;
            return buffer;
        }

        public void Dispose() => Record.Dispose();

        public BlobProcessResult Result(BlobProcessOutcome outcome) => new()
        {
            Outcome = outcome,
            Events = Events,
            BytesRead = BytesRead,
            Chunks = Chunks,
            DeadLettered = DeadLettered,
            Offset = Current.Offset,
            Anomalies = Anomalies,
        };
    }
}
