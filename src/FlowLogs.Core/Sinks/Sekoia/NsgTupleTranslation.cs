using System.Buffers.Text;
using System.Text.Json;
using FlowLogs.Ecs;
using FlowLogs.Parsing;

namespace FlowLogs.Sinks.Sekoia;

/// <summary>
/// An NSG tuple rewritten as the VNet tuple Sekoia's "Azure Network Watcher Flow Logs" format parses, so NSG flow logs
/// can go to that format's intake when the customer has no intake of the NSG format. Every tuple the parser accepts
/// translates; the rules and their reasons are in docs/ecs-mapping.md ("NSG tuples translated for the Flow Logs
/// format"). Pure, no allocation.
/// </summary>
internal static class NsgTupleTranslation
{
    /// <summary>Most bytes a translation takes: the tuple, milliseconds, a two-digit protocol, a state and four counters.</summary>
    public const int MaxLength = FlowTupleParser.MaxTupleLength + 32;

    /// <summary>
    /// Writes <paramref name="tuple"/> of an NSG record (its text <paramref name="text"/>) in the VNet tuple's 13 fields:
    /// time in milliseconds, addresses and ports as written, protocol as its IANA number, direction as written, state
    /// <c>D</c> for a denied flow (else the tuple's B, C or E, and C for a v1 tuple), an empty encryption field (NSG flow
    /// logs say nothing of encryption), the counters as numbers (<c>0</c> where empty or, in v1, absent).
    /// Returns the length written.
    /// </summary>
    public static int Format(ReadOnlySpan<byte> text, in FlowTuple tuple, Span<byte> destination)
    {
        // Fields 2 to 5 as written, with the commas around them: up to the fifth comma included.
        int afterTime = text.IndexOf((byte)',');
        int protocolStart = afterTime;
        for (int comma = 1; comma < 5; comma++)
        {
            protocolStart += 1 + text[(protocolStart + 1)..].IndexOf((byte)',');
        }

        protocolStart++;
        int protocolLength = text[protocolStart..].IndexOf((byte)',');
        ReadOnlySpan<byte> protocol = text.Slice(protocolStart, protocolLength);

        Utf8Formatter.TryFormat(tuple.TimestampMilliseconds, destination, out int length);
        ReadOnlySpan<byte> addressesAndPorts = text[afterTime..protocolStart];
        addressesAndPorts.CopyTo(destination[length..]);
        length += addressesAndPorts.Length;

        // T and U are the only letters NSG flow logs write; a number (accepted by the parser) is already IANA's.
        ReadOnlySpan<byte> number = protocol.SequenceEqual("T"u8) ? "6"u8 : protocol.SequenceEqual("U"u8) ? "17"u8 : protocol;
        number.CopyTo(destination[length..]);
        length += number.Length;

        destination[length++] = (byte)',';
        destination[length++] = tuple.Direction == FlowDirection.Inbound ? (byte)'I' : (byte)'O';
        destination[length++] = (byte)',';
        destination[length++] = State(tuple);

        // The encryption field stays empty: the format reads it as free text and then sets no FlowEncryption.
        destination[length++] = (byte)',';
        length += Counter(tuple.PacketsSent, tuple.EmptyCounterMask, 0, destination[length..]);
        length += Counter(tuple.BytesSent, tuple.EmptyCounterMask, 1, destination[length..]);
        length += Counter(tuple.PacketsReceived, tuple.EmptyCounterMask, 2, destination[length..]);
        length += Counter(tuple.BytesReceived, tuple.EmptyCounterMask, 3, destination[length..]);
        return length;
    }

    /// <summary>Writes the raw record of <paramref name="tuple"/> (an NSG tuple) with its <c>flow.0</c> translated.</summary>
    public static void WriteRecord(Utf8JsonWriter writer, FlowRecord record, in FlowTuple tuple)
    {
        Span<byte> flow = stackalloc byte[MaxLength];
        RawRecordWriter.WriteNsg(writer, record, tuple, flow[..Format(record[tuple.Text], tuple, flow)]);
    }

    // The VNet state letter: D whenever the NSG denied the flow (VNet flow logs write D for every denied flow, the begin
    // of a denied NSG v2 flow included); otherwise the flow's own state, and C for a v1 tuple, which has none: it reports
    // a flow seen during the minute without saying it began or ended there, which C claims least.
    private static byte State(in FlowTuple tuple) => tuple.Decision == FlowDecision.Denied ? (byte)'D' : tuple.State switch
    {
        FlowState.Begin => (byte)'B',
        FlowState.End => (byte)'E',
        _ => (byte)'C',
    };

    private static int Counter(long value, byte emptyMask, int index, Span<byte> destination)
    {
        destination[0] = (byte)',';
        if ((emptyMask & (1 << index)) != 0)
        {
            destination[1] = (byte)'0';
            return 2;
        }

        Utf8Formatter.TryFormat(value, destination[1..], out int written);
        return 1 + written;
    }
}
