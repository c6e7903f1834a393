using Azure;

namespace FlowLogs.BlobSource;

/// <summary>
/// Every flow-log account the app reads. Routes each read and listing to the blob's own account, and tells whether a
/// blob URL (from an event) is of one of them: nothing outside these accounts is ever fetched.
/// </summary>
internal sealed class FlowLogAccounts : IFlowLogBlobStore, IFlowLogBlobCatalog
{
    private readonly Dictionary<string, AzureFlowLogBlobStore> _byName = new(StringComparer.Ordinal);
    private readonly List<AzureFlowLogBlobStore> _accounts = [];
    private readonly HashSet<string> _containers;

    /// <summary>Creates the set of one store per account, reading <paramref name="containers"/> (the flow-log containers) in each.</summary>
    public FlowLogAccounts(IEnumerable<AzureFlowLogBlobStore> accounts, IEnumerable<string>? containers = null)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        _containers = new HashSet<string>(containers ?? [FlowLogBlob.VNetContainer, FlowLogBlob.NsgContainer], StringComparer.Ordinal);
        foreach (AzureFlowLogBlobStore account in accounts)
        {
            if (!_byName.TryAdd(account.Account, account))
            {
                throw new InvalidOperationException($"the flow-log account '{account.Account}' is configured twice (FlowLogs:Storage:FlowLogConnections)");
            }

            _accounts.Add(account);
        }

        if (_accounts.Count == 0)
        {
            throw new InvalidOperationException("no flow-log account is configured (FlowLogs:Storage:FlowLogConnections)");
        }

        Accounts = [.. _accounts.Select(a => a.Account)];
    }

    /// <inheritdoc/>
    public IReadOnlyList<string> Accounts { get; }

    /// <summary>The accounts' stores, in the order configured.</summary>
    public IReadOnlyList<AzureFlowLogBlobStore> All => _accounts;

    /// <summary>
    /// The flow-log blob at <paramref name="url"/> if it is under the endpoint of a configured account (compared as
    /// <c>scheme://host[:port]/path</c>, case-insensitive in the host) and in one of its flow-log containers; null otherwise.
    /// </summary>
    public FlowLogBlob? Resolve(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!url.IsAbsoluteUri)
        {
            return null;
        }

        foreach (AzureFlowLogBlobStore account in _accounts)
        {
            Uri endpoint = account.Endpoint;
            string root = endpoint.AbsolutePath.EndsWith('/') ? endpoint.AbsolutePath : endpoint.AbsolutePath + "/";
            if (!string.Equals(url.Scheme, endpoint.Scheme, StringComparison.OrdinalIgnoreCase)
                || !string.Equals(url.Host, endpoint.Host, StringComparison.OrdinalIgnoreCase)
                || url.Port != endpoint.Port
                || !url.AbsolutePath.StartsWith(root, StringComparison.Ordinal))
            {
                continue;
            }

            string path = Uri.UnescapeDataString(url.AbsolutePath[root.Length..]);
            int slash = path.IndexOf('/', StringComparison.Ordinal);
            if (slash <= 0 || slash == path.Length - 1 || !_containers.Contains(path[..slash]) || !IsPlainName(path[(slash + 1)..]))
            {
                return null;
            }

            return new FlowLogBlob(account.Account, path[..slash], path[(slash + 1)..]);
        }

        return null;
    }

    // A name whose decoded segments climb (an encoded "/../") would be sent to another container by the client.
    private static bool IsPlainName(string name)
    {
        foreach (string segment in name.Split('/'))
        {
            if (segment is "" or "." or ".." || segment.Contains('\\', StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc/>
    public Task<BlockListSnapshot?> GetCommittedBlocksAsync(FlowLogBlob blob, CancellationToken cancellationToken)
        => Of(blob).GetCommittedBlocksAsync(blob, cancellationToken);

    /// <inheritdoc/>
    public Task ReadRangeAsync(FlowLogBlob blob, long offset, Memory<byte> destination, ETag ifMatch, CancellationToken cancellationToken)
        => Of(blob).ReadRangeAsync(blob, offset, destination, ifMatch, cancellationToken);

    /// <inheritdoc/>
    public Task<Stream> OpenReadAsync(FlowLogBlob blob, long offset, ETag ifMatch, CancellationToken cancellationToken)
        => Of(blob).OpenReadAsync(blob, offset, ifMatch, cancellationToken);

    /// <inheritdoc/>
    public IAsyncEnumerable<string> ListChildPrefixesAsync(string account, string container, string prefix, CancellationToken cancellationToken)
        => Of(account).ListChildPrefixesAsync(account, container, prefix, cancellationToken);

    /// <inheritdoc/>
    public IAsyncEnumerable<CatalogBlob> ListBlobsAsync(string account, string container, string prefix, CancellationToken cancellationToken)
        => Of(account).ListBlobsAsync(account, container, prefix, cancellationToken);

    private AzureFlowLogBlobStore Of(FlowLogBlob blob)
    {
        ArgumentNullException.ThrowIfNull(blob);
        return Of(blob.Account);
    }

    private AzureFlowLogBlobStore Of(string account)
        => _byName.TryGetValue(account, out AzureFlowLogBlobStore? found)
            ? found
            : throw new UnknownAccountException(account);
}

/// <summary>A blob of an account the app is not configured to read.</summary>
internal sealed class UnknownAccountException(string account)
    : InvalidOperationException($"'{account}' is not one of the flow-log accounts this app reads: add its connection to FlowLogs:Storage:FlowLogConnections")
{
    /// <summary>The account.</summary>
    public string Account { get; } = account;
}
