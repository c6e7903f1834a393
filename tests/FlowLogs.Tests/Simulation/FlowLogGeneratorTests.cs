using System.Text.Json.Nodes;
using FlowLogs.Parsing;
using FlowLogs.Simulation;
using FlowLogs.Tests.Support;

namespace FlowLogs.Tests.Simulation;

public class FlowLogGeneratorTests
{
    [TestCase(FlowLogKind.VirtualNetwork)]
    [TestCase(FlowLogKind.NetworkSecurityGroup)]
    public void WritesValidRecordsWithARealisticMix(FlowLogKind kind)
    {
        using var document = new MemoryStream();
        var generator = new FlowLogGenerator(seed: 11);
        generator.WriteDocument(document, kind, new SimulatedNic(3), new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero), records: 60, tuplesPerRecord: 50);

        ParseOutcome outcome = TestData.Parse(document.ToArray());

        Assert.That(outcome.Issues, Is.Empty);
        Assert.That(outcome.Events, Has.Count.EqualTo(60 * 50));
        Assert.That(generator.TuplesWritten, Is.EqualTo(60 * 50));
        HashSet<string> Values(Func<JsonObject, JsonNode?> field) => [.. outcome.Events.Select(e => field(e)?.GetValue<string>() ?? "-")];
        Assert.Multiple(() =>
        {
            Assert.That(Values(e => e["network"]!["transport"]), Is.SupersetOf(kind == FlowLogKind.VirtualNetwork ? new[] { "tcp", "udp", "icmp", "ipv6-icmp" } : ["tcp", "udp"]));
            Assert.That(Values(e => e["network"]!["type"]), Is.EquivalentTo(new[] { "ipv4", "ipv6" }));
            Assert.That(Values(e => e["event"]!["action"]), Is.EquivalentTo(new[] { "accept", "reject" }));
            Assert.That(Values(e => e["network"]!["direction"]), Is.EquivalentTo(new[] { "inbound", "outbound" }));
            Assert.That(Values(e => e["azure"]!["flow_log"]!["state"]), Is.SupersetOf(new[] { "begin", "continue", "end" }));
            if (kind == FlowLogKind.VirtualNetwork)
            {
                Assert.That(Values(e => e["azure"]!["flow_log"]!["encryption"]), Has.Count.EqualTo(8));
            }
        });
    }

    [Test]
    public void TheSameSeedWritesTheSameBytes()
    {
        byte[] Write(int seed)
        {
            using var document = new MemoryStream();
            new FlowLogGenerator(seed).WriteDocument(document, FlowLogKind.VirtualNetwork, new SimulatedNic(1), DateTimeOffset.UnixEpoch, 5, 10);
            return document.ToArray();
        }

        byte[] first = Write(5);
        byte[] again = Write(5);
        Assert.That(again, Is.EqualTo(first));
        Assert.That(Write(6), Is.Not.EqualTo(first));
    }
}
