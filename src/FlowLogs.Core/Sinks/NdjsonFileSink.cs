using FlowLogs.Ecs;

namespace FlowLogs.Sinks;

/// <summary>Appends events to a local NDJSON file, flushed to disk before a delivery is acknowledged.</summary>
internal sealed class NdjsonFileSink : IEventSink, IAsyncDisposable, IDisposable
{
    private readonly FileStream _file;
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Opens (or creates) <paramref name="path"/> for appending.</summary>
    public NdjsonFileSink(string path, EventPayload payload = EventPayload.Ecs)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        _file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read, 1 << 16, useAsync: true);
        Payload = payload;
    }

    /// <summary>What each event is: full ECS, or the raw record.</summary>
    public EventPayload Payload { get; }

    /// <inheritdoc/>
    public EventBatchBuilder CreateBatch() => new(Payload);

    /// <summary>Events written so far.</summary>
    public long Events { get; private set; }

    /// <inheritdoc/>
    public async ValueTask<DeliveryReceipt> DeliverAsync(EventBatch batch, CancellationToken cancellationToken)
    {
        NdjsonFraming.Check(batch);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _file.WriteAsync(batch.Framed, cancellationToken).ConfigureAwait(false);
            _file.Flush(flushToDisk: true);
            Events += batch.Count;
        }
        finally
        {
            _gate.Release();
        }

        return DeliveryReceipt.AllAccepted;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _file.Dispose();
        _gate.Dispose();
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _file.DisposeAsync().ConfigureAwait(false);
        _gate.Dispose();
    }
}
