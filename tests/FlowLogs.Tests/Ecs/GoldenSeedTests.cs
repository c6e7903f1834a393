using System.Text.Json.Nodes;
using FlowLogs.Tests.Support;

namespace FlowLogs.Tests.Ecs;

/// <summary>
/// Every field of every ECS event that Sekoia's intake shows for the seed samples (seeds 002 and 003) must be in our
/// event with the same value, the raw samples wrapped into records the way Azure writes them.
/// </summary>
public class GoldenSeedTests
{
    [Test]
    public void VNetSeedSamplesMapToTheIntakesEvents()
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
        JsonObject record = FlowLogBuilder.VNetRecord(
            first["time"]!.GetValue<string>(),
            first["macAddress"]!.GetValue<string>(),
            first["flowLogGUID"]!.GetValue<string>(),
            groups);

        ParseOutcome outcome = TestData.Parse(TestData.Utf8(FlowLogBuilder.Document(record)));

        Assert.That(outcome.Events, Has.Count.EqualTo(expected.Count));
        for (int i = 0; i < expected.Count; i++)
        {
            List<string> differences = JsonSubset.Differences(expected[i], outcome.Events[i], new HashSet<string>());
            Assert.That(differences, Is.Empty, $"sample {i}");
        }
    }

    [Test]
    public void NsgSeedSamplesMapToTheIntakesEvents()
    {
        JsonArray expected = TestData.Json("seeds", "seed-003-nsg.json")["ecs"]!.AsArray();
        Assert.That(expected, Has.Count.EqualTo(3));

        var records = new List<JsonObject>();
        foreach (JsonNode? sample in expected)
        {
            JsonObject message = JsonNode.Parse(sample!["message"]!.GetValue<string>())!.AsObject();
            string tuple = message["flow.0"]!.GetValue<string>();
            int version = tuple.Split(',').Length == 8 ? 1 : 2;
            records.Add(FlowLogBuilder.NsgRecord(
                message["time"]!.GetValue<string>(),
                version,
                message["resourceId"]!.GetValue<string>(),
                message["macAddress"]!.GetValue<string>(),
                (message["rule"]!.GetValue<string>(), [tuple])));
        }

        ParseOutcome outcome = TestData.Parse(TestData.Utf8(FlowLogBuilder.Document([.. records])));
        Assert.That(outcome.Events, Has.Count.EqualTo(3));

        // Sample 3 carries keys Azure never writes (source_addr, flow_state on a v1 tuple); what the intake derives from
        // them is out of scope, and it shows "inbound" for an "O" tuple, where we follow the tuple (docs/ecs-mapping.md).
        HashSet<string>[] excluded =
        [
            ["message"],
            ["message"],
            ["message", "source.ip", "source.address", "related.ip", "action.properties[0].FlowState", "network.direction"],
        ];
        HashSet<string>[] excludedFromMessage = [[], [], ["source_addr", "flow_state"]];

        for (int i = 0; i < expected.Count; i++)
        {
            JsonObject actual = outcome.Events[i];
            Assert.That(JsonSubset.Differences(expected[i], actual, excluded[i]), Is.Empty, $"sample {i}");

            // The intake's samples format the message by hand; compare it as JSON, key by key.
            JsonNode expectedMessage = JsonNode.Parse(expected[i]!["message"]!.GetValue<string>())!;
            JsonNode actualMessage = JsonNode.Parse(actual["message"]!.GetValue<string>())!;
            Assert.That(JsonSubset.Differences(expectedMessage, actualMessage, excludedFromMessage[i]), Is.Empty, $"message of sample {i}");
        }
    }

    [Test]
    public void NsgSampleThreeFollowsTheTupleWhereTheIntakeDiffers()
    {
        JsonArray expected = TestData.Json("seeds", "seed-003-nsg.json")["ecs"]!.AsArray();
        JsonObject message = JsonNode.Parse(expected[2]!["message"]!.GetValue<string>())!.AsObject();
        JsonObject record = FlowLogBuilder.NsgRecord(
            message["time"]!.GetValue<string>(), 1, message["resourceId"]!.GetValue<string>(), message["macAddress"]!.GetValue<string>(),
            (message["rule"]!.GetValue<string>(), [message["flow.0"]!.GetValue<string>()]));

        JsonObject actual = TestData.Parse(TestData.Utf8(FlowLogBuilder.Document(record))).Events.Single();

        Assert.Multiple(() =>
        {
            Assert.That(actual["network"]!["direction"]!.GetValue<string>(), Is.EqualTo("outbound"));
            Assert.That(actual["source"]!["ip"]!.GetValue<string>(), Is.EqualTo("1.2.3.4"));
            Assert.That(actual["action"]!["properties"]![0]!["FlowState"], Is.Null, "a v1 tuple has no flow state");
            Assert.That(actual["action"]!["properties"]![0]!["Version"]!.GetValue<string>(), Is.EqualTo("1"));
        });
    }
}
