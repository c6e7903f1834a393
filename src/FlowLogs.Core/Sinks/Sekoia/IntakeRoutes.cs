using FlowLogs.Ecs;
using FlowLogs.Parsing;

namespace FlowLogs.Sinks.Sekoia;

/// <summary>The two intakes the sink may send to, each with its own key.</summary>
internal enum SekoiaIntake : byte
{
    /// <summary>The intake of <see cref="SekoiaIntakeOptions.IntakeKey"/>: Sekoia's "Azure Network Watcher Flow Logs" format (Raw payload) or a custom one (ECS).</summary>
    FlowLogs = 0,

    /// <summary>The intake of <see cref="SekoiaIntakeOptions.NsgIntakeKey"/>: Sekoia's "Azure Network Watcher" format, NSG flow logs only.</summary>
    Nsg = 1,
}

/// <summary>What one event sent to an intake is.</summary>
internal enum EventShape : byte
{
    /// <summary>The full ECS event.</summary>
    Ecs,

    /// <summary>The raw record as the Raw payload writes it (<see cref="RawRecordWriter"/>).</summary>
    Raw,

    /// <summary>The raw record of an NSG tuple with <c>flow.0</c> rewritten as a VNet tuple (<see cref="NsgTupleTranslation"/>), for the Flow Logs format.</summary>
    Translated,
}

/// <summary>Which intake one kind of flow log goes to, and in which shape.</summary>
internal readonly record struct IntakeRoute(SekoiaIntake Intake, EventShape Shape);

/// <summary>
/// The sink's routing, from its settings: VNet tuples go to the Flow Logs intake as the payload writes them; NSG tuples
/// go to the NSG intake as written when it has a key, else to the Flow Logs intake translated into its format (Raw) or
/// as ECS events like every other (ECS). Pure.
/// </summary>
internal sealed class IntakeRoutes
{
    private const string FlowLogsKeySetting = SekoiaIntakeOptions.SectionName + ":" + nameof(SekoiaIntakeOptions.IntakeKey);
    private const string NsgKeySetting = SekoiaIntakeOptions.SectionName + ":" + nameof(SekoiaIntakeOptions.NsgIntakeKey);

    private readonly IntakeRoute _vnet;
    private readonly IntakeRoute _nsg;

    /// <summary>Creates the routes of <paramref name="payload"/>, with or without an NSG intake.</summary>
    public IntakeRoutes(EventPayload payload, bool nsgIntake)
    {
        if (nsgIntake && payload != EventPayload.Raw)
        {
            throw new ArgumentException("an NSG intake reads the Raw payload only", nameof(nsgIntake));
        }

        Payload = payload;
        HasNsgIntake = nsgIntake;
        _vnet = payload == EventPayload.Ecs ? new(SekoiaIntake.FlowLogs, EventShape.Ecs) : new(SekoiaIntake.FlowLogs, EventShape.Raw);
        _nsg = payload == EventPayload.Ecs ? new(SekoiaIntake.FlowLogs, EventShape.Ecs)
            : nsgIntake ? new(SekoiaIntake.Nsg, EventShape.Raw)
            : new(SekoiaIntake.FlowLogs, EventShape.Translated);
    }

    /// <summary>The payload the sink sends.</summary>
    public EventPayload Payload { get; }

    /// <summary>Whether NSG tuples have an intake of their own.</summary>
    public bool HasNsgIntake { get; }

    /// <summary>The routes of <paramref name="options"/> (validated: an NSG intake key comes with the Raw payload).</summary>
    public static IntakeRoutes From(SekoiaIntakeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new IntakeRoutes(options.Payload, !string.IsNullOrWhiteSpace(options.NsgIntakeKey));
    }

    /// <summary>Where tuples of <paramref name="kind"/> go.</summary>
    public IntakeRoute For(FlowLogKind kind) => kind == FlowLogKind.NetworkSecurityGroup ? _nsg : _vnet;

    /// <summary>The setting holding the key of <paramref name="intake"/>.</summary>
    public static string KeySetting(SekoiaIntake intake) => intake == SekoiaIntake.Nsg ? NsgKeySetting : FlowLogsKeySetting;

    /// <summary>The route of <paramref name="kind"/> in words, for the start-up log, <c>flowlogs status</c> and the documents.</summary>
    public string Describe(FlowLogKind kind)
    {
        IntakeRoute route = For(kind);
        string tuples = kind == FlowLogKind.NetworkSecurityGroup ? "NSG flow-log tuples" : "VNet flow-log tuples";
        return route.Shape switch
        {
            EventShape.Ecs => $"{tuples} go to the intake of {KeySetting(route.Intake)} as ECS events (Payload Ecs: a custom format)",
            EventShape.Translated => $"{tuples} go to the intake of {KeySetting(route.Intake)} translated into the \"Azure Network Watcher Flow Logs\" format ({KeySetting(SekoiaIntake.Nsg)} is not set)",
            _ when route.Intake == SekoiaIntake.Nsg => $"{tuples} go to the intake of {KeySetting(route.Intake)} as written, for the \"Azure Network Watcher\" format",
            _ => $"{tuples} go to the intake of {KeySetting(route.Intake)} as written, for the \"Azure Network Watcher Flow Logs\" format",
        };
    }
}
