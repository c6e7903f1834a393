using System.Globalization;
using System.Text.Json;
using Azure.Storage.Blobs;
using FlowLogs.BlobSource;
using FlowLogs.Parsing;

namespace FlowLogs.DeadLetters;

/// <summary>
/// Dead letters as JSON blobs in a container, named after the source blob and the byte offset, so that reading the
/// same bad bytes again overwrites the same dead letter instead of adding one.
/// </summary>
internal sealed class BlobDeadLetterStore(BlobContainerClient container) : IDeadLetterStore
{
    private readonly BlobContainerClient _container = container ?? throw new ArgumentNullException(nameof(container));

    // Whoever wants to know what this flow of work dead-letters (the redrive: did the sink refuse an event again?).
    private readonly AsyncLocal<Action<string, string>?> _observer = new();

    /// <summary>The container the dead letters are in.</summary>
    public BlobContainerClient Container => _container;

    /// <summary>
    /// Reports every dead letter written by the current asynchronous flow (name in the container, reason) to
    /// <paramref name="written"/> until the result is disposed.
    /// </summary>
    public IDisposable Observe(Action<string, string> written)
    {
        Action<string, string>? previous = _observer.Value;
        _observer.Value = written;
        return new Restore(() => _observer.Value = previous);
    }

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

    /// <inheritdoc/>
    public async Task WriteEventAsync(string source, long rangeStart, long rangeEnd, ReadOnlyMemory<byte> eventJson, string reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        string stem = source.EndsWith(".json", StringComparison.Ordinal) ? source[..^".json".Length] : source;
        string name = string.Create(CultureInfo.InvariantCulture, $"{stem}/events/{rangeStart:D15}-{System.IO.Hashing.XxHash64.HashToUInt64(eventJson.Span):x16}.json");
        using var content = new MemoryStream();
        using (var writer = new Utf8JsonWriter(content, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteString("source", source);
            writer.WriteString("kind", "UnsentEvent");
            writer.WriteString("reason", reason);
            writer.WriteNumber("record_range_start", rangeStart);
            writer.WriteNumber("record_range_end", rangeEnd);
            writer.WriteNumber("length", eventJson.Length);
            writer.WriteBase64String("event", eventJson.Span);
            writer.WriteEndObject();
        }

        content.Position = 0;
        await _container.GetBlobClient(name).UploadAsync(content, overwrite: true, cancellationToken).ConfigureAwait(false);
        _observer.Value?.Invoke(name, reason);
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

            using var content = new MemoryStream();
            using (var writer = new Utf8JsonWriter(content, new JsonWriterOptions { Indented = true }))
            {
                writer.WriteStartObject();
                writer.WriteString("source", blob.FullName);
                writer.WriteNumber("count", count);
                writer.WriteStartArray("items");
                for (int i = first; i < first + count; i++)
                {
                    ParseIssueJson.Write(writer, issues[i], blob.FullName);
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            content.Position = 0;
            string name = NameOf(blob, issues[first], count);
            await _container.GetBlobClient(name).UploadAsync(content, overwrite: true, cancellationToken).ConfigureAwait(false);
            _observer.Value?.Invoke(name, issues[first].Reason);
            first += count;
        }
    }

    private sealed class Restore(Action restore) : IDisposable
    {
        public void Dispose() => restore();
    }
}
