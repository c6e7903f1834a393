using System.Diagnostics;
using System.Globalization;
using FlowLogs.BlobSource;
using FlowLogs.Delta;
using FlowLogs.Diagnostics;
using FlowLogs.Parsing;
using Microsoft.Extensions.Logging;

namespace FlowLogs.Processing;

/// <summary>
/// Reads a PT1H.json as Azure writes it: only the blocks committed since the checkpoint, in chunks of whole blocks, each
/// chunk read with one ranged request conditional on the listed ETag, delivered, then checkpointed. A record cut by the
/// end of a chunk is carried into the next read instead of being read again; one cut by the end of the last commit is
/// waited for until the next commit finishes it, and dead-lettered only once the blob is final.
/// </summary>
internal sealed class BlockChunkReader(DeliveryCursor cursor, RecordDelivery delivery, IFlowLogBlobStore blobs, BlobProcessorOptions options, TimeProvider time, ILogger logger) : IBlobReader
{
    private byte[] _buffer = [];

    /// <inheritdoc/>
    public async Task<ReadOutcome> ReadAsync(BlockListSnapshot snapshot, CancellationToken cancellationToken)
    {
        DeltaPlan plan = BlockDelta.Plan(snapshot.Blocks, cursor.Current, options.MaxChunkBytes);
        switch (plan.Status)
        {
            case DeltaStatus.Empty:
                cursor.Anomaly("empty", "the blob has no committed blocks");
                return ReadOutcome.NothingNew;
            case DeltaStatus.UpToDate:
                return ReadOutcome.NothingNew;
            case DeltaStatus.Restart:
                cursor.Anomaly("rewritten", $"{plan.Reason}; reading it again from byte 0 (event ids of unchanged tuples repeat, so downstream can drop duplicates)");
                cursor.Restart();
                break;
        }

        // Final: the hour is over and the blob quiet (by the storage service's time), so a cut record will not be finished.
        bool final = HourCompletion.IsFinal(cursor.Blob, snapshot, options.CompletionGrace, time.GetUtcNow());
        if (cursor.AwaitingCutRecord && cursor.CutRecordSeenAt == snapshot.ETag && !final)
        {
            return ReadOutcome.NothingNew;
        }

        if (!await cursor.SaveAsync(cancellationToken).ConfigureAwait(false))
        {
            return ReadOutcome.ClaimLost;
        }

        IReadOnlyList<DeltaChunk> chunks = plan.Chunks;
        Carry? carry = null;
        for (int i = 0; i < chunks.Count; i++)
        {
            DeltaChunk chunk = chunks[i];
            if (carry is { } carried)
            {
                // Read at least as many new bytes as are carried, so each carried byte is parsed a bounded number of
                // times however small the blocks; never more than the read buffer's bound.
                while (chunk.Length < carried.Length && i + 1 < chunks.Count && carried.Length + chunks[i + 1].End - chunk.Start <= MaxReadBytes)
                {
                    DeltaChunk next = chunks[++i];
                    chunk = new DeltaChunk(chunk.FirstBlock, chunk.BlockCount + next.BlockCount, chunk.Start, next.End, false, next.HasTail);
                }
            }

            ChunkRead read = await ReadChunkAsync(snapshot, chunk, carry, final, cancellationToken).ConfigureAwait(false);
            switch (read)
            {
                case ChunkRead.Stopped:
                    return ReadOutcome.ClaimLost;
                case ChunkRead.RecordAwaited:
                    return ReadOutcome.ReadSome;
                case ChunkRead.Framing framing:
                    return new NotFramed(framing.Reason);
                case ChunkRead.RecordRunsOn runsOn:
                    if (carry is null)
                    {
                        cursor.Anomaly("record-spans-blocks", string.Create(CultureInfo.InvariantCulture, $"a block ends inside the record at byte {runsOn.Carry.BlobOffset}; reading it together with the next block"));
                    }

                    carry = runsOn.Carry;
                    continue;
            }

            carry = null;
            int consumed = chunk.FirstBlock + chunk.BlockCount - (chunk.HasTail ? 1 : 0);
            cursor.BlocksDelivered(chunk.HasTail ? chunk.End - snapshot.Blocks[^1].Size : chunk.End, consumed, BlockDelta.DigestOf(snapshot.Blocks, consumed));

            // The last chunk's checkpoint is written with the release (or before more reading): one write less a minute.
            if (i < chunks.Count - 1 && !await cursor.SaveAsync(cancellationToken).ConfigureAwait(false))
            {
                return ReadOutcome.ClaimLost;
            }
        }

        return ReadOutcome.ReadSome;
    }

    // Reads one chunk (after the bytes carried from the last one, if any), delivers its events, dead-letters its bad bytes.
    private async Task<ChunkRead> ReadChunkAsync(BlockListSnapshot snapshot, DeltaChunk chunk, Carry? carry, bool final, CancellationToken cancellationToken)
    {
        int carried = carry?.Length ?? 0;
        if (chunk.Length + carried > MaxReadBytes)
        {
            // A block larger than a chunk and a record together (no writer of flow logs makes one) is streamed instead.
            return new ChunkRead.Framing(string.Create(CultureInfo.InvariantCulture, $"a chunk of {chunk.Length} bytes is larger than one read holds ({MaxReadBytes})"));
        }

        int length = carried + (int)chunk.Length;
        byte[] buffer = Buffer(length, carry);
        var stopwatch = Stopwatch.StartNew();
        await blobs.ReadRangeAsync(cursor.Blob, chunk.Start, buffer.AsMemory(carried, (int)chunk.Length), snapshot.ETag, cancellationToken).ConfigureAwait(false);
        delivery.Read(chunk.Length);

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

        // Every record before a partial-record mark inside the chunk was delivered: reading starts at the mark (a record's
        // first byte) instead of parsing them again.
        long dataEnd = chunk.End - tail;
        int skip = head;
        if (carry is null && cursor.Current.PartialRecordOffset is long mark && mark > chunk.Start + head && mark < dataEnd)
        {
            skip = (int)(mark - chunk.Start);
        }

        long dataStart = carry?.BlobOffset ?? chunk.Start + skip;
        var issues = new List<ParseIssue>();
        using (var reader = new FlowLogReader(buffer.AsMemory(skip, length - skip - tail), delivery.Source, dataStart, delivery.ReaderOptions(issues)))
        {
            while (reader.Read())
            {
                if (!await delivery.AddAsync(reader.Current, cancellationToken).ConfigureAwait(false))
                {
                    return new ChunkRead.Stopped();
                }
            }

            bool cutAtEnd = issues.Count > 0 && issues[^1] is { Kind: ParseIssueKind.TruncatedRecord } last && last.Offset + last.Length == dataEnd && last.Length < options.MaxRecordBytes;
            if (cutAtEnd && chunk.HasTail && !final)
            {
                // The last commit ends inside a record: Azure finishes it with the next one. Everything before it is
                // delivered; the record is read again, whole, once the blob changes.
                ParseIssue cut = issues[^1];
                issues.RemoveAt(issues.Count - 1);
                await delivery.DeadLetterAsync(issues, cancellationToken).ConfigureAwait(false);
                await delivery.DeliverAsync(cancellationToken).ConfigureAwait(false);
                (int block, long blockStart) = BlockDelta.BlockAt(snapshot.Blocks, cut.Offset);
                cursor.Anomaly("record-spans-commits", string.Create(CultureInfo.InvariantCulture, $"the last commit ends inside the record at byte {cut.Offset}; it is read once the next commit finishes it"));
                cursor.AwaitRecord(cut.Offset, block, blockStart, BlockDelta.DigestOf(snapshot.Blocks, block), snapshot);
                return new ChunkRead.RecordAwaited();
            }

            if (cutAtEnd && chunk.HasTail)
            {
                cursor.Anomaly("cut-short", string.Create(CultureInfo.InvariantCulture, $"the blob's hour is over and it ends inside a record at byte {issues[^1].Offset}; the record is dead-lettered"));
            }

            if (cutAtEnd && !chunk.HasTail)
            {
                // Everything before the cut record is delivered; the record is carried into the next read.
                ParseIssue cut = issues[^1];
                issues.RemoveAt(issues.Count - 1);
                await delivery.DeadLetterAsync(issues, cancellationToken).ConfigureAwait(false);
                if (!await delivery.DeliverBeforeAsync(cut.Offset, cancellationToken).ConfigureAwait(false))
                {
                    return new ChunkRead.Stopped();
                }

                return new ChunkRead.RecordRunsOn(new Carry(head + (int)(cut.Offset - dataStart), (int)cut.Length, cut.Offset));
            }

            await delivery.DeadLetterAsync(issues, cancellationToken).ConfigureAwait(false);
            await delivery.DeliverAsync(cancellationToken).ConfigureAwait(false);
            delivery.ChunkDelivered();
            ProcessingLog.Chunk(logger, cursor.Blob.FullName, dataStart, chunk.End, reader.Counts.Events, stopwatch.ElapsedMilliseconds);
        }

        FlowLogMetrics.DeliveryDuration.Record(stopwatch.Elapsed.TotalSeconds);
        return new ChunkRead.Delivered();
    }

    // The most one read holds: a chunk and a record carried into it.
    private long MaxReadBytes => (long)options.MaxChunkBytes + options.MaxRecordBytes;

    // One read buffer for every chunk of the call, grown to what is asked (never past MaxReadBytes), with the carried
    // bytes (if any) moved to its start.
    private byte[] Buffer(int length, Carry? carry)
    {
        byte[] buffer = _buffer;
        if (buffer.Length < length)
        {
            buffer = new byte[length];
        }

        if (carry is { } c)
        {
            _buffer.AsSpan(c.Index, c.Length).CopyTo(buffer);
        }

        _buffer = buffer;
        return buffer;
    }

    /// <summary>Bytes of a record that runs on past a chunk: where they sit in the read buffer and in the blob.</summary>
    private readonly record struct Carry(int Index, int Length, long BlobOffset);

    /// <summary>How reading one chunk ended.</summary>
    private abstract record ChunkRead
    {
        /// <summary>Its events were delivered and its bad bytes dead-lettered: the checkpoint may move past it.</summary>
        public sealed record Delivered : ChunkRead;

        /// <summary>It ends inside a record, which is carried into the next read.</summary>
        public sealed record RecordRunsOn(Carry Carry) : ChunkRead;

        /// <summary>It ends inside a record that the blob's next commit may finish: waited for.</summary>
        public sealed record RecordAwaited : ChunkRead;

        /// <summary>The blob is not framed as Azure frames PT1H.json.</summary>
        public sealed record Framing(string Reason) : ChunkRead;

        /// <summary>The claim was lost midway.</summary>
        public sealed record Stopped : ChunkRead;
    }
}
