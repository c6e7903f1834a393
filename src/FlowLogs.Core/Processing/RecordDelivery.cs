using FlowLogs.DeadLetters;
using FlowLogs.Diagnostics;
using FlowLogs.Parsing;
using FlowLogs.Sinks;
using Microsoft.Extensions.Logging;

namespace FlowLogs.Processing;

/// <summary>
/// The step every reader shares: records in, events batched, batches delivered to the sink, bad bytes and the events the
/// sink refused dead-lettered, and the cursor marked as each batch is acknowledged, so a failure later re-sends only what
/// was never acknowledged. Also keeps the call's figures.
/// </summary>
internal sealed class RecordDelivery(DeliveryCursor cursor, IEventSink sink, IDeadLetterStore deadLetters, BlobProcessorOptions options, ILogger logger) : IDisposable
{
    // Dead letters of one read are logged by the first few, then counted: thousands of corrupt tuples are not thousands of lines.
    private const int MaxDeadLetterLines = 5;

    // The sink decides how its events are encoded; the processor only fills the batch.
    private readonly EventBatchBuilder _batch = sink.CreateBatch();

    /// <summary>The blob as the parser names it (its path's hash seeds every event id), made once per call.</summary>
    public FlowLogSource Source { get; } = new(cursor.Blob.Path);

    /// <summary>One record reused by every read of the call, so its buffers grow once per call.</summary>
    public FlowRecord Record { get; } = new();

    /// <summary>Events acknowledged in this call.</summary>
    public long Events { get; private set; }

    /// <summary>Items dead-lettered in this call.</summary>
    public int DeadLetteredItems { get; private set; }

    /// <summary>Blob bytes read in this call.</summary>
    public long BytesRead { get; private set; }

    /// <summary>Chunks delivered in this call.</summary>
    public int Chunks { get; private set; }

    /// <summary>Reader options that report issues into <paramref name="issues"/> and reuse the call's record.</summary>
    public FlowLogReaderOptions ReaderOptions(List<ParseIssue> issues)
        => new() { MaxRecordBytes = options.MaxRecordBytes, MaxIssuesKept = 0, IssueReported = issues.Add, Record = Record };

    /// <summary>Counts blob bytes read.</summary>
    public void Read(long bytes)
    {
        BytesRead += bytes;
        FlowLogMetrics.BytesRead.Add(bytes);
    }

    /// <summary>Adds the record's events not delivered yet; a full batch is delivered and marked. False when the claim was lost.</summary>
    public async Task<bool> AddAsync(FlowRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        int first = cursor.TuplesDelivered(record.Offset);
        if (first < 0)
        {
            return true;
        }

        for (int t = first; t < record.Tuples.Length; t++)
        {
            _batch.Add(record, record.Tuples[t]);
            if (_batch.Length >= options.MaxBatchBytes && !await DeliverAndMarkAsync(record.Offset, t + 1, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Delivers what is batched and marks the record at <paramref name="recordOffset"/> as the next to read. False when the claim was lost.</summary>
    public Task<bool> DeliverBeforeAsync(long recordOffset, CancellationToken cancellationToken) => DeliverAndMarkAsync(recordOffset, 0, cancellationToken);

    /// <summary>Writes <paramref name="issues"/> as one dead letter (a few when their bytes are large), logs a few lines, and counts them.</summary>
    public async Task DeadLetterAsync(List<ParseIssue> issues, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(issues);
        if (issues.Count == 0)
        {
            return;
        }

        await deadLetters.WriteAsync(cursor.Blob, issues, cancellationToken).ConfigureAwait(false);
        for (int i = 0; i < Math.Min(issues.Count, MaxDeadLetterLines); i++)
        {
            ProcessingLog.DeadLettered(logger, cursor.Blob.FullName, issues[i].Kind, issues[i].Offset, issues[i].Reason);
        }

        if (issues.Count > MaxDeadLetterLines)
        {
            ProcessingLog.MoreDeadLettered(logger, cursor.Blob.FullName, issues.Count - MaxDeadLetterLines);
        }

        DeadLetteredItems += issues.Count;
        FlowLogMetrics.DeadLettered.Add(issues.Count);
        cursor.DeadLettered(issues.Count);
        issues.Clear();
    }

    /// <summary>Hands what is batched to the sink, dead-letters the events it refused, and counts both.</summary>
    public async Task DeliverAsync(CancellationToken cancellationToken)
    {
        if (_batch.Count == 0)
        {
            return;
        }

        EventBatch batch = _batch.Build(cursor.Blob.FullName);
        DeliveryReceipt receipt = await sink.DeliverAsync(batch, cancellationToken).ConfigureAwait(false);
        IReadOnlyList<RefusedEvent> refused = receipt.Refused;
        if (refused.Count > 0)
        {
            // Kept before the batch is reset: the dead letters hold the events' bytes.
            await deadLetters.WriteRefusedAsync(batch, refused, cancellationToken).ConfigureAwait(false);
            for (int i = 0; i < Math.Min(refused.Count, MaxDeadLetterLines); i++)
            {
                ProcessingLog.EventRefused(logger, batch.Source, batch.Start, batch.End, refused[i].Reason);
            }

            if (refused.Count > MaxDeadLetterLines)
            {
                ProcessingLog.MoreDeadLettered(logger, batch.Source, refused.Count - MaxDeadLetterLines);
            }

            DeadLetteredItems += refused.Count;
            FlowLogMetrics.DeadLettered.Add(refused.Count);
            cursor.DeadLettered(refused.Count);
        }

        int accepted = receipt.AcceptedOf(batch.Count);
        Events += accepted;
        FlowLogMetrics.EventsDelivered.Add(accepted);
        cursor.Delivered(accepted);
        _batch.Reset();
    }

    /// <summary>Counts a chunk (or a document) delivered to its end.</summary>
    public void ChunkDelivered() => Chunks++;

    /// <summary>Drops what is batched and not delivered (the blob changed under the read: it is read again).</summary>
    public void Discard() => _batch.Reset();

    /// <summary>The call's result.</summary>
    public BlobProcessResult Result(BlobProcessOutcome outcome) => new()
    {
        Outcome = outcome,
        Events = Events,
        BytesRead = BytesRead,
        Chunks = Chunks,
        DeadLettered = DeadLetteredItems,
        Offset = cursor.Current.Offset,
        WaitingForRecord = cursor.AwaitingCutRecord,
        Anomalies = cursor.Anomalies,
    };

    /// <inheritdoc/>
    public void Dispose()
    {
        _batch.Dispose();
        Record.Dispose();
    }

    private async Task<bool> DeliverAndMarkAsync(long recordOffset, int tuples, CancellationToken cancellationToken)
    {
        await DeliverAsync(cancellationToken).ConfigureAwait(false);
        cursor.MarkPartialRecord(recordOffset, tuples);
        return await cursor.SaveAsync(cancellationToken).ConfigureAwait(false);
    }
}
