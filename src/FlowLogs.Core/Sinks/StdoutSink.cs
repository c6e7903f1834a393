using FlowLogs.Ecs;

namespace FlowLogs.Sinks;

/// <summary>Writes events as NDJSON to standard output, flushed before a delivery is acknowledged.</summary>
internal sealed class StdoutSink(Stream output, EventPayload payload = EventPayload.Ecs) : IEventSink, IDisposable
{
    private readonly Stream _output = output ?? throw new ArgumentNullException(nameof(output));
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>What each event is: full ECS, or the raw record.</summary>
    public EventPayload Payload { get; } = payload;

    /// <inheritdoc/>
    public EventBatchBuilder CreateBatch() => new(Payload);

    /// <inheritdoc/>
    public void Dispose() => _gate.Dispose();

    /// <inheritdoc/>
    public async ValueTask<DeliveryReceipt> DeliverAsync(EventBatch batch, CancellationToken cancellationToken)
    {
        NdjsonFraming.Check(batch);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _output.WriteAsync(batch.Framed, cancellationToken).ConfigureAwait(false);
            await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }

        return DeliveryReceipt.AllAccepted;
    }
}
