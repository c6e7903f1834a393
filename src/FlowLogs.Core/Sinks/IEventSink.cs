namespace FlowLogs.Sinks;

/// <summary>Where events go. A delivery completes once the receiver has acknowledged or refused every event of the batch.</summary>
internal interface IEventSink
{
    /// <summary>Starts a batch of events encoded as this sink sends them (full ECS, or the raw record).</summary>
    EventBatchBuilder CreateBatch();

    /// <summary>
    /// Delivers <paramref name="batch"/> and answers which events the receiver refused (the caller keeps those); throws
    /// when the batch could not be delivered (nothing is then checkpointed, and the batch is delivered again later).
    /// </summary>
    ValueTask<DeliveryReceipt> DeliverAsync(EventBatch batch, CancellationToken cancellationToken);
}
