using System.Buffers.Binary;
using System.Buffers.Text;
using FlowLogs.Parsing;

namespace FlowLogs.Ecs;

/// <summary>Community ID v1 flow hashing (corelight/community-id-spec), allocation-free.</summary>
internal static class CommunityId
{
    /// <summary>Length of a v1 id: <c>1:</c> and 28 base64 characters.</summary>
    public const int Length = 30;

    private const byte Icmp = 1;
    private const byte Tcp = 6;
    private const byte Udp = 17;
    private const byte IcmpV6 = 58;
    private const byte Sctp = 132;

    /// <summary>Writes the Community ID of a flow as UTF-8 into <paramref name="destination"/> (at least <see cref="Length"/> bytes).</summary>
    /// <param name="source">Source address.</param>
    /// <param name="destinationAddress">Destination address (same family as the source).</param>
    /// <param name="sourcePort">Source port, or the ICMP type.</param>
    /// <param name="destinationPort">Destination port, or the ICMP code.</param>
    /// <param name="protocol">IANA protocol number.</param>
    /// <param name="seed">The seed, 0 unless the SIEM was configured otherwise.</param>
    /// <param name="destination">Receives the id.</param>
    /// <returns>Number of bytes written: always <see cref="Length"/>.</returns>
    public static int Write(
        in IPAddressBytes source,
        in IPAddressBytes destinationAddress,
        ushort sourcePort,
        ushort destinationPort,
        byte protocol,
        ushort seed,
        Span<byte> destination)
    {
        bool hasPorts = protocol is Tcp or Udp or Sctp or Icmp or IcmpV6;
        bool oneWay = false;
        if (protocol is Icmp or IcmpV6)
        {
            (sourcePort, destinationPort, oneWay) = MapIcmp(protocol, sourcePort, destinationPort);
        }

        // Order the endpoints so that both directions of a flow hash alike (one-way ICMP messages keep theirs).
        int order = source.CompareTo(destinationAddress);
        bool swap = !oneWay && (order > 0 || (order == 0 && hasPorts && sourcePort > destinationPort));
        ref readonly IPAddressBytes first = ref swap ? ref destinationAddress : ref source;
        ref readonly IPAddressBytes second = ref swap ? ref source : ref destinationAddress;
        if (swap)
        {
            (sourcePort, destinationPort) = (destinationPort, sourcePort);
        }

        Span<byte> input = stackalloc byte[2 + 16 + 16 + 2 + 4];
        BinaryPrimitives.WriteUInt16BigEndian(input, seed);
        int length = 2;
        length += first.CopyTo(input[length..]);
        length += second.CopyTo(input[length..]);
        input[length++] = protocol;
        input[length++] = 0;
        if (hasPorts)
        {
            BinaryPrimitives.WriteUInt16BigEndian(input[length..], sourcePort);
            BinaryPrimitives.WriteUInt16BigEndian(input[(length + 2)..], destinationPort);
            length += 4;
        }

        // SHA-1 is what the spec fixes for v1; the id is a join key, not a security control.
        Span<byte> digest = stackalloc byte[20];
        ShortSha1.Hash(input[..length], digest);
        destination[0] = (byte)'1';
        destination[1] = (byte)':';
        Base64.EncodeToUtf8(digest, destination[2..], out _, out int written);
        return 2 + written;
    }

    // The ICMP type/code to port mapping of the spec (taken from Zeek): request and reply types pair up.
    private static (ushort Source, ushort Destination, bool OneWay) MapIcmp(byte protocol, ushort type, ushort code)
    {
        int counterpart = protocol == Icmp
            ? type switch
            {
                8 => 0,
                0 => 8,
                13 => 14,
                14 => 13,
                15 => 16,
                16 => 15,
                10 => 9,
                9 => 10,
                17 => 18,
                18 => 17,
                _ => -1,
            }
            : type switch
            {
                128 => 129,
                129 => 128,
                130 => 131,
                131 => 130,
                133 => 134,
                134 => 133,
                135 => 136,
                136 => 135,
                139 => 140,
                140 => 139,
                144 => 145,
                145 => 144,
                _ => -1,
            };

        return counterpart < 0 ? (type, code, true) : (type, (ushort)counterpart, false);
    }
}
