using System.Text.Json.Nodes;
using FlowLogs.Ecs;
using FlowLogs.Tests.Support;
using static FlowLogs.Tests.Support.FlowLogBuilder;

namespace FlowLogs.Tests.Ecs;

public class EcsEventWriterTests
{
    [Test]
    public void TimestampIsTheTuplesOwnTimeAndCreatedIsTheRecordsTime()
    {
        JsonObject vnet = Single(Document(SimpleVNet(VNetTuple(ms: 1663146003599))));
        JsonObject nsg = Single(Document(SimpleNsg(1, "1542110377,1.1.1.1,10.0.0.4,1,2,T,I,A")));
        Assert.Multiple(() =>
        {
            Assert.That(vnet["@timestamp"]!.GetValue<string>(), Is.EqualTo("2022-09-14T09:00:03.599000Z"));
            Assert.That(vnet["event"]!["created"]!.GetValue<string>(), Is.EqualTo("2022-09-14T09:00:52.5625085Z"));
            Assert.That(nsg["@timestamp"]!.GetValue<string>(), Is.EqualTo("2018-11-13T11:59:37.000000Z"));
        });
    }

    [Test]
    public void RecordTimeWithAnOffsetIsNormalisedToUtc()
    {
        JsonObject record = VNetRecord("2025-04-30T11:07:40.986182+02:00", "AA", "g", ("a", "r", [VNetTuple()]));
        Assert.That(Single(Document(record))["event"]!["created"]!.GetValue<string>(), Is.EqualTo("2025-04-30T09:07:40.9861820Z"));
    }

    [TestCase('B', "start", "accept")]
    [TestCase('C', "info", "accept")]
    [TestCase('E', "end", "accept")]
    [TestCase('D', "denied", "reject")]
    public void VNetStatesGiveTypeAndAction(char state, string type, string action)
    {
        JsonObject e = Single(Document(SimpleVNet(VNetTuple(state: state))));
        Assert.That(e["event"]!["type"]![0]!.GetValue<string>(), Is.EqualTo(type));
        Assert.That(e["event"]!["action"]!.GetValue<string>(), Is.EqualTo(action));
        Assert.That(e["action"]!["name"]!.GetValue<string>(), Is.EqualTo(action));
        Assert.That(e["azure"]!["flow_log"]!["state"]!.GetValue<string>(), Is.EqualTo(state switch { 'B' => "begin", 'C' => "continue", 'E' => "end", _ => "denied" }));
    }

    [Test]
    public void NsgDecisionGivesTypeAndAction()
    {
        JsonObject denied = Single(Document(SimpleNsg(2, "1542110377,1.1.1.1,10.0.0.4,1,2,U,I,D,B,,,,")));
        Assert.That(denied["event"]!["type"]![0]!.GetValue<string>(), Is.EqualTo("denied"));
        Assert.That(denied["event"]!["action"]!.GetValue<string>(), Is.EqualTo("reject"));
        Assert.That(denied["network"]!["transport"]!.GetValue<string>(), Is.EqualTo("udp"));
        Assert.That(denied["network"]!["iana_number"]!.GetValue<string>(), Is.EqualTo("17"));
    }

    [Test]
    public void CountersFillEndpointsAndNetworkTotals()
    {
        JsonObject e = Single(Document(SimpleVNet(VNetTuple(counters: "3,767,2,1580"))));
        Assert.Multiple(() =>
        {
            Assert.That(e["source"]!["packets"]!.GetValue<long>(), Is.EqualTo(3));
            Assert.That(e["source"]!["bytes"]!.GetValue<long>(), Is.EqualTo(767));
            Assert.That(e["destination"]!["packets"]!.GetValue<long>(), Is.EqualTo(2));
            Assert.That(e["destination"]!["bytes"]!.GetValue<long>(), Is.EqualTo(1580));
            Assert.That(e["network"]!["packets"]!.GetValue<long>(), Is.EqualTo(5));
            Assert.That(e["network"]!["bytes"]!.GetValue<long>(), Is.EqualTo(2347));
        });
    }

    [Test]
    public void EmptyVNetCountersAreZeroInTheEventAndInTheMessage()
    {
        JsonObject e = Single(Document(SimpleVNet(VNetTuple(state: 'B', counters: ",,,"))));
        Assert.That(e["source"]!["bytes"]!.GetValue<long>(), Is.Zero);
        string flow = JsonNode.Parse(e["message"]!.GetValue<string>())!["flow.0"]!.GetValue<string>();
        Assert.That(flow, Does.EndWith(",O,B,NX,0,0,0,0"));

        JsonObject partly = Single(Document(SimpleVNet(VNetTuple(state: 'C', counters: "5,,7,"))));
        Assert.That(JsonNode.Parse(partly["message"]!.GetValue<string>())!["flow.0"]!.GetValue<string>(), Does.EndWith(",C,NX,5,0,7,0"));
    }

    [Test]
    public void EmptyNsgCountersAreLeftOutAsTheIntakeDoes()
    {
        JsonObject e = Single(Document(SimpleNsg(2, "1542110377,1.1.1.1,10.0.0.4,1,2,T,I,A,B,,,,")));
        Assert.That(e["source"]!["bytes"], Is.Null);
        Assert.That(e["network"]!["bytes"], Is.Null);
        Assert.That(JsonNode.Parse(e["message"]!.GetValue<string>())!["flow.0"]!.GetValue<string>(), Does.EndWith(",B,,,,"));
    }

    [Test]
    public void IPv6FlowsAreTypedAndHashed()
    {
        JsonObject e = Single(Document(SimpleVNet(VNetTuple(src: "2001:470:e5bf:dead:4957:2174:e82c:4887", dst: "2607:f8b0:400c:c03::1a", sport: 63943, dport: 25))));
        Assert.That(e["network"]!["type"]!.GetValue<string>(), Is.EqualTo("ipv6"));
        Assert.That(e["network"]!["community_id"]!.GetValue<string>(), Is.EqualTo("1:/qFaeAR+gFe1KYjMzVDsMv+wgU4="));
        Assert.That(e["source"]!["ip"]!.GetValue<string>(), Is.EqualTo("2001:470:e5bf:dead:4957:2174:e82c:4887"));
    }

    [TestCase(1, "icmp")]
    [TestCase(58, "ipv6-icmp")]
    [TestCase(47, "gre")]
    public void TransportIsTheIanaKeyword(int protocol, string keyword)
    {
        JsonObject e = Single(Document(SimpleVNet(VNetTuple(proto: protocol, sport: 0, dport: 0))));
        Assert.That(e["network"]!["transport"]!.GetValue<string>(), Is.EqualTo(keyword));
        Assert.That(e["network"]!["iana_number"]!.GetValue<string>(), Is.EqualTo(protocol.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Test]
    public void UnassignedProtocolsHaveANumberButNoTransport()
    {
        JsonObject e = Single(Document(SimpleVNet(VNetTuple(proto: 253))));
        Assert.That(e["network"]!["transport"], Is.Null);
        Assert.That(e["network"]!["iana_number"]!.GetValue<string>(), Is.EqualTo("253"));
    }

    [Test]
    public void RelatedIpsAreSortedAndDistinct()
    {
        JsonObject e = Single(Document(SimpleVNet(VNetTuple(src: "8.7.6.5", dst: "1.2.3.4"))));
        Assert.That(e["related"]!["ip"]!.AsArray().Select(n => n!.GetValue<string>()), Is.EqualTo(new[] { "1.2.3.4", "8.7.6.5" }));
        JsonObject same = Single(Document(SimpleVNet(VNetTuple(src: "1.2.3.4", dst: "1.2.3.4"))));
        Assert.That(same["related"]!["ip"]!.AsArray(), Has.Count.EqualTo(1));
    }

    [Test]
    public void CarriesTheAzureContext()
    {
        JsonObject e = Single(Document(SimpleVNet(VNetTuple())));
        JsonNode flowLog = e["azure"]!["flow_log"]!;
        Assert.Multiple(() =>
        {
            Assert.That(e["cloud"]!["provider"]!.GetValue<string>(), Is.EqualTo("azure"));
            Assert.That(e["cloud"]!["account"]!["id"]!.GetValue<string>(), Is.EqualTo(Subscription.ToLowerInvariant()));
            Assert.That(flowLog["guid"]!.GetValue<string>(), Is.EqualTo("abcdef01-2345-6789-0abc-def012345678"));
            Assert.That(flowLog["resource_id"]!.GetValue<string>(), Does.EndWith("/FLOWLOGS/FL1"));
            Assert.That(flowLog["target_resource_id"]!.GetValue<string>(), Does.EndWith("/virtualNetworks/vnet1"));
            Assert.That(flowLog["acl_id"]!.GetValue<string>(), Is.EqualTo("acl-1"));
            Assert.That(flowLog["version"]!.GetValue<int>(), Is.EqualTo(4));
            Assert.That(flowLog["encryption"]!.GetValue<string>(), Is.EqualTo("NX"));
            Assert.That(e["event"]!["kind"]!.GetValue<string>(), Is.EqualTo("event"));
            Assert.That(e["log"]!["file"]!["path"]!.GetValue<string>(), Is.EqualTo("container/blob/PT1H.json"));
            Assert.That(e["log"]!["offset"]!.GetValue<long>(), Is.EqualTo(12));
        });

        JsonObject nsg = Single(Document(SimpleNsg(2, "1542110377,1.1.1.1,10.0.0.4,1,2,T,I,A,B,,,,")));
        Assert.That(nsg["azure"]!["flow_log"]!["nsg_resource_id"]!.GetValue<string>(), Does.EndWith("/NETWORKSECURITYGROUPS/NSG1"));
        Assert.That(nsg["host"], Is.Null, "an NSG's resource id is not a host name");
    }

    [Test]
    public void RawPayloadIsTheEventsMessage()
    {
        byte[] input = TestData.Bytes("msdocs", "nsg-v2.PT1H.json");
        List<JsonObject> ecs = TestData.Parse(input).Events;
        List<JsonObject> raw = TestData.Parse(input, payload: EventPayload.Raw).Events;
        Assert.That(raw.Select(r => r.ToJsonString()), Is.EqualTo(ecs.Select(e => e["message"]!.GetValue<string>())));
        Assert.That(raw[0]["version"]!.GetValue<string>(), Is.EqualTo("2"));
    }

    private static JsonObject Single(string input)
    {
        ParseOutcome outcome = TestData.Parse(TestData.Utf8(input));
        Assert.That(outcome.Issues, Is.Empty);
        return outcome.Events.Single();
    }
}
