using System.Buffers.Binary;
using System.IO.Hashing;
using FlowLogs.Parsing;

namespace FlowLogs.Ecs;

/// <summary>
/// The deterministic <c>event.id</c>: a 128-bit XxHash of the blob name, the record's byte offset in the blob, the
/// tuple's ordinal in the record and the tuple's text. A tuple read again, by any path, gets the same id; a different
/// tuple at the same place (a rewritten blob) gets another.
/// </summary>
internal static class EventId
{
    /// <summary>Length of an id: 32 lower-case hex digits.</summary>
    public const int Length = 32;

    /// <summary>Writes the id of a tuple as UTF-8 hex into <paramref name="destination"/> (at least <see cref="Length"/> bytes).</summary>
    public static int Write(FlowRecord record, in FlowTuple tuple, Span<byte> destination)
    {
        ReadOnlySpan<byte> text = record[tuple.Text];
        Span<byte> input = stackalloc byte[12 + FlowTupleParser.MaxTupleLength];
        BinaryPrimitives.WriteInt64LittleEndian(input, record.Offset);
        BinaryPrimitives.WriteInt32LittleEndian(input[8..], tuple.Ordinal);
        text.CopyTo(input[12..]);

        Span<byte> hash = stackalloc byte[16];
        XxHash128.Hash(input[..(12 + text.Length)], hash, record.Source.NameHash);
        Convert.TryToHexStringLower(hash, destination, out int written);
        return written;
    }
}
