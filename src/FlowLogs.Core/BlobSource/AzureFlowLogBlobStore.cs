using System.Globalization;
using System.Runtime.CompilerServices;
using Azure.Core;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace FlowLogs.BlobSource;

/// <summary><see cref="IFlowLogBlobStore"/> and <see cref="IFlowLogBlobCatalog"/> over one account of Azure Blob Storage (or Azurite).</summary>
internal sealed class AzureFlowLogBlobStore(BlobServiceClient service) : IFlowLogBlobStore, IFlowLogBlobCatalog
{
    private readonly BlobServiceClient _service = service ?? throw new ArgumentNullException(nameof(service));

    /// <summary>The account's name, as its endpoint gives it.</summary>
    public string Account => _service.AccountName;

    /// <summary>The account's blob service endpoint.</summary>
    public Uri Endpoint => _service.Uri;

    /// <inheritdoc/>
    public IReadOnlyList<string> Accounts => [Account];

    /// <inheritdoc/>
    public async Task<BlockListSnapshot?> GetCommittedBlocksAsync(FlowLogBlob blob, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        try
        {
            Response<BlockList> response = await Client(blob).GetBlockListAsync(BlockListTypes.Committed, cancellationToken: cancellationToken).ConfigureAwait(false);
            var blocks = new List<CommittedBlock>(response.Value.CommittedBlocks.Count());
            foreach (BlobBlock block in response.Value.CommittedBlocks)
            {
                blocks.Add(new CommittedBlock(block.Name, block.SizeLong));
            }

            ResponseHeaders headers = response.GetRawResponse().Headers;
            DateTimeOffset? modified = headers.TryGetValue("Last-Modified", out string? text) && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset parsed) ? parsed : null;
            return new BlockListSnapshot(blocks, headers.ETag ?? default, response.Value.BlobContentLength, modified);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    /// <inheritdoc/>
    public async Task ReadRangeAsync(FlowLogBlob blob, long offset, Memory<byte> destination, ETag ifMatch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        if (destination.IsEmpty)
        {
            return;
        }

        try
        {
            var options = new BlobDownloadOptions
            {
                Range = new HttpRange(offset, destination.Length),
                Conditions = new BlobRequestConditions { IfMatch = ifMatch },
            };
            Response<BlobDownloadStreamingResult> response = await Client(blob).DownloadStreamingAsync(options, cancellationToken).ConfigureAwait(false);
            await using Stream content = response.Value.Content;
            await content.ReadExactlyAsync(destination, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status is 412 or 404 or 416)
        {
            throw new BlobChangedException(blob, ex);
        }
    }

    /// <inheritdoc/>
    public async Task<Stream> OpenReadAsync(FlowLogBlob blob, long offset, ETag ifMatch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        try
        {
            var options = new BlobDownloadOptions
            {
                Range = new HttpRange(offset),
                Conditions = new BlobRequestConditions { IfMatch = ifMatch },
            };
            Response<BlobDownloadStreamingResult> response = await Client(blob).DownloadStreamingAsync(options, cancellationToken).ConfigureAwait(false);
            return new ConditionalReadStream(response.Value.Content, blob);
        }
        catch (RequestFailedException ex) when (ex.Status is 412 or 404 or 416)
        {
            throw new BlobChangedException(blob, ex);
        }
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<string> ListChildPrefixesAsync(string account, string container, string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        CheckAccount(account);
        BlobContainerClient client = _service.GetBlobContainerClient(container);
        if (!await client.ExistsAsync(cancellationToken).ConfigureAwait(false))
        {
            yield break;
        }

        await foreach (BlobHierarchyItem item in client.GetBlobsByHierarchyAsync(BlobTraits.None, BlobStates.None, "/", prefix, cancellationToken).ConfigureAwait(false))
        {
            if (item.IsPrefix)
            {
                yield return item.Prefix;
            }
        }
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<CatalogBlob> ListBlobsAsync(string account, string container, string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        CheckAccount(account);
        BlobContainerClient client = _service.GetBlobContainerClient(container);
        await foreach (BlobItem item in client.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, cancellationToken).ConfigureAwait(false))
        {
            yield return new CatalogBlob(new FlowLogBlob(Account, container, item.Name), item.Properties.ContentLength ?? 0, item.Properties.LastModified, item.Properties.ETag?.ToString());
        }
    }

    private BlockBlobClient Client(FlowLogBlob blob)
    {
        CheckAccount(blob.Account);
        return _service.GetBlobContainerClient(blob.Container).GetBlockBlobClient(blob.Name);
    }

    // A blob of another account must never be read through this one's endpoint (a 404 here would pass for "gone").
    private void CheckAccount(string account)
    {
        if (!string.Equals(account, Account, StringComparison.Ordinal))
        {
            throw new UnknownAccountException(account);
        }
    }
}
