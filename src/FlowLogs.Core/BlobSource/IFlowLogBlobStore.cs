using Azure;

namespace FlowLogs.BlobSource;

/// <summary>The reads the pipeline makes of flow-log blobs: block lists and conditional ranged reads.</summary>
internal interface IFlowLogBlobStore
{
    /// <summary>Lists the committed blocks of a blob; null when the blob does not exist.</summary>
    Task<BlockListSnapshot?> GetCommittedBlocksAsync(FlowLogBlob blob, CancellationToken cancellationToken);

    /// <summary>
    /// Reads <paramref name="destination"/>.Length bytes from <paramref name="offset"/>, only if the blob still has
    /// ETag <paramref name="ifMatch"/>.
    /// </summary>
    /// <exception cref="BlobChangedException">The blob was re-committed (or deleted) since the ETag was seen.</exception>
    Task ReadRangeAsync(FlowLogBlob blob, long offset, Memory<byte> destination, ETag ifMatch, CancellationToken cancellationToken);

    /// <summary>Opens a stream over the whole blob as it is at <paramref name="ifMatch"/>, from <paramref name="offset"/>.</summary>
    /// <exception cref="BlobChangedException">The blob was re-committed (or deleted) since the ETag was seen.</exception>
    Task<Stream> OpenReadAsync(FlowLogBlob blob, long offset, ETag ifMatch, CancellationToken cancellationToken);
}

/// <summary>A blob changed (a new commit, a rewrite or a delete) between listing its blocks and reading them.</summary>
internal sealed class BlobChangedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public BlobChangedException(FlowLogBlob blob, Exception? inner = null)
        : base($"blob {blob?.FullName} changed since its block list was read", inner)
    {
        Blob = blob!;
    }

    /// <summary>The blob.</summary>
    public FlowLogBlob Blob { get; }
}
