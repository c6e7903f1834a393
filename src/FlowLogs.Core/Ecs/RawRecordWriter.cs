using System.Buffers.Text;
using System.Text.Json;
using FlowLogs.Parsing;

namespace FlowLogs.Ecs;

/// <summary>
/// Writes the raw record of one tuple: the flow-log record flattened to that tuple, the <c>message</c> of every ECS
/// event and the whole event of the <see cref="EventPayload.Raw"/> payload. Its layout is the one SIEM formats parse
/// (Sekoia.io's "Azure Network Watcher Flow Logs" for VNet, "Azure Network Watcher" for NSG), which is why the intake
/// sink sends it by default; it belongs to the event, not to a sink.
/// </summary>
internal static class RawRecordWriter
{
    private static readonly JsonEncodedText Time = JsonEncodedText.Encode("time");
    private static readonly JsonEncodedText FlowLogVersion = JsonEncodedText.Encode("flowLogVersion");
    private static readonly JsonEncodedText FlowLogGuid = JsonEncodedText.Encode("flowLogGUID");
    private static readonly JsonEncodedText MacAddress = JsonEncodedText.Encode("macAddress");
    private static readonly JsonEncodedText OperationName = JsonEncodedText.Encode("operationName");
    private static readonly JsonEncodedText AclId = JsonEncodedText.Encode("aclID");
    private static readonly JsonEncodedText Rule = JsonEncodedText.Encode("rule");
    private static readonly JsonEncodedText Flow0 = JsonEncodedText.Encode("flow.0");
    private static readonly JsonEncodedText ResourceId = JsonEncodedText.Encode("resourceId");
    private static readonly JsonEncodedText Version = JsonEncodedText.Encode("version");
    private static readonly JsonEncodedText FlowStateName = JsonEncodedText.Encode("flow_state");

    /// <summary>Writes the record of one tuple as a JSON object.</summary>
    public static void Write(Utf8JsonWriter writer, FlowRecord record, in FlowTuple tuple)
    {
        writer.WriteStartObject();
        if (record.Kind == FlowLogKind.VirtualNetwork)
        {
            // Key order as in Sekoia's own samples (seed 002).
            WriteIfPresent(writer, Time, record, record.Time);
            if (record.Version > 0)
            {
                writer.WriteNumber(FlowLogVersion, record.Version);
            }

            WriteIfPresent(writer, FlowLogGuid, record, record.FlowLogGuid);
            WriteIfPresent(writer, MacAddress, record, record.MacAddress);
            WriteIfPresent(writer, OperationName, record, record.OperationName);
            WriteIfPresent(writer, AclId, record, tuple.AclId);
            WriteIfPresent(writer, Rule, record, tuple.Rule);
            WriteVNetTuple(writer, record, tuple);
        }
        else
        {
            WriteNsgFields(writer, record, tuple, record[tuple.Text]);
        }

        writer.WriteEndObject();
    }

    /// <summary>
    /// Writes the record of an NSG tuple as a JSON object with <paramref name="flow"/> as its <c>flow.0</c>: the tuple as
    /// written, or another form of it (the Sekoia sink's translation for the Flow Logs format). The flow must be ASCII
    /// without quotes or backslashes.
    /// </summary>
    internal static void WriteNsg(Utf8JsonWriter writer, FlowRecord record, in FlowTuple tuple, ReadOnlySpan<byte> flow)
    {
        writer.WriteStartObject();
        WriteNsgFields(writer, record, tuple, flow);
        writer.WriteEndObject();
    }

    private static void WriteNsgFields(Utf8JsonWriter writer, FlowRecord record, in FlowTuple tuple, ReadOnlySpan<byte> flow)
    {
        WriteIfPresent(writer, Time, record, record.Time);
        WriteIfPresent(writer, MacAddress, record, tuple.Mac.IsPresent ? tuple.Mac : record.MacAddress);
        WriteIfPresent(writer, OperationName, record, record.OperationName);
        WriteIfPresent(writer, ResourceId, record, record.ResourceId);
        WriteIfPresent(writer, Rule, record, tuple.Rule);
        writer.WriteString(Flow0, flow);
        if (record.Version > 0)
        {
            Span<byte> digits = stackalloc byte[11];
            record.Version.TryFormat(digits, out int length, provider: System.Globalization.CultureInfo.InvariantCulture);
            writer.WriteString(Version, digits[..length]);
        }

        if (tuple.State != FlowState.None)
        {
            writer.WriteString(FlowStateName, EcsVocabulary.FlowStateName(tuple.State));
        }
    }

    /// <summary>Maximum length of <see cref="FormatFlow"/>'s output: the tuple, four <c>0</c> counters, three digits of milliseconds.</summary>
    internal const int MaxFlowLength = FlowTupleParser.MaxTupleLength + 4 + 3;

    // The intake's VNet pattern needs integer counters: empty ones (begin and deny tuples) are written as 0.
    private static void WriteVNetTuple(Utf8JsonWriter writer, FlowRecord record, in FlowTuple tuple)
    {
        Span<byte> flow = stackalloc byte[MaxFlowLength];
        writer.WriteString(Flow0, flow[..FormatFlow(record, tuple, flow)]);
    }

    /// <summary>
    /// The tuple as the intake's <c>flow.0</c> needs it: as written, but for VNet the time in milliseconds (the intake
    /// reads field 1 as milliseconds; Azure sometimes writes seconds) and empty counters as <c>0</c>. It is ASCII
    /// without quotes or backslashes (the tuple parser validated every field), so it never needs escaping.
    /// </summary>
    internal static int FormatFlow(FlowRecord record, in FlowTuple tuple, Span<byte> destination)
    {
        ReadOnlySpan<byte> text = record[tuple.Text];
        bool inSeconds = tuple.RawTimestamp != tuple.TimestampMilliseconds;
        if (record.Kind != FlowLogKind.VirtualNetwork || (tuple.EmptyCounterMask == 0 && !inSeconds))
        {
            text.CopyTo(destination);
            return text.Length;
        }

        int length = 0;
        if (inSeconds)
        {
            Utf8Formatter.TryFormat(tuple.TimestampMilliseconds, destination, out length);
            text = text[text.IndexOf((byte)',')..];
        }

        if (tuple.EmptyCounterMask == 0)
        {
            text.CopyTo(destination[length..]);
            return length + text.Length;
        }

        // text starts at field 1 or at the comma that ends it: either way its ninth comma ends field 9.
        int commas = 0;
        foreach (byte b in text)
        {
            destination[length++] = b;
            if (b == ',' && ++commas >= 9 && (tuple.EmptyCounterMask & (1 << (commas - 9))) != 0)
            {
                destination[length++] = (byte)'0';
            }
        }

        return length;
    }

    private static void WriteIfPresent(Utf8JsonWriter writer, JsonEncodedText name, FlowRecord record, Utf8Slice value)
    {
        if (value.IsPresent)
        {
            writer.WriteString(name, record[value]);
        }
    }
}
