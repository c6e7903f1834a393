using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace FlowLogs.Parsing;

/// <summary>An IPv4 or IPv6 address held as network-order bytes, parsed from UTF-8 without allocating.</summary>
internal readonly struct IPAddressBytes : IEquatable<IPAddressBytes>
{
    // Network-order bytes 0-7 and 8-15, read big-endian so that comparing the pair compares the address.
    private readonly ulong _high;
    private readonly ulong _low;

    private IPAddressBytes(ulong high, ulong low, bool isIPv6)
    {
        _high = high;
        _low = low;
        IsIPv6 = isIPv6;
    }

    /// <summary>Whether this is an IPv6 address (16 bytes); otherwise IPv4 (4 bytes).</summary>
    public bool IsIPv6 { get; }

    /// <summary>Number of address bytes: 4 or 16.</summary>
    public int Length => IsIPv6 ? 16 : 4;

    /// <summary>Writes the address bytes in network order; returns how many were written.</summary>
    public int CopyTo(Span<byte> destination)
    {
        if (IsIPv6)
        {
            BinaryPrimitives.WriteUInt64BigEndian(destination, _high);
            BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _low);
            return 16;
        }

        BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)_low);
        return 4;
    }

    /// <summary>Compares two addresses of the same family as unsigned network-order bytes.</summary>
    public int CompareTo(in IPAddressBytes other)
    {
        int c = _high.CompareTo(other._high);
        return c != 0 ? c : _low.CompareTo(other._low);
    }

    /// <inheritdoc/>
    public bool Equals(IPAddressBytes other) => _high == other._high && _low == other._low && IsIPv6 == other.IsIPv6;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is IPAddressBytes other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(_high, _low, IsIPv6);

    /// <summary>Equality of family and bytes.</summary>
    public static bool operator ==(IPAddressBytes left, IPAddressBytes right) => left.Equals(right);

    /// <summary>Inequality of family or bytes.</summary>
    public static bool operator !=(IPAddressBytes left, IPAddressBytes right) => !left.Equals(right);

    /// <summary>Parses a dotted-quad IPv4 or an RFC 4291 textual IPv6 address (no zone id).</summary>
    public static bool TryParse(ReadOnlySpan<byte> utf8, out IPAddressBytes address)
    {
        if (utf8.IndexOf((byte)':') < 0)
        {
            if (TryParseIPv4(utf8, out uint v4))
            {
                address = new IPAddressBytes(0, v4, isIPv6: false);
                return true;
            }

            address = default;
            return false;
        }

        return TryParseIPv6(utf8, out address);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryParseIPv4(ReadOnlySpan<byte> s, out uint value)
    {
        value = 0;
        int octets = 0;
        int i = 0;
        while (true)
        {
            int start = i;
            uint octet = 0;
            while (i < s.Length && (uint)(s[i] - '0') <= 9)
            {
                octet = (octet * 10) + (uint)(s[i] - '0');
                i++;
                if (i - start > 3)
                {
                    return false;
                }
            }

            // Leading zeros are refused: "010" is octal to some parsers and decimal to others.
            if (i == start || octet > 255 || (i - start > 1 && s[start] == '0'))
            {
                return false;
            }

            value = (value << 8) | octet;
            octets++;
            if (octets == 4)
            {
                return i == s.Length;
            }

            if (i >= s.Length || s[i] != '.')
            {
                return false;
            }

            i++;
        }
    }

    private static bool TryParseIPv6(ReadOnlySpan<byte> s, out IPAddressBytes address)
    {
        address = default;
        if (s.Length < 2 || s.Length > 45)
        {
            return false;
        }

        Span<ushort> groups = stackalloc ushort[8];
        int count = 0;
        int gap = -1; // index in groups where "::" stands
        int i = 0;

        if (s[0] == ':')
        {
            if (s[1] != ':')
            {
                return false;
            }

            gap = 0;
            i = 2;
            if (i == s.Length)
            {
                address = new IPAddressBytes(0, 0, isIPv6: true);
                return true;
            }
        }

        while (i < s.Length)
        {
            if (count == 8)
            {
                return false;
            }

            int start = i;
            uint group = 0;
            while (i < s.Length && HexValue(s[i]) is int h and >= 0)
            {
                group = (group << 4) | (uint)h;
                i++;
                if (i - start > 4)
                {
                    return false;
                }
            }

            if (i < s.Length && s[i] == '.')
            {
                // Embedded IPv4 in the last 32 bits (::ffff:1.2.3.4).
                if (count > 6 || !TryParseIPv4(s[start..], out uint v4))
                {
                    return false;
                }

                groups[count++] = (ushort)(v4 >> 16);
                groups[count++] = (ushort)v4;
                i = s.Length;
                break;
            }

            if (i == start)
            {
                return false;
            }

            groups[count++] = (ushort)group;
            if (i == s.Length)
            {
                break;
            }

            if (s[i] != ':')
            {
                return false;
            }

            i++;
            if (i < s.Length && s[i] == ':')
            {
                if (gap >= 0)
                {
                    return false;
                }

                gap = count;
                i++;
            }
            else if (i == s.Length)
            {
                return false; // trailing single colon
            }
        }

        if (gap < 0 ? count != 8 : count > 7)
        {
            return false;
        }

        Span<ushort> full = stackalloc ushort[8];
        full.Clear();
        if (gap < 0)
        {
            groups.CopyTo(full);
        }
        else
        {
            groups[..gap].CopyTo(full);
            int tail = count - gap;
            groups.Slice(gap, tail).CopyTo(full[(8 - tail)..]);
        }

        ulong high = ((ulong)full[0] << 48) | ((ulong)full[1] << 32) | ((ulong)full[2] << 16) | full[3];
        ulong low = ((ulong)full[4] << 48) | ((ulong)full[5] << 32) | ((ulong)full[6] << 16) | full[7];
        address = new IPAddressBytes(high, low, isIPv6: true);
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int HexValue(byte b)
    {
        uint d = (uint)(b - '0');
        if (d <= 9)
        {
            return (int)d;
        }

        uint l = (uint)((b | 0x20) - 'a');
        return l <= 5 ? (int)(l + 10) : -1;
    }
}
