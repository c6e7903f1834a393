using System.Buffers.Text;
using System.Runtime.CompilerServices;

namespace FlowLogs.Parsing;

/// <summary>Parses one comma-separated flow tuple into a <see cref="FlowTuple"/> without allocating.</summary>
internal static class FlowTupleParser
{
    /// <summary>Tuples longer than this are refused: the longest valid one (two full IPv6 addresses) is under 250 bytes.</summary>
    public const int MaxTupleLength = 512;

    // Epoch values at or above this are milliseconds: as seconds it would be the year 5138.
    private const long MillisecondsThreshold = 100_000_000_000;

    // 9999-12-31T23:59:59.999Z, the last instant an ISO 8601 four-digit year can show.
    private const long MaxMilliseconds = 253_402_300_799_999;

    /// <summary>
    /// Parses the fields of <paramref name="text"/> into <paramref name="tuple"/>. Slices of text fields are made
    /// relative to <paramref name="arenaOffset"/>, where the caller keeps <paramref name="text"/>.
    /// </summary>
    /// <param name="text">The tuple bytes.</param>
    /// <param name="kind">Which kind of record the tuple came from.</param>
    /// <param name="version">The record's version (NSG 1 or 2; VNet 4), or 0 when unknown.</param>
    /// <param name="arenaOffset">Where <paramref name="text"/> starts in the record's arena.</param>
    /// <param name="tuple">Receives the parsed fields; <see cref="FlowTuple.Ordinal"/> and the group context are left alone.</param>
    /// <returns>null when the tuple is valid; otherwise why it is not.</returns>
    public static string? TryParse(ReadOnlySpan<byte> text, FlowLogKind kind, int version, int arenaOffset, ref FlowTuple tuple)
    {
        if (text.Length > MaxTupleLength)
        {
            return $"tuple is {text.Length} bytes long, more than the {MaxTupleLength} a valid tuple can have";
        }

        int count = text.Count((byte)',') + 1;
        int expected = ExpectedFieldCount(kind, version, count);
        if (count != expected)
        {
            return count > 13
                ? $"tuple has more than 13 fields, expected {expected}"
                : $"tuple has {count} fields, expected {expected}";
        }

        // One pass over the fields; a short scalar scan beats a vectorized search per field at these lengths.
        Span<Range> fields = stackalloc Range[13];
        int start = 0;
        for (int f = 0; f < count; f++)
        {
            int end = start;
            while (end < text.Length && text[end] != ',')
            {
                end++;
            }

            fields[f] = new Range(start, end);
            start = end + 1;
        }

        tuple.Text = new Utf8Slice(arenaOffset, text.Length);

        if (!TryParseInt64(text[fields[0]], out long time) || time < 0)
        {
            return "field 1 (time) is not a non-negative integer";
        }

        tuple.RawTimestamp = time;
        tuple.TimestampMilliseconds = time >= MillisecondsThreshold ? time : time * 1000;
        if (tuple.TimestampMilliseconds > MaxMilliseconds)
        {
            return "field 1 (time) is after the year 9999";
        }

        if (!IPAddressBytes.TryParse(text[fields[1]], out tuple.SourceAddress))
        {
            return "field 2 (source IP) is not an IPv4 or IPv6 address";
        }

        if (!IPAddressBytes.TryParse(text[fields[2]], out tuple.DestinationAddress))
        {
            return "field 3 (destination IP) is not an IPv4 or IPv6 address";
        }

        if (tuple.SourceAddress.IsIPv6 != tuple.DestinationAddress.IsIPv6)
        {
            return "fields 2 and 3 mix an IPv4 and an IPv6 address";
        }

        tuple.SourceIP = Slice(fields[1], text.Length, arenaOffset);
        tuple.DestinationIP = Slice(fields[2], text.Length, arenaOffset);

        if (!TryParsePort(text[fields[3]], out tuple.SourcePort))
        {
            return "field 4 (source port) is not an integer from 0 to 65535";
        }

        if (!TryParsePort(text[fields[4]], out tuple.DestinationPort))
        {
            return "field 5 (destination port) is not an integer from 0 to 65535";
        }

        if (!TryParseProtocol(text[fields[5]], out tuple.Protocol))
        {
            return kind == FlowLogKind.NetworkSecurityGroup
                ? "field 6 (protocol) is not T, U or an IANA protocol number"
                : "field 6 (protocol) is not an IANA protocol number from 0 to 255";
        }

        ReadOnlySpan<byte> direction = text[fields[6]];
        if (direction.Length != 1 || (direction[0] != 'I' && direction[0] != 'O'))
        {
            return "field 7 (direction) is not I or O";
        }

        tuple.Direction = direction[0] == 'I' ? FlowDirection.Inbound : FlowDirection.Outbound;

        return kind == FlowLogKind.NetworkSecurityGroup
            ? ParseNsgRest(text, fields, count, ref tuple)
            : ParseVNetRest(text, fields, arenaOffset, ref tuple);
    }

    private static int ExpectedFieldCount(FlowLogKind kind, int version, int actual) => kind switch
    {
        FlowLogKind.NetworkSecurityGroup when version == 1 => 8,
        FlowLogKind.NetworkSecurityGroup when version >= 2 => 13,

        // An NSG record without a usable version: accept either layout.
        FlowLogKind.NetworkSecurityGroup => actual == 8 ? 8 : 13,
        _ => 13,
    };

    private static string? ParseNsgRest(ReadOnlySpan<byte> text, Span<Range> fields, int count, ref FlowTuple tuple)
    {
        ReadOnlySpan<byte> decision = text[fields[7]];
        if (decision.Length != 1 || (decision[0] != 'A' && decision[0] != 'D'))
        {
            return "field 8 (decision) is not A or D";
        }

        tuple.Decision = decision[0] == 'A' ? FlowDecision.Allowed : FlowDecision.Denied;
        tuple.Encryption = Utf8Slice.Absent;
        if (count == 8)
        {
            tuple.State = FlowState.None;
            tuple.HasCounters = false;
            tuple.EmptyCounterMask = 0b1111;
            tuple.PacketsSent = tuple.BytesSent = tuple.PacketsReceived = tuple.BytesReceived = 0;
            return null;
        }

        ReadOnlySpan<byte> state = text[fields[8]];
        tuple.State = state.Length == 1 ? state[0] switch
        {
            (byte)'B' => FlowState.Begin,
            (byte)'C' => FlowState.Continuing,
            (byte)'E' => FlowState.End,
            _ => FlowState.None,
        }
        : FlowState.None;
        if (tuple.State == FlowState.None)
        {
            return "field 9 (flow state) is not B, C or E";
        }

        return ParseCounters(text, fields, ref tuple);
    }

    private static string? ParseVNetRest(ReadOnlySpan<byte> text, Span<Range> fields, int arenaOffset, ref FlowTuple tuple)
    {
        ReadOnlySpan<byte> state = text[fields[7]];
        tuple.State = state.Length == 1 ? state[0] switch
        {
            (byte)'B' => FlowState.Begin,
            (byte)'C' => FlowState.Continuing,
            (byte)'E' => FlowState.End,
            (byte)'D' => FlowState.Denied,
            _ => FlowState.None,
        }
        : FlowState.None;
        if (tuple.State == FlowState.None)
        {
            return "field 8 (flow state) is not B, C, E or D";
        }

        tuple.Decision = tuple.State == FlowState.Denied ? FlowDecision.Denied : FlowDecision.Allowed;

        ReadOnlySpan<byte> encryption = text[fields[8]];
        if (encryption.IsEmpty || !IsEncryptionToken(encryption))
        {
            return "field 9 (encryption) is not X or an NX_ value";
        }

        tuple.Encryption = Slice(fields[8], text.Length, arenaOffset);
        return ParseCounters(text, fields, ref tuple);
    }

    private static string? ParseCounters(ReadOnlySpan<byte> text, Span<Range> fields, ref FlowTuple tuple)
    {
        byte emptyMask = 0;
        Span<long> values = stackalloc long[4];
        for (int i = 0; i < 4; i++)
        {
            ReadOnlySpan<byte> field = text[fields[9 + i]];
            if (field.IsEmpty)
            {
                emptyMask |= (byte)(1 << i);
                values[i] = 0;
            }
            else if (!TryParseInt64(field, out values[i]) || values[i] < 0)
            {
                return $"field {10 + i} ({CounterName(i)}) is not a non-negative integer";
            }
        }

        tuple.EmptyCounterMask = emptyMask;
        tuple.HasCounters = emptyMask != 0b1111;
        tuple.PacketsSent = values[0];
        tuple.BytesSent = values[1];
        tuple.PacketsReceived = values[2];
        tuple.BytesReceived = values[3];
        return null;
    }

    private static string CounterName(int i) => i switch
    {
        0 => "packets sent",
        1 => "bytes sent",
        2 => "packets received",
        _ => "bytes received",
    };

    // X, NX and NX_<UPPER_SNAKE>: the documented values, and future NX_ reasons without a code change.
    private static bool IsEncryptionToken(ReadOnlySpan<byte> value)
    {
        if (value.SequenceEqual("X"u8) || value.SequenceEqual("NX"u8))
        {
            return true;
        }

        if (value.Length < 4 || !value.StartsWith("NX_"u8))
        {
            return false;
        }

        foreach (byte b in value[3..])
        {
            if (!((b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') || b == '_'))
            {
                return false;
            }
        }

        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Utf8Slice Slice(Range range, int length, int arenaOffset)
    {
        (int offset, int count) = range.GetOffsetAndLength(length);
        return new Utf8Slice(arenaOffset + offset, count);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryParseInt64(ReadOnlySpan<byte> s, out long value)
    {
        // Digits only: flow logs never write a sign. Up to 18 digits cannot overflow a long.
        value = 0;
        if (s.IsEmpty || s.Length > 18)
        {
            return s.Length == 19 && (uint)(s[0] - '0') <= 9 && Utf8Parser.TryParse(s, out value, out int consumed) && consumed == s.Length;
        }

        foreach (byte b in s)
        {
            uint digit = (uint)(b - '0');
            if (digit > 9)
            {
                value = 0;
                return false;
            }

            value = (value * 10) + digit;
        }

        return true;
    }

    private static bool TryParsePort(ReadOnlySpan<byte> s, out ushort port)
    {
        if (TryParseInt64(s, out long value) && value <= ushort.MaxValue)
        {
            port = (ushort)value;
            return true;
        }

        port = 0;
        return false;
    }

    private static bool TryParseProtocol(ReadOnlySpan<byte> s, out byte protocol)
    {
        if (s.Length == 1 && s[0] == 'T')
        {
            protocol = 6;
            return true;
        }

        if (s.Length == 1 && s[0] == 'U')
        {
            protocol = 17;
            return true;
        }

        if (TryParseInt64(s, out long value) && value <= byte.MaxValue)
        {
            protocol = (byte)value;
            return true;
        }

        protocol = 0;
        return false;
    }
}
