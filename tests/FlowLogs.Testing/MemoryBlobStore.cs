using System.Runtime.CompilerServices;
using Azure;
using FlowLogs.BlobSource;
using FlowLogs.Clock;

namespace FlowLogs.Testing;

/// <summary>
/// Flow-log blobs in memory, read through the same interfaces as Azure's, with Azure's semantics: every commit of a
/// block list gives the blob a new ETag, reads conditional on a stale ETag fail as <see cref="BlobChangedException"/>,
/// listings are by prefix and by virtual folder. The contract tests run against this and Azurite alike.
/// </summary>
internal sealed class MemoryBlobStore(TimeProvider? time = null, params string[] accounts) : IFlowLogBlobStore, IFlowLogBlobCatalog
{
    /// <summary>The account of a store made without naming any: Azurite's.</summary>
    public const string DefaultAccount = "devstoreaccount1";

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Dictionary<string, Committed> _blobs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, byte[]>> _staged = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private long _etags;
    private long _requests;

    /// <inheritdoc/>
    public IReadOnlyList<string> Accounts { get; } = accounts.Length > 0 ? accounts : [DefaultAccount];

    /// <summary>Requests made through the read interfaces, as a storage account would count them.</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>
    /// The clock every answer sets, as the storage clients' pipeline policy does with the Date header: the store's own
    /// time (the storage service's), in whole seconds.
    /// </summary>
    public StorageClock? Clock { get; set; }

    /// <summary>Stages a block, as Put Block does: invisible until committed.</summary>
    public void StageBlock(FlowLogBlob blob, string id, ReadOnlySpan<byte> content)
    {
        ArgumentNullException.ThrowIfNull(blob);
        lock (_lock)
        {
            if (!_staged.TryGetValue(blob.FullName, out Dictionary<string, byte[]>? staged))
            {
                _staged[blob.FullName] = staged = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            }

            staged[id] = content.ToArray();
        }
    }

    /// <summary>Commits a block list, as Put Block List does: each id names a staged or an already committed block.</summary>
    public void CommitBlockList(FlowLogBlob blob, IReadOnlyList<string> ids)
    {
        ArgumentNullException.ThrowIfNull(blob);
        ArgumentNullException.ThrowIfNull(ids);
        lock (_lock)
        {
            _staged.TryGetValue(blob.FullName, out Dictionary<string, byte[]>? staged);
            _blobs.TryGetValue(blob.FullName, out Committed? current);
            var blocks = new List<(string Id, byte[] Content)>(ids.Count);
            foreach (string id in ids)
            {
                byte[]? content = staged is not null && staged.TryGetValue(id, out byte[]? s) ? s
                    : current?.Blocks.FirstOrDefault(b => b.Id == id).Content;
                blocks.Add((id, content ?? throw new InvalidOperationException($"block {id} of {blob} is neither staged nor committed")));
            }

            _blobs[blob.FullName] = new Committed(blob, blocks, NewETag(), _time.GetUtcNow());
            _staged.Remove(blob.FullName);
        }
    }

    /// <summary>Stages and commits <paramref name="blocks"/> after the blob's committed blocks but before its last (the tail), as Azure appends.</summary>
    public void InsertBeforeTail(FlowLogBlob blob, params string[] blocks)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        List<string> ids;
        lock (_lock)
        {
            ids = _blobs.TryGetValue(blob.FullName, out Committed? current) ? [.. current.Blocks.Select(b => b.Id)] : [];
        }

        int at = Math.Max(ids.Count - 1, 0);
        foreach (string block in blocks)
        {
            string id = Convert.ToBase64String(Guid.NewGuid().ToByteArray());
            StageBlock(blob, id, System.Text.Encoding.UTF8.GetBytes(block));
            ids.Insert(at++, id);
        }

        CommitBlockList(blob, ids);
    }

    /// <summary>Stages and commits a whole new block list.</summary>
    public void Write(FlowLogBlob blob, params string[] blocks)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        var ids = new List<string>();
        foreach (string block in blocks)
        {
            string id = Convert.ToBase64String(Guid.NewGuid().ToByteArray());
            StageBlock(blob, id, System.Text.Encoding.UTF8.GetBytes(block));
            ids.Add(id);
        }

        CommitBlockList(blob, ids);
    }

    /// <summary>Deletes a blob.</summary>
    public void Delete(FlowLogBlob blob)
    {
        ArgumentNullException.ThrowIfNull(blob);
        lock (_lock)
        {
            _blobs.Remove(blob.FullName);
        }
    }

    /// <inheritdoc/>
    public Task<BlockListSnapshot?> GetCommittedBlocksAsync(FlowLogBlob blob, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        Answer();
        lock (_lock)
        {
            return Task.FromResult(_blobs.TryGetValue(blob.FullName, out Committed? c)
                ? new BlockListSnapshot([.. c.Blocks.Select(b => new CommittedBlock(b.Id, b.Content.Length))], c.ETag, c.Length, c.Modified)
                : null);
        }
    }

    /// <inheritdoc/>
    public Task ReadRangeAsync(FlowLogBlob blob, long offset, Memory<byte> destination, ETag ifMatch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        if (destination.IsEmpty)
        {
            return Task.CompletedTask;
        }

        Answer();
        byte[] content = ContentAt(blob, ifMatch);
        if (offset >= content.Length || offset + destination.Length > content.Length)
        {
            // 416 past the end; a range running past it comes back short, which a ranged read of listed blocks never asks.
            throw new BlobChangedException(blob);
        }

        content.AsSpan((int)offset, destination.Length).CopyTo(destination.Span);
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task<Stream> OpenReadAsync(FlowLogBlob blob, long offset, ETag ifMatch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        Answer();
        byte[] content = ContentAt(blob, ifMatch);
        if (offset > content.Length || (offset == content.Length && content.Length > 0))
        {
            throw new BlobChangedException(blob);
        }

        return Task.FromResult<Stream>(new MemoryStream(content, (int)offset, content.Length - (int)offset, writable: false));
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<string> ListChildPrefixesAsync(string account, string container, string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Answer();
        SortedSet<string> children;
        lock (_lock)
        {
            children = new SortedSet<string>(StringComparer.Ordinal);
            foreach (Committed c in _blobs.Values.Where(c => c.Blob.Account == account && c.Blob.Container == container && c.Blob.Name.StartsWith(prefix, StringComparison.Ordinal)))
            {
                int slash = c.Blob.Name.IndexOf('/', prefix.Length);
                if (slash >= 0)
                {
                    children.Add(c.Blob.Name[..(slash + 1)]);
                }
            }
        }

        foreach (string child in children)
        {
            await Task.Yield();
            yield return child;
        }
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<CatalogBlob> ListBlobsAsync(string account, string container, string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Answer();
        List<Committed> found;
        lock (_lock)
        {
            found = [.. _blobs.Values.Where(c => c.Blob.Account == account && c.Blob.Container == container && c.Blob.Name.StartsWith(prefix, StringComparison.Ordinal)).OrderBy(c => c.Blob.Name, StringComparer.Ordinal)];
        }

        foreach (Committed c in found)
        {
            await Task.Yield();
            yield return new CatalogBlob(c.Blob, c.Length, c.Modified, c.ETag.ToString());
        }
    }

    // Counts a request and tells the clock the service's time, as an answer's Date header does.
    private void Answer()
    {
        Interlocked.Increment(ref _requests);
        DateHeader.Tell(Clock, _time);
    }

    private byte[] ContentAt(FlowLogBlob blob, ETag ifMatch)
    {
        lock (_lock)
        {
            if (!_blobs.TryGetValue(blob.FullName, out Committed? c) || c.ETag != ifMatch)
            {
                throw new BlobChangedException(blob);
            }

            return c.Content;
        }
    }

    private ETag NewETag() => new($"\"0x{Interlocked.Increment(ref _etags):X16}\"");

    private sealed class Committed(FlowLogBlob blob, List<(string Id, byte[] Content)> blocks, ETag etag, DateTimeOffset modified)
    {
        public FlowLogBlob Blob { get; } = blob;

        public List<(string Id, byte[] Content)> Blocks { get; } = blocks;

        public ETag ETag { get; } = etag;

        public DateTimeOffset Modified { get; } = modified;

        public byte[] Content { get; } = [.. blocks.SelectMany(b => b.Content)];

        public long Length => Content.Length;
    }
}
