namespace FlowLogs.Sinks;

/// <summary>Where events go. A delivery completes only once the receiver has acknowledged every event of the batch.</summary>
internal interface IEventSink
{
    /// <summary>Starts a batch of events encoded as this sink sends them (full ECS, or the raw record).</summary>
    EventBatchBuilder CreateBatch();

    /// <summary>Delivers <paramref name="batch"/>; throws when it could not be acknowledged (nothing is then checkpointed).</summary>
    ValueTask DeliverAsync(EventBatch batch, CancellationToken cancellationToken);
}
