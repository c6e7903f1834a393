using System.Runtime.CompilerServices;
using Azure;
using FlowLogs.Checkpoints;
using FlowLogs.Clock;

namespace FlowLogs.Testing;

/// <summary>
/// Checkpoints in memory with Table Storage's conditional semantics: adding an existing one fails, replacing with a
/// stale ETag fails, every write gives a new ETag, one hour's checkpoints list together. The contract tests run
/// against this and Azurite alike.
/// </summary>
internal sealed class MemoryCheckpointStore(TimeProvider? service = null) : ICheckpointStore
{
    private readonly TimeProvider _service = service ?? TimeProvider.System;
    private readonly Dictionary<string, StoredCheckpoint> _entities = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private long _etags;
    private long _writes;

    /// <summary>Writes made (successful or refused), as a table would count them.</summary>
    public long Writes => Interlocked.Read(ref _writes);

    /// <summary>Called before every write: throw from it to simulate an unreachable table or a dying process.</summary>
    public Action<BlobCheckpoint>? BeforeWrite { get; set; }

    /// <summary>The clock every answer sets with the service's time, as the table client's Date header does.</summary>
    public StorageClock? Clock { get; set; }

    /// <inheritdoc/>
    public Task<StoredCheckpoint?> GetAsync(string blobName, CancellationToken cancellationToken)
    {
        DateHeader.Tell(Clock, _service);
        lock (_lock)
        {
            return Task.FromResult(_entities.GetValueOrDefault(blobName));
        }
    }

    /// <inheritdoc/>
    public Task<StoredCheckpoint?> TryAddAsync(BlobCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        DateHeader.Tell(Clock, _service);
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
        DateHeader.Tell(Clock, _service);
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
        DateHeader.Tell(Clock, _service);
        (string first, string last) = CheckpointKeys.PartitionsOf(hour);
        List<BlobCheckpoint> found;
        lock (_lock)
        {
            found = [.. _entities.Values.Select(s => s.Value).Where(c => CheckpointKeys.Partition(c.BlobName) is { } p && string.CompareOrdinal(p, first) >= 0 && string.CompareOrdinal(p, last) <= 0)];
        }

        foreach (BlobCheckpoint checkpoint in found)
        {
            await Task.Yield();
            yield return checkpoint;
        }
    }

    private ETag NewETag() => new($"W/\"datetime'{Interlocked.Increment(ref _etags)}'\"");
}
