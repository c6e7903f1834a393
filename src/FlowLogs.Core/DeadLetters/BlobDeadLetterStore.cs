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
public sealed class BlobDeadLetterStore(BlobContainerClient container) : IDeadLetterStore
{
    private readonly BlobContainerClient _container = container ?? throw new ArgumentNullException(nameof(container));

    /// <summary>Creates the container if needed.</summary>
    public async Task CreateIfNotExistsAsync(CancellationToken cancellationToken) => await _container.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);

    /// <summary>The dead letter's blob name for an issue of a blob.</summary>
    public static string NameOf(FlowLogBlob blob, ParseIssue issue)
    {
        ArgumentNullException.ThrowIfNull(blob);
        ArgumentNullException.ThrowIfNull(issue);
        string name = blob.Name.EndsWith(".json", StringComparison.Ordinal) ? blob.Name[..^".json".Length] : blob.Name;
        return string.Create(CultureInfo.InvariantCulture, $"{blob.Container}/{name}/{issue.Offset:D15}-{issue.TupleOrdinal + 1:D6}-{issue.Kind}.json");
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
    }

    /// <inheritdoc/>
    public async Task WriteAsync(FlowLogBlob blob, ParseIssue issue, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        ArgumentNullException.ThrowIfNull(issue);
        using var content = new MemoryStream();
        using (var writer = new Utf8JsonWriter(content, new JsonWriterOptions { Indented = true }))
        {
            ParseIssueJson.Write(writer, issue, blob.FullName);
        }

        content.Position = 0;
        await _container.GetBlobClient(NameOf(blob, issue)).UploadAsync(content, overwrite: true, cancellationToken).ConfigureAwait(false);
    }
}
