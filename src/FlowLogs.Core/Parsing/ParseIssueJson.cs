using System.Text.Json;

namespace FlowLogs.Parsing;

/// <summary>The JSON form of a <see cref="ParseIssue"/>, shared by the dead-letter container and <c>flowlogs parse --dead-letter</c>.</summary>
internal static class ParseIssueJson
{
    /// <summary>Writes <paramref name="issue"/> as one object: source, kind, reason, place, excerpt and the bytes in base64.</summary>
    public static void Write(Utf8JsonWriter writer, ParseIssue issue, string source)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(issue);
        writer.WriteStartObject();
        writer.WriteString("source", source);
        writer.WriteString("kind", issue.Kind.ToString());
        writer.WriteString("reason", issue.Reason);
        writer.WriteNumber("offset", issue.Offset);
        writer.WriteNumber("length", issue.Length);
        writer.WriteNumber("record_index", issue.RecordIndex);
        writer.WriteNumber("tuple_ordinal", issue.TupleOrdinal);
        writer.WriteString("excerpt", issue.Excerpt);
        writer.WriteBase64String("bytes", issue.Bytes.Span);
        writer.WriteEndObject();
    }
}
