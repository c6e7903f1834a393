using System.Buffers.Binary;
using System.Numerics;

namespace FlowLogs.Ecs;

/// <summary>
/// SHA-1 (FIPS 180-4) of inputs up to 55 bytes, which fit one block: a Community ID's input is at most 40 bytes.
/// The platform's SHA1.HashData goes through the native crypto library at about 450 ns a call; this is a few times
/// faster, and the ECS writer calls it once per event.
/// </summary>
internal static class ShortSha1
{
    /// <summary>The longest input that fits one block with its padding.</summary>
    public const int MaxInputLength = 55;

    public static void Hash(ReadOnlySpan<byte> input, Span<byte> digest)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(input.Length, MaxInputLength);

        // One padded block: message, 0x80, zeros, message length in bits (big-endian).
        Span<byte> block = stackalloc byte[64];
        block.Clear();
        input.CopyTo(block);
        block[input.Length] = 0x80;
        BinaryPrimitives.WriteUInt64BigEndian(block[56..], (ulong)input.Length * 8);

        Span<uint> w = stackalloc uint[80];
        for (int t = 0; t < 16; t++)
        {
            w[t] = BinaryPrimitives.ReadUInt32BigEndian(block[(t * 4)..]);
        }

        for (int t = 16; t < 80; t++)
        {
            w[t] = BitOperations.RotateLeft(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
        }

        uint a = 0x67452301, b = 0xEFCDAB89, c = 0x98BADCFE, d = 0x10325476, e = 0xC3D2E1F0;
        for (int t = 0; t < 20; t++)
        {
            Round(ref a, ref b, ref c, ref d, ref e, ((b & c) | (~b & d)) + 0x5A827999 + w[t]);
        }

        for (int t = 20; t < 40; t++)
        {
            Round(ref a, ref b, ref c, ref d, ref e, (b ^ c ^ d) + 0x6ED9EBA1 + w[t]);
        }

        for (int t = 40; t < 60; t++)
        {
            Round(ref a, ref b, ref c, ref d, ref e, ((b & c) | (b & d) | (c & d)) + 0x8F1BBCDC + w[t]);
        }

        for (int t = 60; t < 80; t++)
        {
            Round(ref a, ref b, ref c, ref d, ref e, (b ^ c ^ d) + 0xCA62C1D6 + w[t]);
        }

        BinaryPrimitives.WriteUInt32BigEndian(digest, 0x67452301 + a);
        BinaryPrimitives.WriteUInt32BigEndian(digest[4..], 0xEFCDAB89 + b);
        BinaryPrimitives.WriteUInt32BigEndian(digest[8..], 0x98BADCFE + c);
        BinaryPrimitives.WriteUInt32BigEndian(digest[12..], 0x10325476 + d);
        BinaryPrimitives.WriteUInt32BigEndian(digest[16..], 0xC3D2E1F0 + e);
    }

    private static void Round(ref uint a, ref uint b, ref uint c, ref uint d, ref uint e, uint mix)
    {
        uint temp = BitOperations.RotateLeft(a, 5) + mix + e;
        e = d;
        d = c;
        c = BitOperations.RotateLeft(b, 30);
        b = a;
        a = temp;
    }
}
