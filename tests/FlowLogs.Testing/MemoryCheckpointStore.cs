using System.Runtime.CompilerServices;
using Azure;
using FlowLogs.Checkpoints;

namespace FlowLogs.Testing;

/// <summary>
/// Checkpoints in memory with Table Storage's conditional semantics: adding an existing one fails, replacing with a
/// stale ETag fails, every write gives a new ETag, one hour's checkpoints list together. The contract tests run
/// against this and Azurite alike.
/// </summary>
internal sealed class MemoryCheckpointStore : ICheckpointStore
{
    private readonly Dictionary<string, StoredCheckpoint> _entities = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private long _etags;
    private long _writes;

    /// <summary>Writes made (successful or refused), as a table would count them.</summary>
    public long Writes => Interlocked.Read(ref _writes);

    /// <summary>Called before every write: throw from it to simulate an unreachable table or a dying process.</summary>
    public Action<BlobCheckpoint>? BeforeWrite { get; set; }

    /// <inheritdoc/>
    public Task<StoredCheckpoint?> GetAsync(string blobName, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_entities.GetValueOrDefault(blobName));
        }
    }

    /// <inheritdoc/>
    public Task<StoredCheckpoint?> TryAddAsync(BlobCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        Interlocked.Increment(ref _writes);
        BeforeWrite?.Invoke(checkpoint);
        lock (_lock)
        {
            if (_entities.ContainsKey(checkpoint.BlobName))
            {
                return Task.FromResult<StoredCheckpoint?>(null);
            }

            var stored = new StoredCheckpoint(checkpoint, NewETag());
            _entities[checkpoint.BlobName] = stored;
            return Task.FromResult<StoredCheckpoint?>(stored);
        }
    }

    /// <inheritdoc/>
    public Task<StoredCheckpoint?> TryReplaceAsync(BlobCheckpoint checkpoint, ETag ifMatch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        Interlocked.Increment(ref _writes);
        BeforeWrite?.Invoke(checkpoint);
        lock (_lock)
        {
            if (!_entities.TryGetValue(checkpoint.BlobName, out StoredCheckpoint? current) || current.ETag != ifMatch)
            {
                return Task.FromResult<StoredCheckpoint?>(null);
            }

            var stored = new StoredCheckpoint(checkpoint, NewETag());
            _entities[checkpoint.BlobName] = stored;
            return Task.FromResult<StoredCheckpoint?>(stored);
        }
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<BlobCheckpoint> ListHourAsync(DateTimeOffset hour, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string partition = CheckpointKeys.Partition(hour);
        List<BlobCheckpoint> found;
        lock (_lock)
        {
            found = [.. _entities.Values.Where(s => CheckpointKeys.Partition(s.Value.BlobName) == partition).Select(s => s.Value)];
        }

        foreach (BlobCheckpoint checkpoint in found)
        {
            await Task.Yield();
            yield return checkpoint;
        }
    }

    private ETag NewETag() => new($"W/\"datetime'{Interlocked.Increment(ref _etags)}'\"");
}
