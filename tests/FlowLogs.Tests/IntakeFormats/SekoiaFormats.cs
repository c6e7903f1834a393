using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace FlowLogs.Tests.IntakeFormats;

/// <summary>What one of Sekoia's formats makes of an event: whether its grok pattern parsed <c>flow.0</c>, and the fields it sets.</summary>
/// <param name="Parsed">Whether the pattern matched the whole of <c>flow.0</c>.</param>
/// <param name="Fields">The event's fields by dotted name (an array is one field), as the format and the platform set them.</param>
internal sealed record FormatOutput(bool Parsed, SortedDictionary<string, JsonNode> Fields)
{
    public string? Text(string field) => Fields.TryGetValue(field, out JsonNode? value) ? value.ToString() : null;
}

/// <summary>
/// Sekoia's two formats for these logs, re-implemented for the tests from their published ingest parsers
/// (SEKOIA-IO/intake-formats at commit b8f64fe156e73f1162ac63eeef6849aa2190390c: <c>Azure/azure-network-watcher-flow-logs/ingest/parser.yml</c>,
/// "Azure Network Watcher Flow Logs", and <c>Azure/azure-network-watcher/ingest/parser.yml</c>, "Azure Network Watcher",
/// deprecated there on 2025-12-12 in commit cf1e709). The facts carried over: each grok pattern and custom pattern,
/// and for each field the value it is set from, which set is skipped when its value is empty, and the translations
/// with their fallbacks; plus what the platform adds to every event (<c>*.address</c> from <c>*.ip</c>, <c>related.ip</c>)
/// and the ECS types it casts to (ports and counters are numbers). <see cref="SekoiaFormatSamplesTests"/> checks this
/// against the formats' own published samples.
/// </summary>
internal static class SekoiaFormats
{
    /// <summary>The Flow Logs format's pattern: the VNet tuple, 13 fields, whole-number counters.</summary>
    public const string FlowLogsPattern = "%{NUMBER:timestamp},%{IP:source_ip},%{IP:destination_ip},%{NUMBER:source_port},%{NUMBER:destination_port},%{DATA:protocol},%{DATA:flow_direction},%{FLOWSTATE:flow_state},%{DATA:flow_encryption},%{INT:packets_sent},%{INT:bytes_sent},%{INT:packets_received},%{INT:bytes_received}";

    /// <summary>The NSG format's pattern: the NSG tuple, 8 fields (v1) or 13 with an optional state and optional counters (v2).</summary>
    public const string NsgPattern = "%{NUMBER:timestamp},%{IP:source_ip},%{IP:destination_ip},%{NUMBER:source_port},%{NUMBER:destination_port},%{PROTOCOL:protocol},%{TRAFFICFLOW:traffic_flow},%{TRAFFICDECISION:traffic_decision}(|,(%{FLOWSTATE:flow_state}|),(%{INT:source_packets}|),(%{INT:source_bytes}|),(%{INT:destination_packets}|),(%{INT:destination_bytes}|))";

    private static readonly Regex FlowLogsRegex = Grok.Compile(FlowLogsPattern, new Dictionary<string, string> { ["FLOWSTATE"] = "B|C|E|D" });

    /// <summary>The NSG format's custom patterns.</summary>
    public static readonly IReadOnlyDictionary<string, string> NsgCustomPatterns = new Dictionary<string, string>
    {
        ["PROTOCOL"] = "T|U",
        ["TRAFFICFLOW"] = "I|O",
        ["TRAFFICDECISION"] = "A|D",
        ["FLOWSTATE"] = "B|C|E",
    };

    private static readonly Regex NsgRegex = Grok.Compile(NsgPattern, NsgCustomPatterns);

    // Fields the platform casts to numbers (ECS long).
    private static readonly HashSet<string> Numbers = ["source.port", "destination.port", "source.packets", "source.bytes", "destination.packets", "destination.bytes"];

    /// <summary>Whether <paramref name="flow"/> parses in full with the Flow Logs format's pattern.</summary>
    public static bool FlowLogsParses(string flow) => FlowLogsRegex.IsMatch(flow);

    /// <summary>Whether <paramref name="flow"/> parses in full with the NSG format's pattern.</summary>
    public static bool NsgParses(string flow) => NsgRegex.IsMatch(flow);

    /// <summary>What "Azure Network Watcher Flow Logs" makes of <paramref name="eventJson"/> (the JSON the intake receives).</summary>
    public static FormatOutput FlowLogs(string eventJson)
    {
        JsonObject message = JsonNode.Parse(eventJson)!.AsObject();
        Match m = Parse(FlowLogsRegex, message);
        var f = new SortedDictionary<string, JsonNode>(StringComparer.Ordinal);

        // set_common_fields
        f["event.category"] = new JsonArray("network");
        Set(f, "event.code", Str(message, "operationName"));
        Set(f, "action.target", "network-traffic");
        Set(f, "@timestamp", EpochMilliseconds(Group(m, "timestamp")));
        Set(f, "observer.mac", Str(message, "macAddress"));
        Set(f, "action.properties.OperationName", Str(message, "operationName"));
        Set(f, "action.properties.FlowEncryption", Group(m, "flow_encryption"));
        Set(f, "rule.name", Str(message, "rule"));
        Set(f, "source.ip", Group(m, "source_ip"));
        Set(f, "source.port", Group(m, "source_port"));
        Set(f, "destination.ip", Group(m, "destination_ip"));
        Set(f, "destination.port", Group(m, "destination_port"));
        Set(f, "network.iana_number", Group(m, "protocol"));
        Set(f, "source.packets", Group(m, "packets_sent"));
        Set(f, "source.bytes", Group(m, "bytes_sent"));
        Set(f, "destination.packets", Group(m, "packets_received"));
        Set(f, "destination.bytes", Group(m, "bytes_received"));
        Set(f, "network.direction", Group(m, "flow_direction") == "I" ? "inbound" : "outbound");
        string? type = Group(m, "flow_state") switch
        {
            "B" => "start",
            "C" => "info",
            "E" => "end",
            "D" => "denied",
            _ => null,
        };
        if (type is not null)
        {
            f["event.type"] = new JsonArray(type);
        }

        Platform(f);
        return new FormatOutput(m.Success, f);
    }

    /// <summary>What "Azure Network Watcher" makes of <paramref name="eventJson"/> (the JSON the intake receives).</summary>
    public static FormatOutput Nsg(string eventJson)
    {
        JsonObject message = JsonNode.Parse(eventJson)!.AsObject();
        Match m = Parse(NsgRegex, message);
        var f = new SortedDictionary<string, JsonNode>(StringComparer.Ordinal);

        // set_common_fields: dated by the record's time, not the tuple's.
        f["event.category"] = new JsonArray("network");
        Set(f, "event.code", Str(message, "operationName"));
        Set(f, "@timestamp", Iso(Str(message, "time")));
        Set(f, "event.start", f.TryGetValue("@timestamp", out JsonNode? timestamp) ? timestamp.ToString() : null);
        Set(f, "rule.name", Str(message, "rule"));
        Set(f, "action.type", Str(message, "rule"));
        Set(f, "action.target", "network-traffic");
        Set(f, "action.properties.OperationName", Str(message, "operationName"));
        Set(f, "action.properties.Version", Str(message, "version"));
        Set(f, "action.properties.FlowState", Str(message, "flow_state"));
        string? decision = Group(m, "traffic_decision");
        if (decision is "A" or "D")
        {
            string action = decision == "A" ? "accept" : "reject";
            Set(f, "event.action", action);
            Set(f, "action.name", action);
            f["event.type"] = new JsonArray(decision == "A" ? "allowed" : "denied");
        }

        // set_network_fields
        Set(f, "network.transport", Group(m, "protocol") == "T" ? "tcp" : "udp");
        Set(f, "action.properties.FlowState", Group(m, "flow_state") switch
        {
            "B" => "begin",
            "C" => "continue",
            "E" => "end",
            _ => null,
        });
        string? flow = Group(m, "traffic_flow");
        Set(f, "network.direction", flow switch
        {
            "I" => "inbound",
            "O" => "outbound",
            _ => flow,
        });

        // set_source_fields, set_destination_fields: keys of the message first, then the tuple.
        Set(f, "source.ip", Str(message, "source_addr") ?? Group(m, "source_ip"));
        Set(f, "source.port", Str(message, "source_port") ?? Group(m, "source_port"));
        Set(f, "source.packets", Group(m, "source_packets"));
        Set(f, "source.bytes", Group(m, "source_bytes"));
        Set(f, "source.mac", Str(message, "macAddress"));
        Set(f, "destination.ip", Str(message, "destination_addr") ?? Group(m, "destination_ip"));
        Set(f, "destination.port", Str(message, "destination_port") ?? Group(m, "destination_port"));
        Set(f, "destination.packets", Group(m, "destination_packets"));
        Set(f, "destination.bytes", Group(m, "destination_bytes"));

        // finalizer
        if (f.ContainsKey("action.name") && !f.ContainsKey("action.outcome"))
        {
            Set(f, "action.outcome", "success");
        }

        Platform(f);
        return new FormatOutput(m.Success, f);
    }

    // The stage runs only when the message has flow.0; without a match its fields are absent.
    private static Match Parse(Regex regex, JsonObject message)
        => Str(message, "flow.0") is { } flow ? regex.Match(flow) : Match.Empty;

    private static string? Group(Match m, string name) => m.Success && m.Groups[name].Success ? m.Groups[name].Value : null;

    private static string? Str(JsonObject message, string key) => message[key] is JsonValue v ? v.ToString() : null;

    // A set with an empty value leaves the field alone.
    private static void Set(SortedDictionary<string, JsonNode> fields, string name, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return;
        }

        fields[name] = Numbers.Contains(name) ? JsonValue.Create(long.Parse(value, CultureInfo.InvariantCulture)) : JsonValue.Create(value);
    }

    // date.parse with format "timestamp": the published samples read the VNet tuple's field 1 as epoch milliseconds.
    private static string? EpochMilliseconds(string? value)
        => value is null ? null : Format(DateTimeOffset.UnixEpoch.AddMilliseconds(double.Parse(value, CultureInfo.InvariantCulture)));

    private static string? Iso(string? value)
        => value is null ? null : Format(DateTimeOffset.Parse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal));

    // Microseconds, as the formats' samples show @timestamp (truncated, not rounded).
    private static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    // What the platform adds to every event: *.address from *.ip, related.ip from both, event.outcome from action.outcome.
    private static void Platform(SortedDictionary<string, JsonNode> fields)
    {
        if (fields.TryGetValue("action.outcome", out JsonNode? outcome))
        {
            fields["event.outcome"] = outcome.DeepClone();
        }

        var ips = new SortedSet<string>(StringComparer.Ordinal);
        foreach (string side in new[] { "source", "destination" })
        {
            if (fields.TryGetValue($"{side}.ip", out JsonNode? ip))
            {
                fields[$"{side}.address"] = ip.DeepClone();
                ips.Add(ip.ToString());
            }
        }

        if (ips.Count > 0)
        {
            fields["related.ip"] = new JsonArray([.. ips.Select(i => (JsonNode)i)]);
        }
    }
}
