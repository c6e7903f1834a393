using System.Globalization;
using System.Text;
using System.Text.Json;

namespace FlowLogs.Parsing;

/// <summary>What was wrong with a piece of input that the reader skipped.</summary>
public enum ParseIssueKind
{
    /// <summary>A record is not valid JSON; the whole record is skipped.</summary>
    InvalidJson,

    /// <summary>A record is valid JSON but not an NSG or VNet flow-log record; the whole record is skipped.</summary>
    UnknownRecordShape,

    /// <summary>One tuple is malformed; only that tuple is skipped.</summary>
    InvalidTuple,

    /// <summary>Bytes between records that belong to no record.</summary>
    UnexpectedBytes,

    /// <summary>A record that never closed (cut short by the end of input or by the start of the next record).</summary>
    TruncatedRecord,

    /// <summary>A record larger than <see cref="FlowLogReaderOptions.MaxRecordBytes"/>.</summary>
    OversizedRecord,
}

/// <summary>One skipped piece of input: what, where, why, and the bytes themselves for inspection.</summary>
public sealed class ParseIssue
{
    private const int ExcerptBytes = 96;

    internal ParseIssue(ParseIssueKind kind, string reason, string source, long offset, int recordIndex, int tupleOrdinal, ReadOnlySpan<byte> bytes, int totalLength)
    {
        Kind = kind;
        Reason = reason;
        Source = source;
        Offset = offset;
        RecordIndex = recordIndex;
        TupleOrdinal = tupleOrdinal;
        Length = totalLength;
        Bytes = bytes.ToArray();
        Excerpt = MakeExcerpt(bytes);
    }

    /// <summary>The category of problem.</summary>
    public ParseIssueKind Kind { get; }

    /// <summary>Why the input was skipped, in words.</summary>
    public string Reason { get; }

    /// <summary>The blob or file name (empty for an anonymous source).</summary>
    public string Source { get; }

    /// <summary>Byte offset of the skipped bytes in the whole blob.</summary>
    public long Offset { get; }

    /// <summary>Length of the skipped bytes in the input (may exceed <see cref="Bytes"/> for an oversized record).</summary>
    public int Length { get; }

    /// <summary>Index of the record concerned among the input's records, or -1 for bytes outside any record.</summary>
    public int RecordIndex { get; }

    /// <summary>Ordinal of the tuple within its record, or -1 when the issue is not about one tuple.</summary>
    public int TupleOrdinal { get; }

    /// <summary>The skipped bytes (for an oversized record, its first bytes), for a dead-letter store.</summary>
    public ReadOnlyMemory<byte> Bytes { get; }

    /// <summary>A short printable excerpt of the bytes, non-ASCII shown as <c>\xNN</c>.</summary>
    public string Excerpt { get; }

    /// <summary>Writes the issue as one JSON object (source, kind, reason, place, excerpt, the bytes in base64), as dead letters hold it.</summary>
    public void WriteJson(Utf8JsonWriter writer) => ParseIssueJson.Write(writer, this, Source);

    /// <inheritdoc/>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{Kind} at byte {Offset}");
        if (Source.Length > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $" of {Source}");
        }

        if (RecordIndex >= 0)
        {
            text.Append(CultureInfo.InvariantCulture, $", record {RecordIndex}");
        }

        if (TupleOrdinal >= 0)
        {
            text.Append(CultureInfo.InvariantCulture, $", tuple {TupleOrdinal}");
        }

        text.Append(CultureInfo.InvariantCulture, $" ({Length} bytes): {Reason}; excerpt: {Excerpt}");
        return text.ToString();
    }

    private static string MakeExcerpt(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder(ExcerptBytes + 8);
        foreach (byte b in bytes[..Math.Min(bytes.Length, ExcerptBytes)])
        {
            if (b >= 0x20 && b < 0x7F)
            {
                text.Append((char)b);
            }
            else
            {
                text.Append(CultureInfo.InvariantCulture, $"\\x{b:X2}");
            }
        }

        if (bytes.Length > ExcerptBytes)
        {
            text.Append('…');
        }

        return text.ToString();
    }
}
