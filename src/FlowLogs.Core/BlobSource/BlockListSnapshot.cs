using Azure;

namespace FlowLogs.BlobSource;

/// <summary>One committed block: its id and size.</summary>
/// <param name="Id">The block id (base64, as listed).</param>
/// <param name="Size">Size in bytes.</param>
internal readonly record struct CommittedBlock(string Id, long Size);

/// <summary>A blob's committed block list, with the ETag and length it was listed at.</summary>
/// <param name="Blocks">The committed blocks in order.</param>
/// <param name="ETag">The blob's ETag when listed: ranged reads are made conditional on it.</param>
/// <param name="Length">The blob's length: the sum of the block sizes.</param>
/// <param name="LastModified">When the blob was last committed, by the storage service's clock; null when not known.</param>
internal sealed record BlockListSnapshot(IReadOnlyList<CommittedBlock> Blocks, ETag ETag, long Length, DateTimeOffset? LastModified = null);
