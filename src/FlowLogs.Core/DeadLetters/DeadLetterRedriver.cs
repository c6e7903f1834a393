using System.Globalization;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using FlowLogs.BlobSource;
using FlowLogs.Parsing;
using FlowLogs.Sinks;
using Microsoft.Extensions.Logging;

namespace FlowLogs.DeadLetters;

/// <summary>What a redrive did, counted by dead letter, item and event.</summary>
internal sealed class DeadLetterRedriveReport
{
    /// <summary>Dead letters looked at.</summary>
    public int DeadLetters { get; set; }

    /// <summary>Items looked at.</summary>
    public int Items { get; set; }

    /// <summary>Items whose events were delivered (or, in a dry run, would be sent).</summary>
    public int ItemsRedriven { get; set; }

    /// <summary>Events the sink acknowledged (or, in a dry run, would send).</summary>
    public long EventsSent { get; set; }

    /// <summary>Events of redriven items the intake refused: dead-lettered anew, with its answer.</summary>
    public long EventsRefused { get; set; }

    /// <summary>Items that still could not be delivered; they stay, with the new reason.</summary>
    public int StillFailing { get; set; }

    /// <summary>Items delivered by an earlier redrive, or whose dead letter changed while this one ran.</summary>
    public int Skipped { get; set; }

    /// <summary>Dead letters whose every item is now delivered, moved under <c>redriven/</c>.</summary>
    public int Moved { get; set; }

    /// <summary>Whether nothing was sent or written.</summary>
    public bool DryRun { get; set; }

    /// <inheritdoc/>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"{(DryRun ? "dry run: " : string.Empty)}{DeadLetters} dead letters, {Items} items: {ItemsRedriven} {(DryRun ? "would be redriven" : "redriven")}, {EventsSent} events {(DryRun ? "would be sent" : "sent")}, {EventsRefused} refused again (dead-lettered anew), {StillFailing} still failing, {Skipped} skipped; {Moved} dead letters moved to {DeadLetter.RedrivenPrefix}");
}

/// <summary>
/// Reads the dead-letter container and sends dead letters on: input bytes through today's parser as a delta of their
/// source blob at their offset (so their events get the ids the original read would have given them), a lone tuple by
/// reading its record again from the source blob, events as they are. Each item's outcome is written into its dead
/// letter; a dead letter whose items are all delivered is moved under <c>redriven/</c>. Nothing that was not delivered
/// is deleted.
/// </summary>
internal sealed partial class DeadLetterRedriver(BlobDeadLetterStore store, Func<IEventSink> sink, Func<IFlowLogBlobStore>? blobs, TimeProvider time, ILogger logger)
{
    private readonly BlobContainerClient _container = store.Container;

    /// <summary>The dead letters not yet fully redriven that match <paramref name="filter"/>, oldest first.</summary>
    public async Task<List<DeadLetter>> ListAsync(DeadLetterFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var letters = new List<DeadLetter>();
        foreach (string name in await NamesAsync(filter, cancellationToken).ConfigureAwait(false))
        {
            if (await ReadAsync(name, cancellationToken).ConfigureAwait(false) is { } letter && filter.Matches(letter))
            {
                letters.Add(letter);
            }
        }

        return [.. letters.OrderBy(l => l.Written).ThenBy(l => l.Name, StringComparer.Ordinal)];
    }

    // The names of the dead letters not yet fully redriven that may match (by time, before reading them), in name order.
    private async Task<List<string>> NamesAsync(DeadLetterFilter filter, CancellationToken cancellationToken)
    {
        var names = new List<string>();
        if (!await _container.ExistsAsync(cancellationToken).ConfigureAwait(false))
        {
            return names;
        }

        await foreach (BlobItem item in _container.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix: null, cancellationToken).ConfigureAwait(false))
        {
            if (!item.Name.StartsWith(DeadLetter.RedrivenPrefix, StringComparison.Ordinal)
                && (item.Properties.LastModified is not { } modified || filter.MayMatch(modified)))
            {
                names.Add(item.Name);
            }
        }

        return names;
    }

    /// <summary>The dead letter with id or name <paramref name="id"/>, redriven ones included; null when there is none.</summary>
    public async Task<DeadLetter?> FindAsync(string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (!await _container.ExistsAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        await foreach (BlobItem item in _container.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix: null, cancellationToken).ConfigureAwait(false))
        {
            if (item.Name == id || DeadLetter.IdOf(item.Name) == id)
            {
                return await ReadAsync(item.Name, cancellationToken).ConfigureAwait(false);
            }
        }

        return null;
    }

    /// <summary>Redrives the dead letters matching <paramref name="filter"/>; a dry run parses them and sends and writes nothing.</summary>
    public async Task<DeadLetterRedriveReport> RedriveAsync(DeadLetterFilter filter, bool dryRun, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var report = new DeadLetterRedriveReport { DryRun = dryRun };

        // One dead letter in memory at a time: each holds up to 4 MiB of bytes.
        foreach (string name in await NamesAsync(filter, cancellationToken).ConfigureAwait(false))
        {
            if (await ReadAsync(name, cancellationToken).ConfigureAwait(false) is not { } letter || !filter.Matches(letter))
            {
                continue;
            }

            report.DeadLetters++;
            bool recorded = false;
            List<DeadLetterItem> loneTuples = [.. letter.Items.Where(i => !i.IsEvent && i.Outcome != DeadLetterItem.Delivered && i.Kind == nameof(ParseIssueKind.InvalidTuple))];
            Dictionary<DeadLetterItem, (long Sent, long Refused, string? Failure)> tuples = loneTuples.Count == 0
                ? []
                : await SendTuplesAsync(letter, loneTuples, dryRun, cancellationToken).ConfigureAwait(false);
            foreach (DeadLetterItem item in letter.Items)
            {
                report.Items++;
                if (item.Outcome == DeadLetterItem.Delivered)
                {
                    report.Skipped++;
                    continue;
                }

                (long sent, long refused, string? failure) = tuples.TryGetValue(item, out (long Sent, long Refused, string? Failure) tuple)
                    ? tuple
                    : item.IsEvent
                    ? await SendEventAsync(letter, item, dryRun, cancellationToken).ConfigureAwait(false)
                    : await SendBytesAsync(letter, item, dryRun, cancellationToken).ConfigureAwait(false);
                if (failure is null)
                {
                    report.ItemsRedriven++;
                    report.EventsSent += sent;
                    report.EventsRefused += refused;
                    item.Record(DeadLetterItem.Delivered, time.GetUtcNow(), sent, refused > 0 ? string.Create(CultureInfo.InvariantCulture, $"{refused} events refused by the intake, dead-lettered anew") : null);
                }
                else
                {
                    report.StillFailing++;
                    item.Record(DeadLetterItem.Failing, time.GetUtcNow(), 0, failure);
                    RedriveLog.StillFailing(logger, letter.Name, item.Place, failure);
                }

                recorded = true;
            }

            // A dead letter all delivered earlier but not moved (it changed meanwhile) is moved now.
            bool allDelivered = letter.Items.All(i => i.Outcome == DeadLetterItem.Delivered);
            if (!dryRun && (recorded || allDelivered) && !await SaveAsync(letter, report, cancellationToken).ConfigureAwait(false))
            {
                report.Skipped++;
            }
        }

        return report;
    }

    private async Task<DeadLetter?> ReadAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            Response<BlobDownloadResult> download = await _container.GetBlobClient(name).DownloadContentAsync(cancellationToken).ConfigureAwait(false);
            return DeadLetter.TryParse(name, download.Value.Details.LastModified, download.Value.Details.ETag, download.Value.Content);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    // Bytes the parser skipped: parsed again as a delta of the source blob at the item's offset; all of the item's
    // events are sent, or none (a record still partly bad is left whole for a later fix).
    private async Task<(long Sent, long Refused, string? Failure)> SendBytesAsync(DeadLetter letter, DeadLetterItem item, bool dryRun, CancellationToken cancellationToken)
    {
        byte[] bytes = item.Bytes;
        if (item.Length > bytes.Length)
        {
            return (0, 0, string.Create(CultureInfo.InvariantCulture, $"only the first {bytes.Length} of the record's {item.Length} bytes were kept: it cannot be read again from the dead letter"));
        }

        var issues = new List<ParseIssue>();
        var source = new FlowLogSource(FlowLogBlob.TryParse(letter.Source, out FlowLogBlob? origin) ? origin.Path : letter.Source);
        using var reader = new FlowLogReader(bytes, source, item.Offset, new FlowLogReaderOptions { MaxIssuesKept = 0, IssueReported = issues.Add });
        IEventSink? target = dryRun ? null : sink();
        using EventBatchBuilder? batch = target?.CreateBatch();
        long tuples = 0;
        int records = 0;
        while (reader.Read())
        {
            records++;
            tuples += reader.Current.Tuples.Length;
            batch?.Add(reader.Current);
        }

        if (issues.Count > 0)
        {
            string more = issues.Count > 1 ? string.Create(CultureInfo.InvariantCulture, $" (and {issues.Count - 1} more issues)") : string.Empty;
            return (0, 0, $"today's parser still skips it: {issues[0].Kind}: {issues[0].Reason}{more}");
        }

        if (records == 0)
        {
            return (0, 0, "today's parser finds no flow-log record in these bytes");
        }

        if (target is null || batch is null || batch.Count == 0)
        {
            return (tuples, 0, null);
        }

        EventBatch events = batch.Build(letter.Source);
        (DeliveryReceipt? receipt, string? failure) = await DeliverAsync(target, events, cancellationToken).ConfigureAwait(false);
        return receipt is null ? (0, 0, failure) : (receipt.AcceptedOf(events.Count), receipt.Refused.Count, null);
    }

    // Lone tuples carry none of their record's fields (time, MAC address, rule): their records are read again from the
    // source blob, in one pass for the dead letter, and a tuple today's parser accepts, at the same place and with the
    // same text, is sent with the id the original read would have given it. One delivery for the dead letter's tuples.
    private async Task<Dictionary<DeadLetterItem, (long Sent, long Refused, string? Failure)>> SendTuplesAsync(DeadLetter letter, List<DeadLetterItem> items, bool dryRun, CancellationToken cancellationToken)
    {
        var outcomes = new Dictionary<DeadLetterItem, (long Sent, long Refused, string? Failure)>();
        if (blobs is null || !FlowLogBlob.TryParse(letter.Source, out FlowLogBlob? blob))
        {
            items.ForEach(i => outcomes[i] = (0, 0, "a lone tuple is read again with its record from the source blob, and no flow-log storage is configured"));
            return outcomes;
        }

        IFlowLogBlobStore source = blobs();
        BlockListSnapshot? snapshot;
        try
        {
            snapshot = await source.GetCommittedBlocksAsync(blob, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex)
        {
            items.ForEach(i => outcomes[i] = (0, 0, string.Create(CultureInfo.InvariantCulture, $"a lone tuple is read again with its record from the source blob, which could not be read (storage answered {ex.Status} {ex.ErrorCode}): check the flow-log connection (FlowLogStorage; --storage for flowlogs)")));
            return outcomes;
        }
        catch (UnknownAccountException ex)
        {
            items.ForEach(i => outcomes[i] = (0, 0, $"a lone tuple is read again with its record from the source blob: {ex.Message}"));
            return outcomes;
        }

        if (snapshot is null)
        {
            items.ForEach(i => outcomes[i] = (0, 0, "a lone tuple is read again with its record from the source blob, which no longer exists"));
            return outcomes;
        }

        List<DeadLetterItem> pending = [.. items.OrderBy(i => i.Offset)];
        var rejected = new Dictionary<long, string>();
        IEventSink? target = dryRun ? null : sink();
        using EventBatchBuilder? batch = target?.CreateBatch();
        var found = new List<DeadLetterItem>();
        try
        {
            Stream stream = await source.OpenReadAsync(blob, 0, snapshot.ETag, cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                var options = new FlowLogReaderOptions
                {
                    MaxIssuesKept = 0,
                    IssueReported = issue =>
                    {
                        if (issue.Kind == ParseIssueKind.InvalidTuple)
                        {
                            rejected[issue.Offset] = issue.Reason;
                        }
                    },
                };
                using var reader = new FlowLogReader(stream, new FlowLogSource(blob.Path), 0, options);
                while (pending.Count > 0 && await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    FlowRecord record = reader.Current;
                    foreach (DeadLetterItem item in pending.Where(i => i.Offset >= record.Offset && i.Offset < record.Offset + record.Length).ToList())
                    {
                        pending.Remove(item);
                        if (TryAddTuple(record, item, batch))
                        {
                            found.Add(item);
                        }
                        else
                        {
                            outcomes[item] = (0, 0, rejected.TryGetValue(item.Offset, out string? reason)
                                ? $"today's parser still rejects this tuple: {reason}"
                                : "the source blob holds another tuple at this place now");
                        }
                    }
                }
            }
        }
        catch (Exception ex) when (ex is BlobChangedException or RequestFailedException)
        {
            pending.AddRange(found);
            found.Clear();
            pending.ForEach(i => outcomes[i] = (0, 0, "the source blob changed while its records were read again"));
            return outcomes;
        }

        pending.ForEach(i => outcomes[i] = (0, 0, "the source blob has no record at this place now"));
        if (found.Count == 0)
        {
            return outcomes;
        }

        if (target is null || batch is null)
        {
            found.ForEach(i => outcomes[i] = (1, 0, null));
            return outcomes;
        }

        // One event a found tuple, in the order found: the receipt's indexes name the items.
        EventBatch events = batch.Build(letter.Source);
        (DeliveryReceipt? receipt, string? failure) = await DeliverAsync(target, events, cancellationToken).ConfigureAwait(false);
        if (receipt is null)
        {
            found.ForEach(i => outcomes[i] = (0, 0, failure));
            return outcomes;
        }

        found.ForEach(i => outcomes[i] = (1, 0, null));
        foreach (RefusedEvent refused in receipt.Refused)
        {
            outcomes[found[refused.Index]] = (0, 1, null);
        }

        return outcomes;
    }

    // Adds the tuple of the item to the batch if today's parser accepts it at the same place with the same text.
    private static bool TryAddTuple(FlowRecord record, DeadLetterItem item, EventBatchBuilder? batch)
    {
        byte[] text = item.Bytes;
        foreach (ref readonly FlowTuple tuple in record.Tuples)
        {
            if (tuple.Ordinal == item.TupleOrdinal && record[tuple.Text].SequenceEqual(text))
            {
                batch?.Add(record, tuple);
                return true;
            }
        }

        return false;
    }

    // An event the sink could not send: sent again byte for byte. Refused again, it stays in this dead letter with the
    // new answer (a new dead letter would be this one: it is named by the event's bytes).
    private async Task<(long Sent, long Refused, string? Failure)> SendEventAsync(DeadLetter letter, DeadLetterItem item, bool dryRun, CancellationToken cancellationToken)
    {
        byte[] json = item.Bytes;
        if (json.Length == 0)
        {
            return (0, 0, "the dead letter holds no event");
        }

        if (dryRun)
        {
            return (1, 0, null);
        }

        IEventSink target = sink();
        using EventBatchBuilder batch = target.CreateBatch();
        batch.AddEncoded(json, item.Offset, item.RangeEnd);
        (DeliveryReceipt? receipt, string? failure) = await SendAsync(target, batch.Build(letter.Source), cancellationToken).ConfigureAwait(false);
        return receipt switch
        {
            null => (0, 0, failure),
            { Refused: [RefusedEvent again, ..] } => (0, 0, $"refused again: {again.Reason}"),
            _ => (1, 0, null),
        };
    }

    // Hands the batch to the sink; the events it refuses are dead-lettered anew, with its answer.
    private async Task<(DeliveryReceipt? Receipt, string? Failure)> DeliverAsync(IEventSink target, EventBatch batch, CancellationToken cancellationToken)
    {
        (DeliveryReceipt? receipt, string? failure) = await SendAsync(target, batch, cancellationToken).ConfigureAwait(false);
        if (receipt is not null)
        {
            await store.WriteRefusedAsync(batch, receipt.Refused, cancellationToken).ConfigureAwait(false);
        }

        return (receipt, failure);
    }

    // The sink's receipt, or why it failed: a failed delivery is the item's outcome, not the redrive's end.
    private static async Task<(DeliveryReceipt? Receipt, string? Failure)> SendAsync(IEventSink target, EventBatch batch, CancellationToken cancellationToken)
    {
        try
        {
            return (await target.DeliverAsync(batch, cancellationToken).ConfigureAwait(false), null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The sink's messages name the setting to fix and never hold the key.
            return (null, $"the sink failed: {ex.Message}");
        }
    }

    // Writes the outcomes: a dead letter with every item delivered moves under redriven/; one with an item still
    // failing is rewritten in place, unless it changed meanwhile (then it is left as it is and redriven next time).
    private async Task<bool> SaveAsync(DeadLetter letter, DeadLetterRedriveReport report, CancellationToken cancellationToken)
    {
        BlobClient blob = _container.GetBlobClient(letter.Name);
        ETag etag = letter.ETag;
        System.Text.Json.Nodes.JsonObject document = letter.Document;
        var content = BinaryData.FromString(document.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        try
        {
            if (letter.Items.All(i => i.Outcome == DeadLetterItem.Delivered))
            {
                // Copied first, then deleted if unchanged: a dead letter is never without a place.
                BlobClient moved = _container.GetBlobClient(DeadLetter.RedrivenPrefix + letter.Name);
                await moved.UploadAsync(content, overwrite: true, cancellationToken).ConfigureAwait(false);
                try
                {
                    await blob.DeleteAsync(DeleteSnapshotsOption.None, new BlobRequestConditions { IfMatch = etag }, cancellationToken).ConfigureAwait(false);
                }
                catch (RequestFailedException ex) when (ex.Status == 412)
                {
                    // Written again meanwhile (the processor read the same bytes again): it stays as it is now, the copy goes.
                    await moved.DeleteIfExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                    throw;
                }

                report.Moved++;
            }
            else
            {
                await blob.UploadAsync(content, new BlobUploadOptions { Conditions = new BlobRequestConditions { IfMatch = etag } }, cancellationToken).ConfigureAwait(false);
            }

            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 412 or 404)
        {
            RedriveLog.Changed(logger, letter.Name);
            return false;
        }
    }

    private static partial class RedriveLog
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "Dead letter {Name} still fails at {Place}: {Reason}")]
        public static partial void StillFailing(ILogger logger, string name, string place, string reason);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Dead letter {Name} changed while it was redriven; its outcome is not recorded and it is redriven again next time")]
        public static partial void Changed(ILogger logger, string name);
    }
}
