namespace FlowLogs.Ecs;

/// <summary>What each event sent or written looks like.</summary>
public enum EventPayload
{
    /// <summary>The full ECS event.</summary>
    Ecs,

    /// <summary>The flattened per-tuple record that Sekoia's intake formats parse (the ECS event's <c>message</c>).</summary>
    Raw,
}
