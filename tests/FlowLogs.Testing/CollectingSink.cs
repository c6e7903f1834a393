using System.Collections.Concurrent;
using System.Text.Json;
using FlowLogs.Ecs;
using FlowLogs.Sinks;

namespace FlowLogs.Testing;

/// <summary>A sink that keeps the id of every event it acknowledged, to count losses and duplicates.</summary>
internal sealed class CollectingSink(EventPayload payload = EventPayload.Ecs) : IEventSink
{
    private readonly ConcurrentQueue<string> _ids = new();
    private long _batches;

    /// <summary>What each event is: full ECS, or the raw record.</summary>
    public EventPayload Payload { get; } = payload;

    /// <inheritdoc/>
    public EventBatchBuilder CreateBatch() => new(Payload);

    /// <summary>Called before each batch is acknowledged; throw from it to fail the delivery.</summary>
    public Func<EventBatch, ValueTask>? BeforeAcknowledge { get; set; }

    /// <summary>Called after each batch is acknowledged (the events count as received); throw to simulate a crash then.</summary>
    public Action<EventBatch>? AfterAcknowledge { get; set; }

    /// <summary>Says why the receiver refuses an event (its JSON), or null to acknowledge it; refused events are not kept.</summary>
    public Func<string, string?>? Refuse { get; set; }

    /// <summary>Every acknowledged event's <c>event.id</c>, in delivery order.</summary>
    public IReadOnlyCollection<string> EventIds => _ids;

    /// <summary>Batches acknowledged.</summary>
    public long Batches => Interlocked.Read(ref _batches);

    /// <inheritdoc/>
    public async ValueTask<DeliveryReceipt> DeliverAsync(EventBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (BeforeAcknowledge is not null)
        {
            await BeforeAcknowledge(batch).ConfigureAwait(false);
        }

        var refused = new List<RefusedEvent>();
        for (int i = 0; i < batch.Count; i++)
        {
            ReadOnlyMemory<byte> line = batch.EventJson(i);
            if (Refuse?.Invoke(System.Text.Encoding.UTF8.GetString(line.Span)) is { } reason)
            {
                refused.Add(new RefusedEvent(i, reason));
                continue;
            }

            using JsonDocument document = JsonDocument.Parse(line);
            _ids.Enqueue(document.RootElement.GetProperty("event").GetProperty("id").GetString()!);
        }

        Interlocked.Increment(ref _batches);
        AfterAcknowledge?.Invoke(batch);
        return DeliveryReceipt.Refusing(refused);
    }
}
