using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using FlowLogs.BlobSource;
using FlowLogs.Checkpoints;

namespace FlowLogs.Delta;

/// <summary>What a blob's committed block list says about what is left to read.</summary>
internal enum DeltaStatus
{
    /// <summary>Nothing committed since the checkpoint.</summary>
    UpToDate,

    /// <summary>Blocks were appended since the checkpoint: read <see cref="DeltaPlan.Chunks"/>.</summary>
    NewBlocks,

    /// <summary>The blob has no committed blocks.</summary>
    Empty,

    /// <summary>The checkpoint no longer matches the blob (rewritten or shorter): read it again from the start.</summary>
    Restart,
}

/// <summary>A run of whole blocks to read, deliver and checkpoint as one unit.</summary>
/// <param name="FirstBlock">Index of the first block.</param>
/// <param name="BlockCount">Number of blocks.</param>
/// <param name="Start">Byte offset of the first block.</param>
/// <param name="End">Byte offset just past the last block.</param>
/// <param name="HasHead">Whether the first block is the blob's head block (block 0).</param>
/// <param name="HasTail">Whether the last block is the blob's tail block (the last committed block).</param>
internal readonly record struct DeltaChunk(int FirstBlock, int BlockCount, long Start, long End, bool HasHead, bool HasTail)
{
    /// <summary>Length in bytes.</summary>
    public long Length => End - Start;
}

/// <summary>The outcome of <see cref="BlockDelta.Plan"/>.</summary>
/// <param name="Status">What the block list says.</param>
/// <param name="Reason">For <see cref="DeltaStatus.Restart"/>, why, in words.</param>
/// <param name="Chunks">The chunks to read, in order; the last one holds the tail block.</param>
/// <param name="DataBlocks">Blocks the checkpoint will count as consumed once all chunks are delivered (all but the tail).</param>
internal sealed record DeltaPlan(DeltaStatus Status, string? Reason, IReadOnlyList<DeltaChunk> Chunks, int DataBlocks);

/// <summary>
/// Works out which committed bytes of a PT1H.json are new since a checkpoint. Pure: no storage, no clock.
/// Azure appends one block a minute just before the tail block and never changes the bytes before it, so the new
/// bytes are the blocks between the last consumed one and the tail.
/// </summary>
internal static class BlockDelta
{
    /// <summary>Plans the reads for <paramref name="blocks"/> given <paramref name="checkpoint"/>.</summary>
    /// <param name="blocks">The committed block list, in order.</param>
    /// <param name="checkpoint">Where delivery stands; null for a blob never read.</param>
    /// <param name="maxChunkBytes">Chunks hold whole blocks up to this size (a larger block is a chunk of its own).</param>
    public static DeltaPlan Plan(IReadOnlyList<CommittedBlock> blocks, BlobCheckpoint? checkpoint, long maxChunkBytes)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxChunkBytes, 1);
        if (blocks.Count == 0)
        {
            return new DeltaPlan(DeltaStatus.Empty, null, [], 0);
        }

        // Every block but the last is data (or the head); the last is the tail, re-read with the final chunk so its
        // bytes can be checked. A lone block is both head and tail: read it whole.
        int dataBlocks = Math.Max(blocks.Count - 1, 0);
        int consumed = checkpoint?.BlocksConsumed ?? 0;
        string? restart = consumed == 0 ? null : CheckPrefix(blocks, checkpoint!);
        if (restart is not null)
        {
            return new DeltaPlan(DeltaStatus.Restart, restart, Chunk(blocks, 0, maxChunkBytes), dataBlocks);
        }

        if (consumed >= dataBlocks && blocks.Count > 1)
        {
            return new DeltaPlan(DeltaStatus.UpToDate, null, [], dataBlocks);
        }

        return new DeltaPlan(DeltaStatus.NewBlocks, null, Chunk(blocks, consumed, maxChunkBytes), dataBlocks);
    }

    /// <summary>Byte offset where block <paramref name="index"/> starts.</summary>
    public static long OffsetOf(IReadOnlyList<CommittedBlock> blocks, int index)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        long offset = 0;
        for (int i = 0; i < index; i++)
        {
            offset += blocks[i].Size;
        }

        return offset;
    }

    /// <summary>
    /// A digest of the ids and sizes of the first <paramref name="count"/> blocks (SHA-256, 16 bytes, base64): equal for
    /// the same blocks in the same order, whatever else was appended.
    /// </summary>
    public static string? DigestOf(IReadOnlyList<CommittedBlock> blocks, int count)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, blocks.Count);
        if (count == 0)
        {
            return null;
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> size = stackalloc byte[sizeof(long) + 1];
        for (int i = 0; i < count; i++)
        {
            // Each id ends with a byte no base64 id holds, then its size: no two lists read the same.
            hash.AppendData(Encoding.UTF8.GetBytes(blocks[i].Id));
            size[0] = 0;
            BinaryPrimitives.WriteInt64LittleEndian(size[1..], blocks[i].Size);
            hash.AppendData(size);
        }

        Span<byte> digest = stackalloc byte[32];
        hash.GetHashAndReset(digest);
        return Convert.ToBase64String(digest[..16]);
    }

    /// <summary>The index of the block that holds byte <paramref name="offset"/>, and where that block starts.</summary>
    public static (int Index, long Start) BlockAt(IReadOnlyList<CommittedBlock> blocks, long offset)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        long start = 0;
        for (int i = 0; i < blocks.Count; i++)
        {
            if (offset < start + blocks[i].Size)
            {
                return (i, start);
            }

            start += blocks[i].Size;
        }

        throw new ArgumentOutOfRangeException(nameof(offset), offset, "past the last block");
    }

    // Null when the blocks the checkpoint consumed are still the blob's first blocks; otherwise why not.
    private static string? CheckPrefix(IReadOnlyList<CommittedBlock> blocks, BlobCheckpoint checkpoint)
    {
        int consumed = checkpoint.BlocksConsumed;
        if (consumed > blocks.Count - 1)
        {
            return $"the blob has {blocks.Count} committed blocks, fewer than the {consumed} already consumed (it is shorter than its checkpoint)";
        }

        if (!string.Equals(DigestOf(blocks, consumed), checkpoint.ConsumedBlocksDigest, StringComparison.Ordinal))
        {
            return $"the first {consumed} blocks are not the ones already consumed: an id or a size differs (the blob was rewritten)";
        }

        long offset = OffsetOf(blocks, consumed);
        if (offset != checkpoint.Offset)
        {
            return $"the first {consumed} blocks now end at byte {offset}, not {checkpoint.Offset} (the blob was rewritten)";
        }

        return null;
    }

    private static List<DeltaChunk> Chunk(IReadOnlyList<CommittedBlock> blocks, int from, long maxChunkBytes)
    {
        var chunks = new List<DeltaChunk>();
        int last = blocks.Count - 1;
        long offset = OffsetOf(blocks, from);
        int first = from;
        long start = offset;
        for (int i = from; i <= last; i++)
        {
            bool startsNew = i > first && offset + blocks[i].Size - start > maxChunkBytes && i < last;
            if (startsNew)
            {
                chunks.Add(new DeltaChunk(first, i - first, start, offset, first == 0, HasTail: false));
                first = i;
                start = offset;
            }

            offset += blocks[i].Size;
        }

        // The tail block always rides with the last chunk, however full it is: it is two bytes.
        chunks.Add(new DeltaChunk(first, last - first + 1, start, offset, first == 0, HasTail: true));
        return chunks;
    }
}
