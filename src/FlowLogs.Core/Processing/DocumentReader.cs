using System.Globalization;
using FlowLogs.BlobSource;
using FlowLogs.Checkpoints;
using FlowLogs.Parsing;

namespace FlowLogs.Processing;

/// <summary>
/// Reads a blob that is not framed as Azure frames PT1H.json as one JSON document, from the checkpoint's offset (a
/// record boundary) to its end, in one conditional stream. A record cut by the end is waited for while the blob may
/// still grow, and dead-lettered once it is final.
/// </summary>
internal sealed class DocumentReader(DeliveryCursor cursor, RecordDelivery delivery, IFlowLogBlobStore blobs, BlobProcessorOptions options, TimeProvider time) : IBlobReader
{
    /// <inheritdoc/>
    public async Task<ReadOutcome> ReadAsync(BlockListSnapshot snapshot, CancellationToken cancellationToken)
    {
        BlobCheckpoint current = cursor.Current;
        if (snapshot.Length < current.Offset)
        {
            cursor.Anomaly("shorter", string.Create(CultureInfo.InvariantCulture, $"the blob is {snapshot.Length} bytes, shorter than its checkpoint at byte {current.Offset}; reading it again from byte 0"));
            cursor.Restart();
        }
        else if (snapshot.Length == current.BlobLength && string.Equals(current.BlobETag, snapshot.ETag.ToString(), StringComparison.Ordinal))
        {
            return ReadOutcome.NothingNew;
        }

        // A blob whose hour is over and that has not changed for the grace will not be completed: a record cut by its
        // end is then bad bytes like any other, not a record still being written.
        bool final = HourCompletion.IsFinal(cursor.Blob, snapshot, options.CompletionGrace, time.GetUtcNow());
        if (cursor.AwaitingCutRecord && cursor.CutRecordSeenAt == snapshot.ETag && !final)
        {
            return ReadOutcome.NothingNew;
        }

        if (!await cursor.SaveAsync(cancellationToken).ConfigureAwait(false))
        {
            return ReadOutcome.ClaimLost;
        }

        long offset = cursor.Current.Offset;
        var issues = new List<ParseIssue>();
        long issueBytes = 0;
        FlowLogReaderOptions readerOptions = delivery.ReaderOptions(issues);
        readerOptions.IssueReported = issue =>
        {
            issues.Add(issue);
            issueBytes += issue.Bytes.Length;
        };
        Stream stream = await blobs.OpenReadAsync(cursor.Blob, offset, snapshot.ETag, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var reader = new FlowLogReader(stream, delivery.Source, offset, readerOptions);
            long delivered = offset;
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                // Bad bytes found on the way are dead-lettered at the end of the read (found again if it is cut short),
                // or as soon as they hold as much memory as a record: a stream of garbage never piles up.
                if (issueBytes > options.MaxRecordBytes)
                {
                    await delivery.DeadLetterAsync(issues, cancellationToken).ConfigureAwait(false);
                    issueBytes = 0;
                }

                if (!await delivery.AddAsync(reader.Current, cancellationToken).ConfigureAwait(false))
                {
                    return ReadOutcome.ClaimLost;
                }

                delivered = reader.Current.Offset + reader.Current.Length;
            }

            // Bad bytes move the checkpoint past them too, except a record cut by the end of a blob still being written.
            bool awaitingCutRecord = false;
            for (int i = 0; i < issues.Count; i++)
            {
                ParseIssue issue = issues[i];
                bool openEnded = issue.Kind == ParseIssueKind.TruncatedRecord && issue.Offset + issue.Length == snapshot.Length;
                if (openEnded && !final)
                {
                    awaitingCutRecord = true;
                    issues.RemoveAt(i--);
                    continue;
                }

                if (openEnded)
                {
                    cursor.Anomaly("cut-short", string.Create(CultureInfo.InvariantCulture, $"the blob's hour is over and it ends inside a record at byte {issue.Offset}; the record is dead-lettered"));
                }

                delivered = Math.Max(delivered, issue.Offset + issue.Length);
            }

            await delivery.DeadLetterAsync(issues, cancellationToken).ConfigureAwait(false);
            await delivery.DeliverAsync(cancellationToken).ConfigureAwait(false);
            delivery.Read(reader.Counts.Bytes);
            delivery.ChunkDelivered();
            cursor.DocumentDelivered(delivered, snapshot, awaitingCutRecord);
            return delivered != offset ? ReadOutcome.ReadSome : ReadOutcome.NothingNew;
        }
    }
}
