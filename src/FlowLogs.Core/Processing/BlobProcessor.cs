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
/// advances the checkpoint only once the sink acknowledged them. Before letting go it lists the blocks again, so
/// nothing committed meanwhile is left behind. The same code path serves the blob trigger, the replay and the CLI.
/// </summary>
public sealed partial class BlobProcessor
{
    private readonly IFlowLogBlobStore _blobs;
    private readonly CheckpointLease _lease;
    private readonly IEventSink _sink;
    private readonly IDeadLetterStore _deadLetters;
    private readonly BlobProcessorOptions _options;
    private readonly ILogger<BlobProcessor> _logger;

    /// <summary>Creates a processor.</summary>
    public BlobProcessor(
        IFlowLogBlobStore blobs,
        CheckpointLease lease,
        IEventSink sink,
        IDeadLetterStore deadLetters,
        IOptions<BlobProcessorOptions> options,
        ILogger<BlobProcessor> logger)
    {
        _blobs = blobs ?? throw new ArgumentNullException(nameof(blobs));
        _lease = lease ?? throw new ArgumentNullException(nameof(lease));
        _sink = sink ?? throw new ArgumentNullException(nameof(sink));
        _deadLetters = deadLetters ?? throw new ArgumentNullException(nameof(deadLetters));
        _options = options?.Value ?? throw new ArgumentNullException(nameof(options));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    private enum ChunkOutcome
    {
        Delivered,
        NeedsNextBlock,
        FramingAnomaly,
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
        (LeaseOutcome outcome, HeldBlob? held) = await _lease.TryAcquireAsync(blob.FullName, owner, _options.LeaseDuration, cancellationToken).ConfigureAwait(false);
        if (outcome == LeaseOutcome.HandedToHolder)
        {
            LogHandedToHolder(_logger, blob.FullName);
            return new BlobProcessResult { Outcome = BlobProcessOutcome.HandedToHolder };
        }

        using var run = new Run(blob, held!);
        using var batch = new EventBatchBuilder(_sink.Payload);
        try
        {
            return await RunAsync(run, batch, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!run.ClaimLost)
        {
            // Nothing past the last acknowledged chunk was checkpointed: let go so the next trigger or the replay retries.
            LogFailed(_logger, ex, blob.FullName, run.Current.Offset);
            FlowLogMetrics.ProcessingFailures.Add(1);
            await _lease.AbandonAsync(run.Held, CancellationToken.None).ConfigureAwait(false);
            throw;
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
                if (await _lease.TryReleaseAsync(run.Held, run.Current, cancellationToken).ConfigureAwait(false))
                {
                    return run.Result(BlobProcessOutcome.NotFound);
                }

                continue;
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

            if (run.ClaimLost)
            {
                return run.Result(BlobProcessOutcome.ClaimLost);
            }

            if (readSomething)
            {
                continue;
            }

            // Nothing new since the last look: write the final checkpoint and let go, unless marked pending meanwhile.
            BlobCheckpoint final = run.Current with { BlobLength = snapshot.Length, BlobETag = snapshot.ETag.ToString() };
            if (await _lease.TryReleaseAsync(run.Held, final, cancellationToken).ConfigureAwait(false))
            {
                run.Current = final;
                return run.Result(BlobProcessOutcome.CaughtUp);
            }

            if (run.Held.Checkpoint.LeaseOwner != run.Held.Owner)
            {
                run.ClaimLost = true;
                return run.Result(BlobProcessOutcome.ClaimLost);
            }

            run.Current = final;
            run.Unsaved = false;
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

        var chunks = plan.Chunks.ToList();
        for (int i = 0; i < chunks.Count; i++)
        {
            DeltaChunk chunk = chunks[i];
            (ChunkOutcome outcome, long detail, string? reason) = await ReadChunkAsync(run, snapshot, chunk, batch, cancellationToken).ConfigureAwait(false);
            if (run.ClaimLost)
            {
                return false;
            }

            switch (outcome)
            {
                case ChunkOutcome.NeedsNextBlock:
                    // A record runs on past this chunk's last block: read it with the next chunk, from that record on.
                    Anomaly(run, "record-spans-blocks", string.Create(CultureInfo.InvariantCulture, $"a block ends inside the record at byte {detail}; reading it together with the next block"));
                    DeltaChunk next = chunks[i + 1];
                    chunks[i + 1] = new DeltaChunk(chunk.FirstBlock, chunk.BlockCount + next.BlockCount, chunk.Start, next.End, chunk.HasHead, next.HasTail);
                    continue;
                case ChunkOutcome.FramingAnomaly:
                    Anomaly(run, "framing", string.Create(CultureInfo.InvariantCulture, $"{reason}; reading the blob as a document from byte {run.Current.Offset} (a record boundary)"));
                    run.Current = run.Current with { DocumentMode = true, BlocksConsumed = 0, LastBlockId = null };
                    run.Unsaved = true;
                    return true;
            }

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

    private async Task<(ChunkOutcome Outcome, long Detail, string? Reason)> ReadChunkAsync(
        Run run, BlockListSnapshot snapshot, DeltaChunk chunk, EventBatchBuilder batch, CancellationToken cancellationToken)
    {
        if (chunk.Length > int.MaxValue)
        {
            return (ChunkOutcome.FramingAnomaly, 0, string.Create(CultureInfo.InvariantCulture, $"a block run of {chunk.Length} bytes is larger than one read can hold"));
        }

        int length = (int)chunk.Length;
        byte[] buffer = run.ChunkBuffer(length);
        var stopwatch = Stopwatch.StartNew();
        await _blobs.ReadRangeAsync(run.Blob, chunk.Start, buffer.AsMemory(0, length), snapshot.ETag, cancellationToken).ConfigureAwait(false);
        run.BytesRead += length;
        FlowLogMetrics.BytesRead.Add(length);

        int head = chunk.HasHead ? (int)snapshot.Blocks[0].Size : 0;
        int tail = chunk.HasTail ? (int)snapshot.Blocks[^1].Size : 0;
        if (chunk.HasHead && !Pt1hFraming.IsHead(buffer.AsSpan(0, head)))
        {
            return (ChunkOutcome.FramingAnomaly, 0, "the first block is not the head block {\"records\":[");
        }

        if (chunk.HasTail && (head + tail > length || !Pt1hFraming.IsTail(buffer.AsSpan(length - tail, tail))))
        {
            return (ChunkOutcome.FramingAnomaly, 0, "the last block is not the tail block ]}");
        }

        long dataStart = chunk.Start + head;
        var issues = new List<ParseIssue>();
        var readerOptions = new FlowLogReaderOptions { MaxRecordBytes = _options.MaxRecordBytes, MaxIssuesKept = 0, IssueReported = issues.Add, Record = run.Record };
        using var reader = new FlowLogReader(buffer.AsMemory(head, length - head - tail), run.Source, dataStart, readerOptions);
        while (reader.Read())
        {
            if (!await AddRecordAsync(run, reader.Current, batch, cancellationToken).ConfigureAwait(false))
            {
                return (ChunkOutcome.Delivered, 0, null);
            }
        }

        long dataEnd = chunk.End - tail;
        if (!chunk.HasTail && issues.Count > 0 && issues[^1] is { Kind: ParseIssueKind.TruncatedRecord } cut && cut.Offset + cut.Length == dataEnd && cut.Length < _options.MaxRecordBytes)
        {
            // Everything before the cut record is delivered; the merged chunk resumes at it.
            if (!await DeliverAndMarkAsync(run, batch, cut.Offset, 0, cancellationToken).ConfigureAwait(false))
            {
                return (ChunkOutcome.Delivered, 0, null);
            }

            return (ChunkOutcome.NeedsNextBlock, cut.Offset, null);
        }

        await DeadLetterAsync(run, issues, cancellationToken).ConfigureAwait(false);
        await DeliverAsync(run, batch, cancellationToken).ConfigureAwait(false);
        run.Chunks++;
        LogChunk(_logger, run.Blob.FullName, chunk.Start, chunk.End, reader.Counts.Events, stopwatch.ElapsedMilliseconds);
        FlowLogMetrics.DeliveryDuration.Record(stopwatch.Elapsed.TotalSeconds);
        return (ChunkOutcome.Delivered, 0, null);
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

        if (!await SaveIfUnsavedAsync(run, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        long offset = current.Offset;
        var issues = new List<ParseIssue>();
        var readerOptions = new FlowLogReaderOptions { MaxRecordBytes = _options.MaxRecordBytes, MaxIssuesKept = 0, IssueReported = issues.Add, Record = run.Record };
        Stream stream = await _blobs.OpenReadAsync(run.Blob, offset, snapshot.ETag, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var reader = new FlowLogReader(stream, run.Source, offset, readerOptions);
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

            // Bad bytes move the checkpoint past them too, except a record cut by the end of the blob: it may be completed.
            foreach (ParseIssue issue in issues)
            {
                bool openEnded = issue.Kind == ParseIssueKind.TruncatedRecord && issue.Offset + issue.Length == snapshot.Length;
                if (!openEnded)
                {
                    delivered = Math.Max(delivered, issue.Offset + issue.Length);
                }
            }

            await DeadLetterAsync(run, issues, cancellationToken).ConfigureAwait(false);
            await DeliverAsync(run, batch, cancellationToken).ConfigureAwait(false);
            run.BytesRead += reader.Counts.Bytes;
            FlowLogMetrics.BytesRead.Add(reader.Counts.Bytes);
            run.Chunks++;
            run.Current = run.Current with { Offset = delivered, BlobLength = snapshot.Length, BlobETag = snapshot.ETag.ToString(), PartialRecordOffset = null, PartialRecordTuples = 0 };
            run.Unsaved = true;
            return delivered != offset;
        }
    }

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

    private async Task DeadLetterAsync(Run run, List<ParseIssue> issues, CancellationToken cancellationToken)
    {
        foreach (ParseIssue issue in issues)
        {
            await _deadLetters.WriteAsync(run.Blob, issue, cancellationToken).ConfigureAwait(false);
            LogDeadLettered(_logger, run.Blob.FullName, issue.Kind, issue.Offset, issue.Reason);
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

    // Writes the checkpoint if it moved since the last write; false (and ClaimLost) when the claim is gone.
    private async Task<bool> SaveIfUnsavedAsync(Run run, CancellationToken cancellationToken)
    {
        if (!run.Unsaved)
        {
            return true;
        }

        if (!await _lease.SaveAsync(run.Held, run.Current, _options.LeaseDuration, cancellationToken).ConfigureAwait(false))
        {
            run.ClaimLost = true;
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

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Blob} is held by another process, which will look at it again before letting go")]
    private static partial void LogHandedToHolder(ILogger logger, string blob);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Anomaly on {Blob}: {Kind}: {Detail}")]
    private static partial void LogAnomaly(ILogger logger, string blob, string kind, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dead-lettered {Kind} at byte {Offset} of {Blob}: {Reason}")]
    private static partial void LogDeadLettered(ILogger logger, string blob, ParseIssueKind kind, long offset, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivered bytes {Start}-{End} of {Blob}: {Events} events in {ElapsedMs} ms")]
    private static partial void LogChunk(ILogger logger, string blob, long start, long end, long events, long elapsedMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "Processing {Blob} failed; delivery stays checkpointed at byte {Offset} and will be retried")]
    private static partial void LogFailed(ILogger logger, Exception exception, string blob, long offset);

    /// <summary>The state of one call: the blob, the claim, the checkpoint as it will be written, the figures.</summary>
    private sealed class Run(FlowLogBlob blob, HeldBlob held) : IDisposable
    {
        private byte[] _chunk = [];

        public FlowLogBlob Blob { get; } = blob;

        public HeldBlob Held { get; } = held;

        public BlobCheckpoint Current { get; set; } = held.Checkpoint;

        public bool Unsaved { get; set; }

        public bool ClaimLost { get; set; }

        public long Events { get; set; }

        public long BytesRead { get; set; }

        public int Chunks { get; set; }

        public int DeadLettered { get; set; }

        public List<string> Anomalies { get; } = [];

        /// <summary>The blob as the parser names it (its name's hash seeds every event id), made once per call.</summary>
        public FlowLogSource Source { get; } = new(blob.FullName);

        /// <summary>One record reused by every chunk's reader, so its buffers grow once per call, not once per chunk.</summary>
        public FlowRecord Record { get; } = new();

        /// <summary>One read buffer for every chunk of the call.</summary>
        public byte[] ChunkBuffer(int length)
        {
            if (_chunk.Length < length)
            {
                _chunk = new byte[Math.Max(length, Math.Min(_chunk.Length * 2, int.MaxValue / 2))];
            }

            return _chunk;
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
