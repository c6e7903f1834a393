using System.Text.Json;
using FlowLogs.Parsing;

namespace FlowLogs.Ecs;

/// <summary>
/// Writes the flattened per-tuple record that Sekoia.io's intake formats parse ("Azure Network Watcher Flow Logs" for
/// VNet, "Azure Network Watcher" for NSG): the <c>message</c> of our ECS events and the <c>raw</c> payload.
/// </summary>
public static class SekoiaRecordWriter
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
            WriteIfPresent(writer, Time, record, record.Time);
            WriteIfPresent(writer, MacAddress, record, tuple.Mac.IsPresent ? tuple.Mac : record.MacAddress);
            WriteIfPresent(writer, OperationName, record, record.OperationName);
            WriteIfPresent(writer, ResourceId, record, record.ResourceId);
            WriteIfPresent(writer, Rule, record, tuple.Rule);
            writer.WriteString(Flow0, record[tuple.Text]);
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

        writer.WriteEndObject();
    }

    // The intake's VNet pattern needs integer counters: empty ones (begin and deny tuples) are written as 0.
    private static void WriteVNetTuple(Utf8JsonWriter writer, FlowRecord record, in FlowTuple tuple)
    {
        ReadOnlySpan<byte> text = record[tuple.Text];
        if (tuple.EmptyCounterMask == 0)
        {
            writer.WriteString(Flow0, text);
            return;
        }

        Span<byte> rewritten = stackalloc byte[FlowTupleParser.MaxTupleLength + 8];
        int commas = 0;
        int length = 0;
        for (int i = 0; i < text.Length; i++)
        {
            byte b = text[i];
            rewritten[length++] = b;
            if (b == ',' && ++commas >= 9 && (tuple.EmptyCounterMask & (1 << (commas - 9))) != 0)
            {
                rewritten[length++] = (byte)'0';
            }
        }

        writer.WriteString(Flow0, rewritten[..length]);
    }

    private static void WriteIfPresent(Utf8JsonWriter writer, JsonEncodedText name, FlowRecord record, Utf8Slice value)
    {
        if (value.IsPresent)
        {
            writer.WriteString(name, record[value]);
        }
    }
}
