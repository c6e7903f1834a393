using System.Globalization;
using System.Text.Json.Nodes;
using FlowLogs.Tests.Support;
using static FlowLogs.Tests.Support.FlowLogBuilder;

namespace FlowLogs.Tests.Ecs;

/// <summary>
/// Field-by-field agreement with what Sekoia's intake makes of the seed samples today. The VNet seed (002) is the
/// intake's current output. The NSG seed (003) predates changes of the intake's NSG format, which
/// <see cref="CurrentIntakeNsgEvent"/> applies. Every field the intake writes must be equal in our event, except the
/// differences listed here, each with its reason (the same list as docs/ecs-mapping.md).
/// </summary>
public class GoldenSeedTests
{
    // Differences from the intake's fields, and why; docs/ecs-mapping.md lists the same.
    private static readonly Dictionary<string, string> Reasons = new()
    {
        ["observer.mac"] = "ECS form (upper-case, '-'); the raw MAC stays in message and azure.flow_log.mac_address",
        ["source.mac"] = "ECS form, and on the NIC's side of the flow (destination.mac for inbound); raw MAC in message",
        ["@timestamp"] = "tuple time (when the flow happened); the record's time is event.created",
        ["event.start"] = "the intake copies the record's write time there; it is not when the flow started, so we leave it out",
        ["source.ip"] = "sample 3 only: the intake takes it from a 'source_addr' key Azure never writes; we follow the tuple",
        ["source.address"] = "sample 3 only: as source.ip",
        ["related.ip"] = "sample 3 only: as source.ip",
        ["action.properties.FlowState"] = "sample 3 only: a v1 tuple has no state; the intake reads a 'flow_state' key Azure never writes",
    };

    [Test]
    public void VNetSeedSamplesAgreeWithTheIntake()
    {
        JsonNode seed = TestData.Json("seeds", "seed-002-vnet.json");
        JsonArray raw = seed["raw"]!.AsArray();
        JsonArray expected = seed["ecs"]!.AsArray();
        Assert.That(raw, Has.Count.EqualTo(6));

        // All six samples share one record (same time, GUID and MAC); group them by aclID and rule as Azure does.
        JsonObject first = raw[0]!.AsObject();
        var groups = raw.Select(r => r!.AsObject())
            .GroupBy(r => (Acl: r["aclID"]!.GetValue<string>(), Rule: r["rule"]!.GetValue<string>()))
            .Select(g => (g.Key.Acl, g.Key.Rule, g.Select(r => r["flow.0"]!.GetValue<string>()).ToArray()))
            .ToArray();
        JsonObject record = VNetRecord(
            first["time"]!.GetValue<string>(),
            first["macAddress"]!.GetValue<string>(),
            first["flowLogGUID"]!.GetValue<string>(),
            groups);

        ParseOutcome outcome = TestData.Parse(TestData.Utf8(Document(record)));
        Assert.That(outcome.Events, Has.Count.EqualTo(expected.Count));

        var tally = new Tally();
        for (int i = 0; i < expected.Count; i++)
        {
            JsonObject actual = outcome.Events[i];
            List<string> differing = tally.Compare(expected[i]!.AsObject(), actual);
            Assert.That(differing, Is.EquivalentTo(new[] { "observer.mac" }), $"sample {i}");
            Assert.That(actual["observer"]!["mac"]!.GetValue<string>(), Is.EqualTo("11-22-33-44-55-66"));
            Assert.That(JsonNode.DeepEquals(JsonNode.Parse(actual["message"]!.GetValue<string>()), raw[i]), $"message of sample {i}");
        }

        TestContext.Out.WriteLine($"VNet seed samples: {tally}");
        Assert.That((tally.Equal, tally.Differing), Is.EqualTo((126, 6)));
    }

    [Test]
    public void NsgSeedSamplesAgreeWithTheIntakesCurrentFormat()
    {
        JsonArray seed = TestData.Json("seeds", "seed-003-nsg.json")["ecs"]!.AsArray();
        Assert.That(seed, Has.Count.EqualTo(3));

        var records = new List<JsonObject>();
        foreach (JsonNode? sample in seed)
        {
            JsonObject message = JsonNode.Parse(sample!["message"]!.GetValue<string>())!.AsObject();
            string tuple = message["flow.0"]!.GetValue<string>();
            int version = tuple.Split(',').Length == 8 ? 1 : 2;
            records.Add(NsgRecord(
                message["time"]!.GetValue<string>(),
                version,
                message["resourceId"]!.GetValue<string>(),
                message["macAddress"]!.GetValue<string>(),
                (message["rule"]!.GetValue<string>(), [tuple])));
        }

        ParseOutcome outcome = TestData.Parse(TestData.Utf8(Document([.. records])));
        Assert.That(outcome.Events, Has.Count.EqualTo(3));

        string[][] expectedDifferences =
        [
            ["@timestamp", "event.start", "source.mac"],
            ["@timestamp", "event.start", "source.mac"],
            ["@timestamp", "event.start", "source.mac", "source.ip", "source.address", "related.ip", "action.properties.FlowState"],
        ];
        HashSet<string>[] excludedFromMessage = [[], [], ["source_addr", "flow_state"]];

        var tally = new Tally();
        for (int i = 0; i < seed.Count; i++)
        {
            JsonObject actual = outcome.Events[i];
            JsonObject intake = CurrentIntakeNsgEvent(seed[i]!.AsObject());
            List<string> differing = tally.Compare(intake, actual);
            Assert.That(differing, Is.EquivalentTo(expectedDifferences[i]), $"sample {i}");
            Assert.That(differing.All(Reasons.ContainsKey));

            // The intake's samples format the message by hand; compare it as JSON, key by key.
            JsonNode expectedMessage = JsonNode.Parse(seed[i]!["message"]!.GetValue<string>())!;
            JsonNode actualMessage = JsonNode.Parse(actual["message"]!.GetValue<string>())!;
            Assert.That(JsonSubset.Differences(expectedMessage, actualMessage, excludedFromMessage[i]), Is.Empty, $"message of sample {i}");
        }

        TestContext.Out.WriteLine($"NSG seed samples: {tally}");
        Assert.That((tally.Equal, tally.Differing), Is.EqualTo((65, 13)));

        // Where our values stand instead.
        JsonObject inbound = outcome.Events[0];
        Assert.Multiple(() =>
        {
            Assert.That(inbound["destination"]!["mac"]!.GetValue<string>(), Is.EqualTo("DB-83-1E-FE-C3-76"), "the NIC is the destination of an inbound flow");
            Assert.That(inbound["source"]!["mac"], Is.Null);
            Assert.That(inbound["@timestamp"]!.GetValue<string>(), Is.EqualTo("2017-05-02T22:25:38.000000Z"));
            Assert.That(inbound["event"]!["created"]!.GetValue<string>(), Is.EqualTo("2020-12-14T22:16:46.3528160Z"));
            Assert.That(outcome.Events[1]["source"]!["mac"]!.GetValue<string>(), Is.EqualTo("DB-83-1E-FE-C3-76"));
            Assert.That(outcome.Events[2]["network"]!["direction"]!.GetValue<string>(), Is.EqualTo("outbound"));
            Assert.That(outcome.Events[2]["action"]!["properties"]!["Version"]!.GetValue<string>(), Is.EqualTo("1"));
        });
    }

    [Test]
    public void NsgContinuingTupleAsTheIntakeMapsIt()
    {
        // The intake's own "continue" sample: C is "continue", counters as written, outcome success, no host.name.
        JsonObject record = NsgRecord("2024-03-18T13:21:42.6259228Z", 2, $"/SUBSCRIPTIONS/{Subscription}/RESOURCEGROUPS/FOO/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/AZNTDC02-NSG", "000D3A124564", ("DefaultRule_AllowVnetInBound", ["1710768066,1.1.1.1,2.2.2.2,35336,53,U,I,A,C,1,99,1,167"]));
        JsonObject e = TestData.Parse(TestData.Utf8(Document(record))).Events.Single();
        var expected = JsonNode.Parse("""
            {
              "event": { "action": "accept", "category": ["network"], "code": "NetworkSecurityGroupFlowEvents", "outcome": "success", "type": ["allowed"] },
              "action": { "name": "accept", "outcome": "success", "target": "network-traffic", "type": "DefaultRule_AllowVnetInBound",
                          "properties": { "FlowState": "continue", "OperationName": "NetworkSecurityGroupFlowEvents", "Version": "2" } },
              "destination": { "address": "2.2.2.2", "bytes": 167, "ip": "2.2.2.2", "packets": 1, "port": 53 },
              "network": { "direction": "inbound", "transport": "udp" },
              "related": { "ip": ["1.1.1.1", "2.2.2.2"] },
              "rule": { "name": "DefaultRule_AllowVnetInBound" },
              "source": { "address": "1.1.1.1", "bytes": 99, "ip": "1.1.1.1", "packets": 1, "port": 35336 }
            }
            """);
        Assert.That(JsonSubset.Differences(expected, e, new HashSet<string>()), Is.Empty);
        Assert.That(e["host"], Is.Null);
        Assert.That(JsonNode.Parse(e["message"]!.GetValue<string>())!["flow_state"]!.GetValue<string>(), Is.EqualTo("continue"));
    }

    [Test]
    public void VNetContinuingTupleIsInfoAsTheIntakeMapsIt()
    {
        JsonObject e = TestData.Parse(TestData.Utf8(Document(SimpleVNet(VNetTuple(state: 'C'))))).Events.Single();
        Assert.That(e["event"]!["type"]!.AsArray().Select(t => t!.GetValue<string>()), Is.EqualTo(new[] { "info" }));
    }

    /// <summary>
    /// What the intake's NSG format ("Azure Network Watcher") makes of a seed 003 sample since it changed: no
    /// <c>event.kind</c> nor <c>host.name</c>; <c>action.properties</c> one object, its <c>FlowState</c> from tuple
    /// field 9 (B begin, C continue, E end) or else the message's <c>flow_state</c>; <c>event.outcome</c> and
    /// <c>action.outcome</c> success; <c>@timestamp</c> and <c>event.start</c> the record's time (to the
    /// microsecond); <c>network.direction</c> from tuple field 7.
    /// </summary>
    private static JsonObject CurrentIntakeNsgEvent(JsonObject seedEvent)
    {
        var e = seedEvent.DeepClone().AsObject();
        JsonObject message = JsonNode.Parse(e["message"]!.GetValue<string>())!.AsObject();
        string[] tuple = message["flow.0"]!.GetValue<string>().Split(',');

        e.Remove("host");
        JsonObject ev = e["event"]!.AsObject();
        ev.Remove("kind");
        ev["outcome"] = "success";

        JsonObject action = e["action"]!.AsObject();
        action["outcome"] = "success";
        JsonObject properties = action["properties"]![0]!.DeepClone().AsObject();
        if (tuple.Length == 13)
        {
            properties["FlowState"] = tuple[8] switch { "B" => "begin", "C" => "continue", _ => "end" };
        }

        action["properties"] = properties;

        string time = DateTimeOffset.Parse(message["time"]!.GetValue<string>(), CultureInfo.InvariantCulture)
            .UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
        e["@timestamp"] = time;
        ev["start"] = time;
        e["network"]!["direction"] = tuple[6] == "I" ? "inbound" : "outbound";
        return e;
    }

    /// <summary>Counts the intake's fields (leaves; an array is one field; <c>message</c> is compared apart).</summary>
    private sealed class Tally
    {
        public int Equal { get; private set; }

        public int Differing { get; private set; }

        public List<string> Compare(JsonObject intake, JsonObject ours)
        {
            var differing = new List<string>();
            Walk(intake, ours, string.Empty, differing);
            return differing;
        }

        public override string ToString() => $"{Equal} intake fields equal, {Differing} differing";

        private void Walk(JsonNode? intake, JsonNode? ours, string path, List<string> differing)
        {
            if (intake is JsonObject obj)
            {
                foreach (var (name, value) in obj)
                {
                    if (path.Length == 0 && name == "message")
                    {
                        continue;
                    }

                    Walk(value, (ours as JsonObject)?[name], path.Length == 0 ? name : $"{path}.{name}", differing);
                }

                return;
            }

            if (JsonNode.DeepEquals(intake, ours))
            {
                Equal++;
            }
            else
            {
                Differing++;
                differing.Add(path);
            }
        }
    }
}
