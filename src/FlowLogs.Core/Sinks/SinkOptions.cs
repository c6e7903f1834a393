using System.ComponentModel.DataAnnotations;

namespace FlowLogs.Sinks;

/// <summary>Where events go; bound from configuration section <see cref="SectionName"/>.</summary>
internal sealed class SinkOptions
{
    /// <summary>The configuration section (environment: <c>FlowLogs__Sink__Kind</c>).</summary>
    public const string SectionName = "FlowLogs:Sink";

    /// <summary><c>sekoia</c> (the intake), <c>ndjson</c> (a local file) or <c>stdout</c>.</summary>
    [Required]
    [RegularExpression("^(sekoia|ndjson|stdout)$", ErrorMessage = "FlowLogs:Sink:Kind must be sekoia, ndjson or stdout")]
    public string Kind { get; set; } = "sekoia";

    /// <summary>The file of the <c>ndjson</c> sink.</summary>
    public string Path { get; set; } = "flowlogs-events.ndjson";

    /// <summary>Payload of the local sinks: <c>Ecs</c> or <c>Raw</c>.</summary>
    public Ecs.EventPayload Payload { get; set; } = Ecs.EventPayload.Ecs;
}
