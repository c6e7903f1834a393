using FlowLogs.Ecs;

namespace FlowLogs.Sinks;

/// <summary>Where events go. A delivery completes only once the receiver has acknowledged every event of the batch.</summary>
internal interface IEventSink
{
    /// <summary>What each event should be: full ECS, or the intake's raw record.</summary>
    EventPayload Payload { get; }

    /// <summary>Delivers <paramref name="batch"/>; throws when it could not be acknowledged (nothing is then checkpointed).</summary>
    ValueTask DeliverAsync(EventBatch batch, CancellationToken cancellationToken);
}
