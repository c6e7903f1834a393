using System.Globalization;
using System.Text.Json;
using Azure.Storage.Blobs;
using FlowLogs.BlobSource;
using FlowLogs.Parsing;
using FlowLogs.Sinks;

namespace FlowLogs.DeadLetters;

/// <summary>
/// Dead letters as JSON blobs in a container, named after the source blob and the byte offset, so that reading the
/// same bad bytes again overwrites the same dead letter instead of adding one.
/// </summary>
internal sealed class BlobDeadLetterStore(BlobContainerClient container) : IDeadLetterStore
{
    private readonly BlobContainerClient _container = container ?? throw new ArgumentNullException(nameof(container));

    /// <summary>The container the dead letters are in.</summary>
    public BlobContainerClient Container => _container;

    /// <summary>Creates the container if needed.</summary>
    public async Task CreateIfNotExistsAsync(CancellationToken cancellationToken) => await _container.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);

    // One item holds the issues of one read, up to this many of their bytes: a chunk of corrupt tuples is a few PUTs, not thousands.
    private const int MaxItemBytes = 4 * 1024 * 1024;

    /// <summary>The dead letter's blob name for a group of issues of a blob, starting with <paramref name="first"/>.</summary>
    public static string NameOf(FlowLogBlob blob, ParseIssue first, int count)
    {
        ArgumentNullException.ThrowIfNull(blob);
        ArgumentNullException.ThrowIfNull(first);
        string name = blob.Name.EndsWith(".json", StringComparison.Ordinal) ? blob.Name[..^".json".Length] : blob.Name;
        return string.Create(CultureInfo.InvariantCulture, $"{blob.Account}/{blob.Container}/{name}/{first.Offset:D15}-{first.TupleOrdinal + 1:D6}-{count:D6}-{first.Kind}.json");
    }

    // Named by the event's own bytes: the same event refused again overwrites its dead letter.
    private static string NameOf(string source, long rangeStart, ReadOnlySpan<byte> eventJson)
    {
        ArgumentNullException.ThrowIfNull(source);
        string stem = source.EndsWith(".json", StringComparison.Ordinal) ? source[..^".json".Length] : source;
        return string.Create(CultureInfo.InvariantCulture, $"{stem}/events/{rangeStart:D15}-{System.IO.Hashing.XxHash64.HashToUInt64(eventJson):x16}.json");
    }

    /// <inheritdoc/>
    public async Task WriteRefusedAsync(EventBatch batch, IReadOnlyList<RefusedEvent> refused, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(refused);
        foreach (RefusedEvent e in refused)
        {
            // The dead letter holds the event's own JSON, unescaped from its framing: what the redrive sends again.
            ReadOnlyMemory<byte> eventJson = batch.EventJson(e.Index);
            await UploadAsync(NameOf(batch.Source, batch.Start, eventJson.Span), writer =>
            {
                writer.WriteStartObject();
                writer.WriteString("source", batch.Source);
                writer.WriteString("kind", "UnsentEvent");
                writer.WriteString("reason", e.Reason);
                writer.WriteNumber("record_range_start", batch.Start);
                writer.WriteNumber("record_range_end", batch.End);
                writer.WriteNumber("length", eventJson.Length);
                writer.WriteBase64String("event", eventJson.Span);
                writer.WriteEndObject();
            }, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public async Task WriteAsync(FlowLogBlob blob, IReadOnlyList<ParseIssue> issues, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        ArgumentNullException.ThrowIfNull(issues);
        int first = 0;
        while (first < issues.Count)
        {
            int count = 0;
            long bytes = 0;
            while (first + count < issues.Count && (count == 0 || bytes + issues[first + count].Bytes.Length <= MaxItemBytes))
            {
                bytes += issues[first + count].Bytes.Length;
                count++;
            }

            int end = first + count;
            await UploadAsync(NameOf(blob, issues[first], count), writer =>
            {
                writer.WriteStartObject();
                writer.WriteString("source", blob.FullName);
                writer.WriteNumber("count", count);
                writer.WriteStartArray("items");
                for (int i = first; i < end; i++)
                {
                    ParseIssueJson.Write(writer, issues[i], blob.FullName);
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }, cancellationToken).ConfigureAwait(false);
            first = end;
        }
    }

    // Every dead letter is one indented JSON blob, overwritten when the same input is dead-lettered again.
    private async Task UploadAsync(string name, Action<Utf8JsonWriter> write, CancellationToken cancellationToken)
    {
        using var content = new MemoryStream();
        using (var writer = new Utf8JsonWriter(content, new JsonWriterOptions { Indented = true }))
        {
            write(writer);
        }

        content.Position = 0;
        await _container.GetBlobClient(name).UploadAsync(content, overwrite: true, cancellationToken).ConfigureAwait(false);
    }
}
