using Azure;

namespace FlowLogs.Checkpoints;

/// <summary>A checkpoint as stored, with the ETag every write must match.</summary>
/// <param name="Value">The checkpoint.</param>
/// <param name="ETag">The entity's ETag.</param>
internal sealed record StoredCheckpoint(BlobCheckpoint Value, ETag ETag);

/// <summary>Conditional storage of <see cref="BlobCheckpoint"/>s, one per blob.</summary>
internal interface ICheckpointStore
{
    /// <summary>Reads a blob's checkpoint; null when there is none.</summary>
    Task<StoredCheckpoint?> GetAsync(string blobName, CancellationToken cancellationToken);

    /// <summary>Creates a checkpoint; null when one already exists (another process created it first).</summary>
    Task<StoredCheckpoint?> TryAddAsync(BlobCheckpoint checkpoint, CancellationToken cancellationToken);

    /// <summary>Replaces a checkpoint if its ETag is still <paramref name="ifMatch"/>; null when it changed meanwhile.</summary>
    Task<StoredCheckpoint?> TryReplaceAsync(BlobCheckpoint checkpoint, ETag ifMatch, CancellationToken cancellationToken);

    /// <summary>The checkpoints of the blobs of one hour.</summary>
    IAsyncEnumerable<BlobCheckpoint> ListHourAsync(DateTimeOffset hour, CancellationToken cancellationToken);
}
