using System.Globalization;
using System.IO.Hashing;
using System.Text;
using System.Text.Json.Nodes;
using Azure;

namespace FlowLogs.DeadLetters;

/// <summary>
/// One dead-letter blob as read back: a read's bad bytes (<c>items</c>), or one event the sink could not send
/// (<c>kind: UnsentEvent</c>). The JSON is kept as it is, so rewriting it with a redrive outcome loses no field.
/// </summary>
internal sealed class DeadLetter
{
    /// <summary>Prefix under which dead letters whose every item was redriven are kept.</summary>
    public const string RedrivenPrefix = "redriven/";

    /// <summary>The <c>kind</c> of a dead-lettered event.</summary>
    public const string UnsentEvent = "UnsentEvent";

    public DeadLetter(string name, DateTimeOffset written, ETag etag, JsonObject document)
    {
        Name = name;
        Written = written;
        ETag = etag;
        Document = document;
        Id = IdOf(name);
        Items = document["items"] is JsonArray items ? [.. items.OfType<JsonObject>().Select(i => new DeadLetterItem(i, false))] : [new DeadLetterItem(document, true)];
    }

    /// <summary>A short stable id for a terminal: 10 hex digits of the name's hash.</summary>
    public string Id { get; }

    /// <summary>The blob's name in the dead-letter container.</summary>
    public string Name { get; }

    /// <summary>When the dead letter was written (the blob's last modification).</summary>
    public DateTimeOffset Written { get; }

    /// <summary>The blob's ETag when read, for writing it back only if unchanged.</summary>
    public ETag ETag { get; }

    /// <summary>The JSON document.</summary>
    public JsonObject Document { get; }

    /// <summary>The source blob (<c>container/name</c>).</summary>
    public string Source => Document["source"]?.GetValue<string>() ?? string.Empty;

    /// <summary>Whether this is an event the sink could not send, rather than bytes the parser skipped.</summary>
    public bool IsEvent => Items is [{ IsEvent: true }];

    /// <summary>The items: one per skipped piece of input, or the event.</summary>
    public IReadOnlyList<DeadLetterItem> Items { get; }

    /// <summary>The first item's kind, or <c>mixed</c>.</summary>
    public string Kind => Items.Select(i => i.Kind).Distinct(StringComparer.Ordinal).Count() switch
    {
        0 => string.Empty,
        1 => Items[0].Kind,
        _ => "mixed",
    };

    /// <summary>Where in the source blob: the first item's place.</summary>
    public string Place => Items.Count == 0 ? string.Empty : Items[0].Place;

    /// <summary>The reason of the first item, or its latest redrive reason when a redrive failed.</summary>
    public string Reason => Items.Count == 0 ? string.Empty : Items[0].LatestReason;

    /// <summary>Pending (never redriven), failing (the last redrive failed on some item), or redriven.</summary>
    public string State => Items.All(i => i.Outcome == DeadLetterItem.Delivered)
        ? "redriven"
        : Items.Any(i => i.Outcome == DeadLetterItem.Failing) ? "failing" : "pending";

    /// <summary>The id of a dead-letter name.</summary>
    public static string IdOf(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        string key = name.StartsWith(RedrivenPrefix, StringComparison.Ordinal) ? name[RedrivenPrefix.Length..] : name;
        return XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(key)).ToString("x16", CultureInfo.InvariantCulture)[..10];
    }

    /// <summary>Reads a dead-letter document; null when it is not one.</summary>
    public static DeadLetter? TryParse(string name, DateTimeOffset written, ETag etag, BinaryData content)
    {
        try
        {
            return JsonNode.Parse(content.ToMemory().Span) is JsonObject document && document["source"] is JsonValue ? new DeadLetter(name, written, etag, document) : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}

/// <summary>One item of a dead letter, with the outcome of its last redrive if any.</summary>
internal sealed class DeadLetterItem(JsonObject node, bool isEvent)
{
    /// <summary>The outcome of an item whose events were handed to the sink and acknowledged.</summary>
    public const string Delivered = "delivered";

    /// <summary>The outcome of an item the last redrive could not deliver.</summary>
    public const string Failing = "failing";

    /// <summary>The JSON of the item (for an event, the whole document).</summary>
    public JsonObject Node { get; } = node;

    /// <summary>Whether the item is an event rather than input bytes.</summary>
    public bool IsEvent { get; } = isEvent;

    public string Kind => Node["kind"]?.GetValue<string>() ?? string.Empty;

    public string Reason => Node["reason"]?.GetValue<string>() ?? string.Empty;

    /// <summary>Byte offset in the source blob: of the bytes, or of the first record the event comes from.</summary>
    public long Offset => Number(IsEvent ? "record_range_start" : "offset");

    public long RangeEnd => Number("record_range_end");

    public long Length => Number("length");

    public long RecordIndex => Number("record_index", -1);

    public long TupleOrdinal => Number("tuple_ordinal", -1);

    /// <summary>The bytes: the input skipped, or the event's JSON.</summary>
    public byte[] Bytes => Node[IsEvent ? "event" : "bytes"]?.GetValue<string>() is { } base64 ? Convert.FromBase64String(base64) : [];

    /// <summary>The last redrive's outcome, or null.</summary>
    public string? Outcome => (Node["redrive"] as JsonObject)?["outcome"]?.GetValue<string>();

    /// <summary>The last redrive's reason, when it failed.</summary>
    public string? RedriveReason => (Node["redrive"] as JsonObject)?["reason"]?.GetValue<string>();

    /// <summary>When the last redrive ran.</summary>
    public string? RedriveAt => (Node["redrive"] as JsonObject)?["at"]?.GetValue<string>();

    /// <summary>Events the last redrive delivered.</summary>
    public long RedriveEvents => (Node["redrive"] as JsonObject)?["events"]?.GetValue<long>() ?? 0;

    public string LatestReason => Outcome == Failing && RedriveReason is { } again ? again : Reason;

    /// <summary>The place in words: bytes of the blob, record and tuple.</summary>
    public string Place
    {
        get
        {
            if (IsEvent)
            {
                return string.Create(CultureInfo.InvariantCulture, $"records at bytes {Offset}-{RangeEnd}");
            }

            var text = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"byte {Offset}"));
            if (RecordIndex >= 0)
            {
                text.Append(CultureInfo.InvariantCulture, $", record {RecordIndex}");
            }

            if (TupleOrdinal >= 0)
            {
                text.Append(CultureInfo.InvariantCulture, $", tuple {TupleOrdinal}");
            }

            return text.ToString();
        }
    }

    /// <summary>Records the outcome of a redrive on the item.</summary>
    public void Record(string outcome, DateTimeOffset at, long events, string? reason)
    {
        var redrive = new JsonObject
        {
            ["outcome"] = outcome,
            ["at"] = at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            ["events"] = events,
        };
        if (reason is not null)
        {
            redrive["reason"] = reason;
        }

        Node["redrive"] = redrive;
    }

    private long Number(string name, long missing = 0) => Node[name] is JsonValue value && value.TryGetValue(out long number) ? number : missing;
}
