using System.Text.Json;

namespace FlowLogs.BlobSource;

/// <summary>
/// What an Event Grid storage event says, in Event Grid's own schema or in CloudEvents 1.0: its type, its source (the
/// storage account's resource id) and the blob's URL. A queue message holds one event, or an array of them.
/// </summary>
/// <param name="Type">The event type, such as <c>Microsoft.Storage.BlobCreated</c>.</param>
/// <param name="Source">The topic (Event Grid schema) or source (CloudEvents): the account's resource id.</param>
/// <param name="Url">The blob's URL (<c>data.url</c>); null when the event has none.</param>
/// <param name="ContentLength">The blob's length after the commit (<c>data.contentLength</c>); null when not given.</param>
/// <param name="ETag">The blob's ETag after the commit (<c>data.eTag</c>); null when not given.</param>
internal sealed record BlobCreatedEvent(string Type, string Source, Uri? Url, long? ContentLength = null, string? ETag = null)
{
    /// <summary>The event type of a blob committed (Put Blob, Put Block List, Copy Blob).</summary>
    public const string BlobCreated = "Microsoft.Storage.BlobCreated";

    /// <summary>Whether the event is a <see cref="BlobCreated"/>.</summary>
    public bool IsBlobCreated => Type == BlobCreated;

    /// <summary>
    /// Reads the events of one queue message, as JSON text or base64-encoded JSON (Event Grid has written both over
    /// time; the queue trigger hands the text over as stored, <c>messageEncoding: none</c>). In an array, an element
    /// that is not an event is named in <paramref name="malformed"/> and the others are read.
    /// </summary>
    /// <exception cref="FormatException">The message is not JSON, or neither an event nor an array; the message names what is wrong.</exception>
    public static IReadOnlyList<BlobCreatedEvent> Read(string message, out IReadOnlyList<string> malformed)
    {
        ArgumentNullException.ThrowIfNull(message);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(Json(message));
        }
        catch (JsonException ex)
        {
            throw new FormatException($"the queue message is not JSON ({ex.Message}); Event Grid writes one event per message", ex);
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            var events = new List<BlobCreatedEvent>();
            var bad = new List<string>();
            malformed = bad;
            if (root.ValueKind != JsonValueKind.Array)
            {
                events.Add(ReadOne(root, "the message"));
                return events;
            }

            int index = 0;
            foreach (JsonElement item in root.EnumerateArray())
            {
                try
                {
                    events.Add(ReadOne(item, $"event {index} of the message"));
                }
                catch (FormatException ex)
                {
                    // One bad element must not hold back the good ones around it.
                    bad.Add(ex.Message);
                }

                index++;
            }

            return events;
        }
    }

    // JSON starts with an object or an array; anything else is taken for base64, if it decodes.
    private static ReadOnlyMemory<byte> Json(string message)
    {
        ReadOnlySpan<char> text = message.AsSpan().Trim();
        if (text.Length > 0 && text[0] is '{' or '[')
        {
            return System.Text.Encoding.UTF8.GetBytes(message);
        }

        byte[] decoded = new byte[(text.Length * 3 / 4) + 3];
        return Convert.TryFromBase64Chars(text, decoded, out int written)
            ? decoded.AsMemory(0, written)
            : System.Text.Encoding.UTF8.GetBytes(message);
    }

    private static BlobCreatedEvent ReadOne(JsonElement element, string where)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"{where} is a JSON {element.ValueKind}, not an event object");
        }

        string? type = String(element, "eventType") ?? String(element, "type");
        string? source = String(element, "topic") ?? String(element, "source");
        if (type is null || source is null)
        {
            throw new FormatException($"{where} is not an Event Grid event: it has no eventType/topic (Event Grid schema) or type/source (CloudEvents)");
        }

        Uri? url = null;
        long? length = null;
        string? etag = null;
        if (element.TryGetProperty("data", out JsonElement data) && data.ValueKind == JsonValueKind.Object)
        {
            if (String(data, "url") is { } text && !Uri.TryCreate(text, UriKind.Absolute, out url))
            {
                throw new FormatException($"{where} has a data.url that is not an absolute URL");
            }

            length = data.TryGetProperty("contentLength", out JsonElement l) && l.ValueKind == JsonValueKind.Number && l.TryGetInt64(out long n) && n >= 0 ? n : null;
            etag = String(data, "eTag");
        }

        return new BlobCreatedEvent(type, source, url, length, etag);
    }

    private static string? String(JsonElement element, string name)
        => element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
