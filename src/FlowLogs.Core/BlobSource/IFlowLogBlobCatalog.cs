namespace FlowLogs.BlobSource;

/// <summary>A blob found by a listing, with its committed length and when it last changed.</summary>
/// <param name="Blob">The blob.</param>
/// <param name="Length">Its committed length.</param>
/// <param name="LastModified">When it was last committed, by the storage service's clock; null when not known.</param>
/// <param name="ETag">Its ETag as listed; null when not known.</param>
internal readonly record struct CatalogBlob(FlowLogBlob Blob, long Length, DateTimeOffset? LastModified = null, string? ETag = null);

/// <summary>The listings the replay makes: virtual folders one level at a time, and the blobs under a prefix.</summary>
internal interface IFlowLogBlobCatalog
{
    /// <summary>The flow-log accounts listed, in the order configured.</summary>
    IReadOnlyList<string> Accounts { get; }

    /// <summary>The virtual folders directly under <paramref name="prefix"/> (delimiter <c>/</c>), each ending in <c>/</c>.</summary>
    IAsyncEnumerable<string> ListChildPrefixesAsync(string account, string container, string prefix, CancellationToken cancellationToken);

    /// <summary>Every blob whose name starts with <paramref name="prefix"/>.</summary>
    IAsyncEnumerable<CatalogBlob> ListBlobsAsync(string account, string container, string prefix, CancellationToken cancellationToken);
}
