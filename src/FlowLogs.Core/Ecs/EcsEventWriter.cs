using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using FlowLogs.Parsing;

namespace FlowLogs.Ecs;

/// <summary>
/// Writes one ECS event per flow tuple (field by field in docs/ecs-mapping.md). What is the same for a whole record
/// or rule group is encoded once by <see cref="Utf8JsonWriter"/> and reused; per tuple, only the tuple's own values
/// are formatted, all of them validated ASCII that needs no escaping. Not thread-safe: use one per pipeline.
/// </summary>
internal sealed class EcsEventWriter : IDisposable
{
    /// <summary>Writer options for events: compact, relaxed escaping (quotes as <c>\"</c>, as the intake shows them).</summary>
    public static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
        SkipValidation = true,
    };

    // Everything of an event but the fragments and the variable-length tuple values stays under this.
    private const int FixedBytes = 1664;

    private readonly EcsRecordFragments _fragments = new();
    private byte[] _event = new byte[8192];

    /// <summary>Creates a writer.</summary>
    /// <param name="communityIdSeed">Seed of <c>network.community_id</c>; 0 unless the SIEM uses another.</param>
    public EcsEventWriter(ushort communityIdSeed = 0) => CommunityIdSeed = communityIdSeed;

    /// <summary>Seed of <c>network.community_id</c>.</summary>
    public ushort CommunityIdSeed { get; }

    /// <inheritdoc/>
    public void Dispose() => _fragments.Dispose();

    /// <summary>Writes the ECS event of <paramref name="tuple"/> as one JSON object to <paramref name="output"/>.</summary>
    public void Write(IBufferWriter<byte> output, FlowRecord record, in FlowTuple tuple)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(record);
        _fragments.Prepare(record, tuple);
        Span<byte> destination = output.GetSpan(MaxLength(record, tuple));
        output.Advance(Format(record, tuple, destination));
    }

    /// <summary>Writes the ECS event of <paramref name="tuple"/> as one JSON value of <paramref name="writer"/>.</summary>
    public void Write(Utf8JsonWriter writer, FlowRecord record, in FlowTuple tuple)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(record);
        _fragments.Prepare(record, tuple);
        int max = MaxLength(record, tuple);
        if (_event.Length < max)
        {
            _event = new byte[Math.Max(max, _event.Length * 2)];
        }

        int length = Format(record, tuple, _event);
        writer.WriteRawValue(_event.AsSpan(0, length), skipInputValidation: true);
    }

    private int MaxLength(FlowRecord record, in FlowTuple tuple)
        => FixedBytes + _fragments.GroupBytes + (2 * RawRecordWriter.MaxFlowLength) + (4 * (tuple.SourceIP.Length + tuple.DestinationIP.Length)) + tuple.Encryption.Length;

    private int Format(FlowRecord record, in FlowTuple tuple, Span<byte> destination)
    {
        EcsRecordFragments f = _fragments;
        bool isVNet = record.Kind == FlowLogKind.VirtualNetwork;

        // VNet counters are always written (0 when empty, as the intake does); NSG ones only when Azure wrote them.
        int empty = isVNet ? 0 : tuple.EmptyCounterMask;
        ReadOnlySpan<byte> action = EcsVocabulary.Action(tuple.Decision);
        ReadOnlySpan<byte> sourceIp = record[tuple.SourceIP];
        ReadOnlySpan<byte> destinationIp = record[tuple.DestinationIP];
        var b = new Utf8Builder(destination);

        b.Append("{\"@timestamp\":\""u8);
        b.Advance(EcsTimestamp.Write(tuple.TimestampMilliseconds, b.Free));

        b.Append("\",\"message\":"u8);
        b.Append(f[f.MessageHead]);
        b.Advance(RawRecordWriter.FormatFlow(record, tuple, b.Free));
        b.Append(f.MessageTail);

        b.Append(",\"event\":{\"kind\":\"event\",\"category\":[\"network\"],\"type\":[\""u8);
        b.Append(EcsVocabulary.EventType(record.Kind, tuple));
        b.Append("\"],\"action\":\""u8);
        b.Append(action);

        // The flow was logged as Azure decided it: success, as the intake's NSG format writes for both decisions.
        b.Append("\",\"outcome\":\"success\""u8);
        b.Append(f[f.EventFields]);
        b.Append(",\"id\":\""u8);
        b.Advance(EventId.Write(record, tuple, b.Free));
        b.Append("\"}"u8);

        b.Append(",\"action\":{\"name\":\""u8);
        b.Append(action);
        b.Append("\",\"outcome\":\"success\",\"type\":"u8);
        b.Append(f[f.Rule]);
        b.Append(",\"target\":\"network-traffic\",\"properties\":{"u8);
        if (isVNet)
        {
            b.Append("\"FlowEncryption\":\""u8);
            b.Append(record[tuple.Encryption]);
            b.Append((byte)'"');
            if (record.OperationName.IsPresent)
            {
                b.Append(",\"OperationName\":"u8);
                b.Append(f[f.OperationName]);
            }
        }
        else
        {
            // The intake's NSG object: FlowState (v2 tuples), OperationName, Version as a string.
            bool first = true;
            if (tuple.State != FlowState.None)
            {
                b.Append("\"FlowState\":\""u8);
                b.Append(EcsVocabulary.FlowStateName(tuple.State));
                b.Append((byte)'"');
                first = false;
            }

            if (record.OperationName.IsPresent)
            {
                b.Append(first ? "\"OperationName\":"u8 : ",\"OperationName\":"u8);
                b.Append(f[f.OperationName]);
                first = false;
            }

            if (record.Version > 0)
            {
                b.Append(first ? "\"Version\":"u8 : ",\"Version\":"u8);
                b.Append(f[f.Version]);
            }
        }

        b.Append("}}"u8);

        b.Append(",\"rule\":{\"name\":"u8);
        b.Append(f[f.Rule]);
        b.Append((byte)'}');

        // The NIC is the destination of an inbound flow and the source of an outbound one.
        bool inbound = tuple.Direction == FlowDirection.Inbound;
        ReadOnlySpan<byte> nicMac = f[f.NicMac];
        b.Append(",\"source\":"u8);
        AppendEndpoint(ref b, sourceIp, tuple.SourcePort, inbound ? default : nicMac, empty, tuple.PacketsSent, tuple.BytesSent);
        b.Append(",\"destination\":"u8);
        AppendEndpoint(ref b, destinationIp, tuple.DestinationPort, inbound ? nicMac : default, empty >> 2, tuple.PacketsReceived, tuple.BytesReceived);

        b.Append(",\"network\":{\"direction\":\""u8);
        b.Append(EcsVocabulary.Direction(tuple.Direction));
        ReadOnlySpan<byte> transport = IanaProtocol.Keyword(tuple.Protocol);
        if (!transport.IsEmpty)
        {
            b.Append("\",\"transport\":\""u8);
            b.Append(transport);
        }

        b.Append("\",\"iana_number\":\""u8);
        b.Append(IanaProtocol.Number(tuple.Protocol));
        b.Append(tuple.SourceAddress.IsIPv6 ? "\",\"type\":\"ipv6\""u8 : "\",\"type\":\"ipv4\""u8);
        // Totals of the counters written; left out when both are empty.
        if ((empty & 0b1010) != 0b1010)
        {
            b.Append(",\"bytes\":"u8);
            b.AppendNumber(SaturatingSum(tuple.BytesSent, tuple.BytesReceived));
        }

        if ((empty & 0b0101) != 0b0101)
        {
            b.Append(",\"packets\":"u8);
            b.AppendNumber(SaturatingSum(tuple.PacketsSent, tuple.PacketsReceived));
        }

        b.Append(",\"community_id\":\""u8);
        b.Advance(CommunityId.Write(tuple.SourceAddress, tuple.DestinationAddress, tuple.SourcePort, tuple.DestinationPort, tuple.Protocol, CommunityIdSeed, b.Free));
        b.Append("\"}"u8);

        // related.ip: both addresses, sorted, once each.
        int order = sourceIp.SequenceCompareTo(destinationIp);
        b.Append(",\"related\":{\"ip\":[\""u8);
        b.Append(order <= 0 ? sourceIp : destinationIp);
        if (order != 0)
        {
            b.Append("\",\""u8);
            b.Append(order < 0 ? destinationIp : sourceIp);
        }

        b.Append("\"]}"u8);

        b.Append(f[f.Context]);
        b.Append(f[f.AclField]);
        if (tuple.State != FlowState.None)
        {
            b.Append(",\"state\":\""u8);
            b.Append(EcsVocabulary.FlowStateName(tuple.State));
            b.Append((byte)'"');
        }

        if (tuple.Encryption.IsPresent)
        {
            ReadOnlySpan<byte> encryption = record[tuple.Encryption];
            b.Append(",\"encryption\":\""u8);
            b.Append(encryption);
            b.Append((byte)'"');
            int encrypted = EcsVocabulary.Encrypted(encryption);
            if (encrypted >= 0)
            {
                b.Append(encrypted == 1 ? ",\"encrypted\":true"u8 : ",\"encrypted\":false"u8);
            }
        }

        b.Append(f[f.Closing]);
        return b.Length;
    }

    // Counters are never negative, so an overflowing sum (hostile input) comes out negative: cap it instead.
    private static long SaturatingSum(long a, long b)
    {
        long sum = unchecked(a + b);
        return sum < 0 ? long.MaxValue : sum;
    }

    // emptyMask: bit 0 the packets field, bit 1 the bytes field of this side (set when Azure left it empty).
    private static void AppendEndpoint(ref Utf8Builder b, ReadOnlySpan<byte> ip, ushort port, ReadOnlySpan<byte> quotedMac, int emptyMask, long packets, long bytes)
    {
        b.Append("{\"address\":\""u8);
        b.Append(ip);
        b.Append("\",\"ip\":\""u8);
        b.Append(ip);
        b.Append("\",\"port\":"u8);
        b.AppendNumber(port);
        if (!quotedMac.IsEmpty)
        {
            b.Append(",\"mac\":"u8);
            b.Append(quotedMac);
        }

        if ((emptyMask & 0b10) == 0)
        {
            b.Append(",\"bytes\":"u8);
            b.AppendNumber(bytes);
        }

        if ((emptyMask & 0b01) == 0)
        {
            b.Append(",\"packets\":"u8);
            b.AppendNumber(packets);
        }

        b.Append((byte)'}');
    }
}
