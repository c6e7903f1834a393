using System.Buffers;
using System.Globalization;
using System.Text.Json;
using FlowLogs.Ecs;
using FlowLogs.Parsing;

namespace FlowLogs.Sinks.Sekoia;

/// <summary>
/// Translates the raw record of an NSG tuple that was stored as an event (a dead letter's, written while NSG tuples had
/// an intake of their own) for the Flow Logs format: the record is read back, through the parser, as the one-tuple NSG
/// record it was written from, then translated as a tuple read from a blob is. Not on the hot path.
/// </summary>
internal static class RawNsgRecord
{
    /// <summary>Writes the translation of <paramref name="eventJson"/> to <paramref name="output"/>; returns null, or why it cannot be translated.</summary>
    public static string? Translate(ReadOnlySpan<byte> eventJson, IBufferWriter<byte> output)
    {
        byte[] document;
        try
        {
            document = Document(eventJson);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // A key of the wrong type makes GetString throw InvalidOperationException.
            return $"it is not a JSON object of strings: {ex.Message}";
        }

        string? issue = null;
        var options = new FlowLogReaderOptions { MaxIssuesKept = 0, IssueReported = i => issue ??= $"{i.Kind}: {i.Reason}" };
        using var reader = new FlowLogReader(document, options: options);
        if (!reader.Read() || reader.Current.Tuples.Length != 1)
        {
            return issue ?? "it holds no NSG tuple";
        }

        using var writer = new Utf8JsonWriter(output, EcsEventWriter.WriterOptions);
        NsgTupleTranslation.WriteRecord(writer, reader.Current, reader.Current.Tuples[0]);
        return null;
    }

    // The one-record PT1H document the raw record was flattened from: time, MAC, NSG, rule, version and the tuple.
    private static byte[] Document(ReadOnlySpan<byte> eventJson)
    {
        using JsonDocument raw = JsonDocument.Parse(eventJson.ToArray());
        if (raw.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException("the event is not a JSON object");
        }

        string? Text(string name) => raw.RootElement.TryGetProperty(name, out JsonElement value) ? value.GetString() : null;
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartArray("records");
            json.WriteStartObject();
            WriteIfPresent(json, "time", Text("time"));
            WriteIfPresent(json, "macAddress", Text("macAddress"));
            WriteIfPresent(json, "resourceId", Text("resourceId"));
            WriteIfPresent(json, "operationName", Text("operationName"));
            json.WriteStartObject("properties");
            if (int.TryParse(Text("version"), NumberStyles.None, CultureInfo.InvariantCulture, out int version))
            {
                json.WriteNumber("Version", version);
            }

            json.WriteStartArray("flows");
            json.WriteStartObject();
            WriteIfPresent(json, "rule", Text("rule"));
            json.WriteStartArray("flows");
            json.WriteStartObject();
            json.WriteStartArray("flowTuples");
            json.WriteStringValue(Text("flow.0"));
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteIfPresent(Utf8JsonWriter json, string name, string? value)
    {
        if (value is not null)
        {
            json.WriteString(name, value);
        }
    }
}
