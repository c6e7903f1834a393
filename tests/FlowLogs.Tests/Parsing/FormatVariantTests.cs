using System.Text.Json.Nodes;
using FlowLogs.BlobSource;
using FlowLogs.Tests.Support;
using static FlowLogs.Tests.Support.FlowLogBuilder;

namespace FlowLogs.Tests.Parsing;

/// <summary>The variants of the format that Azure and Microsoft's own samples write: each is read.</summary>
public class FormatVariantTests
{
    private const string FlowLogId = "/SUBSCRIPTIONS/0A1B2C3D-0000-1111-2222-333344445555/RESOURCEGROUPS/NETWORKWATCHERRG/PROVIDERS/MICROSOFT.NETWORK/NETWORKWATCHERS/NETWORKWATCHER_EASTUS2/FLOWLOGS/MYVNET-MYRG-FLOWLOG";
    private const string NsgId = "/subscriptions/0a1b2c3d-0000-1111-2222-333344445555/resourceGroups/myRG/providers/Microsoft.Network/networkSecurityGroups/myNSG";

    // The shape of Microsoft's 2025 VNet flow log tutorial sample: 'resourceId' names the flow log, no
    // 'targetResourceID', an NSG id as aclID and 10-digit tuple times.
    private static readonly string TutorialRecord = $$$"""
        {"time":"2025-04-22T20:03:11.9964514Z","flowLogVersion":4,"flowLogGUID":"66aa66aa-bb77-cc88-dd99-00ee00ee00ee",
         "macAddress":"6045BDA78D1C","category":"FlowLogFlowEvent","resourceId":"{{{FlowLogId}}}","operationName":"FlowLogFlowEvent",
         "flowRecords":{"flows":[
           {"aclID":"{{{NsgId}}}","flowGroups":[{"rule":"DefaultRule_AllowInternetOutBound","flowTuples":["1745352180,10.0.0.4,13.107.21.200,50432,443,6,O,B,NX,0,0,0,0"]}]},
           {"aclID":"unspecified","flowGroups":[{"rule":"Encryption_Deny","flowTuples":["1745352181,10.0.0.4,10.1.0.5,50433,443,6,O,D,NX_NOT_ACCEPTED,,,,"]}]}]}}
        """;

    [Test]
    public void VNetRecordWithResourceIdAndNoTargetIsRead()
    {
        ParseOutcome outcome = TestData.Parse(TestData.Utf8("{\"records\":[" + TutorialRecord + "]}"));
        Assert.That(outcome.Issues, Is.Empty);
        Assert.That(outcome.Events, Has.Count.EqualTo(2));
        JsonObject e = outcome.Events[0];
        JsonNode flowLog = e["azure"]!["flow_log"]!;
        Assert.Multiple(() =>
        {
            Assert.That(flowLog["kind"]!.GetValue<string>(), Is.EqualTo("vnet"));
            Assert.That(flowLog["resource_id"]!.GetValue<string>(), Is.EqualTo(FlowLogId));
            Assert.That(flowLog["nsg_resource_id"], Is.Null, "resourceId of a VNet record is the flow log, not an NSG");
            Assert.That(flowLog["target_resource_id"], Is.Null);
            Assert.That(e["cloud"]!["account"]!["id"]!.GetValue<string>(), Is.EqualTo("0a1b2c3d-0000-1111-2222-333344445555"));
            Assert.That(e["@timestamp"]!.GetValue<string>(), Is.EqualTo("2025-04-22T20:03:00.000000Z"));
        });
    }

    [Test]
    public void AclIdAsAFullNsgIdOrUnspecifiedIsKept()
    {
        ParseOutcome outcome = TestData.Parse(TestData.Utf8("{\"records\":[" + TutorialRecord + "]}"));
        Assert.Multiple(() =>
        {
            Assert.That(outcome.Events[0]["azure"]!["flow_log"]!["acl_id"]!.GetValue<string>(), Is.EqualTo(NsgId));
            Assert.That(JsonNode.Parse(outcome.Events[0]["message"]!.GetValue<string>())!["aclID"]!.GetValue<string>(), Is.EqualTo(NsgId));
            Assert.That(outcome.Events[1]["azure"]!["flow_log"]!["acl_id"]!.GetValue<string>(), Is.EqualTo("unspecified"));
            Assert.That(outcome.Events[1]["azure"]!["flow_log"]!["encryption"]!.GetValue<string>(), Is.EqualTo("NX_NOT_ACCEPTED"));
            Assert.That(outcome.Events[1]["event"]!["type"]![0]!.GetValue<string>(), Is.EqualTo("denied"));
        });
    }

    [Test]
    public void AVNetRecordWithBothIdsKeepsFlowLogResourceId()
    {
        JsonObject record = SimpleVNet(VNetTuple());
        record["resourceId"] = "/SUBSCRIPTIONS/X/OTHER";
        JsonObject e = TestData.Parse(TestData.Utf8(Document(record))).Events.Single();
        Assert.That(e["azure"]!["flow_log"]!["resource_id"]!.GetValue<string>(), Does.EndWith("/FLOWLOGS/FL1"));
        Assert.That(e["azure"]!["flow_log"]!["nsg_resource_id"], Is.Null);
    }

    [TestCase(1663146003599L, "2022-09-14T09:00:03.599000Z")]
    [TestCase(1663146003L, "2022-09-14T09:00:03.000000Z")]
    public void VNetTupleTimesInMillisecondsOrSeconds(long time, string timestamp)
    {
        JsonObject e = TestData.Parse(TestData.Utf8(Document(SimpleVNet(VNetTuple(ms: time))))).Events.Single();
        Assert.That(e["@timestamp"]!.GetValue<string>(), Is.EqualTo(timestamp));
    }

    [TestCase("1542110377", "2018-11-13T11:59:37.000000Z")]
    [TestCase("1542110377250", "2018-11-13T11:59:37.250000Z")]
    public void NsgTupleTimesInSecondsOrMilliseconds(string time, string timestamp)
    {
        JsonObject e = TestData.Parse(TestData.Utf8(Document(SimpleNsg(2, $"{time},1.1.1.1,10.0.0.4,1,2,T,I,A,B,,,,")))).Events.Single();
        Assert.That(e["@timestamp"]!.GetValue<string>(), Is.EqualTo(timestamp));
    }

    [TestCase("B", "0,0,0,0")]
    [TestCase("B", ",,,")]
    [TestCase("D", "0,0,0,0")]
    [TestCase("D", ",,,")]
    public void VNetBeginAndDenyCountersZeroOrEmpty(string state, string counters)
    {
        ParseOutcome outcome = TestData.Parse(TestData.Utf8(Document(SimpleVNet(VNetTuple(state: state[0], counters: counters)))));
        Assert.That(outcome.Issues, Is.Empty);
        Assert.That(outcome.Events.Single()["network"]!["packets"]!.GetValue<long>(), Is.Zero);
    }

    // The three layouts Microsoft documents for VNet flow log blobs (CLI/PowerShell, then the two portal ones).
    [TestCase("flowLogResourceID=/SUBSCRIPTIONS/0A1B2C3D-0000-1111-2222-333344445555/RESOURCEGROUPS/NETWORKWATCHERRG/PROVIDERS/MICROSOFT.NETWORK/NETWORKWATCHERS/NETWORKWATCHER_EASTUS2/FLOWLOGS/MYFLOWLOG/y=2025/m=04/d=22/h=20/m=00/macAddress=6045BDA78D1C/PT1H.json")]
    [TestCase("flowLogResourceID=/0A1B2C3D-0000-1111-2222-333344445555_NETWORKWATCHERRG/NETWORKWATCHER_EASTUS2_MYVNET-MYRG-FLOWLOG/y=2025/m=04/d=22/h=20/m=00/macAddress=6045BDA78D1C/PT1H.json")]
    [TestCase("flowLogResourceID=/SUBSCRIPTIONS/0A1B2C3D-0000-1111-2222-333344445555_NETWORKWATCHERRG/NETWORKWATCHER_EASTUS2_MYVNET-MYRG-FLOWLOG/y=2025/m=04/d=22/h=20/m=00/macAddress=6045BDA78D1C/PT1H.json")]
    public void EveryVNetBlobLayoutGivesHourAndMacAndTheRecordGivesTheIds(string path)
    {
        string blob = "insights-logs-flowlogflowevent/" + path;
        Assert.That(BlobPath.TryParse(blob, out BlobPath parsed), Is.True);
        Assert.That(parsed.Hour, Is.EqualTo(new DateTimeOffset(2025, 4, 22, 20, 0, 0, TimeSpan.Zero)));
        Assert.That(parsed.MacAddress, Is.EqualTo("6045BDA78D1C"));

        // Whatever the path holds, resource ids come from the record.
        JsonObject e = TestData.Parse(TestData.Utf8("{\"records\":[" + TutorialRecord + "]}"), source: blob).Events[0];
        Assert.Multiple(() =>
        {
            Assert.That(e["azure"]!["flow_log"]!["resource_id"]!.GetValue<string>(), Is.EqualTo(FlowLogId));
            Assert.That(e["cloud"]!["account"]!["id"]!.GetValue<string>(), Is.EqualTo("0a1b2c3d-0000-1111-2222-333344445555"));
            Assert.That(e["log"]!["file"]!["path"]!.GetValue<string>(), Is.EqualTo(blob));
        });
    }

    [Test]
    public void NsgBlobLayoutGivesHourAndMac()
    {
        const string Blob = "insights-logs-networksecuritygroupflowevent/resourceId=/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/NSG1/y=2018/m=11/d=13/h=12/m=00/macAddress=000D3AF87856/PT1H.json";
        Assert.That(BlobPath.TryParse(Blob, out BlobPath parsed), Is.True);
        Assert.That((parsed.Hour, parsed.MacAddress), Is.EqualTo((new DateTimeOffset(2018, 11, 13, 12, 0, 0, TimeSpan.Zero), "000D3AF87856")));
    }

    [Test]
    public void VNetAndNsgLogsOfOneFlowShareCommunityIdAndSecond()
    {
        // Both kinds enabled on one subnet log the same flow twice: community_id plus the tuple's second pairs them.
        JsonObject vnet = TestData.Parse(TestData.Utf8(Document(SimpleVNet(VNetTuple(ms: 1542110377123, src: "10.0.0.4", dst: "1.1.1.1", sport: 50000, dport: 443, state: 'B', counters: ",,,"))))).Events.Single();
        JsonObject nsg = TestData.Parse(TestData.Utf8(Document(SimpleNsg(2, "1542110377,10.0.0.4,1.1.1.1,50000,443,T,O,A,B,,,,")))).Events.Single();
        Assert.That(vnet["network"]!["community_id"]!.GetValue<string>(), Is.EqualTo(nsg["network"]!["community_id"]!.GetValue<string>()));
        Assert.That(vnet["@timestamp"]!.GetValue<string>()[..19], Is.EqualTo(nsg["@timestamp"]!.GetValue<string>()[..19]));
        Assert.That(vnet["event"]!["dataset"]!.GetValue<string>(), Is.Not.EqualTo(nsg["event"]!["dataset"]!.GetValue<string>()));
    }
}
