using System.CommandLine;

namespace FlowLogs.Cli;

/// <summary>
/// <c>--sink</c>, <c>--output</c> and <c>--payload</c>, as <c>ingest</c>, <c>check</c> and <c>dead-letters redrive</c>
/// take them: the sink's kind (its settings, for <c>sekoia</c>, from <c>FlowLogs__Sekoia__*</c> environment variables:
/// a key never goes on a command line), the file of the ndjson sink and the local sinks' payload.
/// </summary>
internal static class SinkOption
{
    /// <summary><c>--sink</c>, defaulting to <paramref name="byDefault"/>.</summary>
    public static Option<string> Create(string byDefault, string description)
    {
        var sink = new Option<string>("--sink") { Description = description, DefaultValueFactory = _ => byDefault };
        sink.AcceptOnlyFromAmong("ndjson", "stdout", "sekoia");
        return sink;
    }

    /// <summary><c>--output</c>, the file of the ndjson sink.</summary>
    public static Option<string> Output(string byDefault) => new("--output") { Description = "File of the ndjson sink.", DefaultValueFactory = _ => byDefault };

    /// <summary><c>--payload</c> of the local sinks.</summary>
    public static Option<string> Payload()
    {
        var payload = new Option<string>("--payload") { Description = "ecs or raw (local sinks; the sekoia sink reads FlowLogs__Sekoia__Payload).", DefaultValueFactory = _ => "ecs" };
        payload.AcceptOnlyFromAmong("ecs", "raw");
        return payload;
    }

    /// <summary>Adds the sink's settings (<c>FlowLogs:Sink:*</c>) to <paramref name="settings"/>.</summary>
    public static void AddTo(IDictionary<string, string?> settings, string? kind, string? output = null, string? payload = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings["FlowLogs:Sink:Kind"] = kind;
        if (output is not null)
        {
            settings["FlowLogs:Sink:Path"] = output;
        }

        if (payload is not null)
        {
            settings["FlowLogs:Sink:Payload"] = payload == "raw" ? "Raw" : "Ecs";
        }
    }
}
