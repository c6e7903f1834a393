using System.Text.Json.Nodes;
using FlowLogs.Ecs;
using FlowLogs.Tests.Support;
using static FlowLogs.Tests.Support.FlowLogBuilder;

namespace FlowLogs.Tests.Ecs;

/// <summary>Where ECS or Microsoft's format says more than the intake does: MACs, counters, encryption, raw times.</summary>
public class EcsFieldRulesTests
{
    [TestCase('I', "destination", "source")]
    [TestCase('O', "source", "destination")]
    public void VNetNicMacIsOnTheNicsSideInEcsForm(char direction, string nicSide, string otherSide)
    {
        JsonObject e = Single(Document(SimpleVNet(VNetTuple(dir: direction))));
        Assert.Multiple(() =>
        {
            Assert.That(e[nicSide]!["mac"]!.GetValue<string>(), Is.EqualTo("00-22-48-71-C2-05"));
            Assert.That(e[otherSide]!["mac"], Is.Null, "the peer's MAC is not in the record");
            Assert.That(e["observer"]!["mac"]!.GetValue<string>(), Is.EqualTo("00-22-48-71-C2-05"));
            Assert.That(e["azure"]!["flow_log"]!["mac_address"]!.GetValue<string>(), Is.EqualTo("00224871C205"), "raw value kept");
            Assert.That(JsonNode.Parse(e["message"]!.GetValue<string>())!["macAddress"]!.GetValue<string>(), Is.EqualTo("00224871C205"));
        });
    }

    [Test]
    public void NsgInboundTupleFromTheInternetDoesNotGetTheVmsMacAsSource()
    {
        JsonObject e = Single(Document(SimpleNsg(2, "1542110377,203.0.113.9,10.0.0.4,55000,22,T,I,D,B,,,,")));
        Assert.That(e["source"]!["mac"], Is.Null);
        Assert.That(e["destination"]!["mac"]!.GetValue<string>(), Is.EqualTo("00-0D-3A-F8-78-56"));
        Assert.That(JsonNode.Parse(e["message"]!.GetValue<string>())!["macAddress"]!.GetValue<string>(), Is.EqualTo("000D3AF87856"));
    }

    [TestCase("00224871c205", "00-22-48-71-C2-05")]
    [TestCase("00-22-48-71-c2-05", "00-22-48-71-C2-05")]
    [TestCase("00:22:48:71:C2:05", "00-22-48-71-C2-05")]
    [TestCase("000D124564789", null)]
    [TestCase("00-22:48-71-C2-05", null)]
    [TestCase("0022487G C205", null)]
    [TestCase("", null)]
    public void MacsAreFormattedOrLeftOut(string raw, string? ecs)
    {
        Span<byte> destination = stackalloc byte[EcsMac.Length];
        bool ok = EcsMac.TryFormat(System.Text.Encoding.ASCII.GetBytes(raw), destination);
        Assert.That(ok ? System.Text.Encoding.ASCII.GetString(destination) : null, Is.EqualTo(ecs));
    }

    [Test]
    public void AMacThatIsNotOneStaysRawOnly()
    {
        JsonObject e = Single(Document(VNetRecord("2022-09-14T09:00:52Z", "000D124564789", "g", ("a", "r", [VNetTuple()]))));
        Assert.That(e["observer"], Is.Null);
        Assert.That(e["source"]!["mac"], Is.Null);
        Assert.That(e["azure"]!["flow_log"]!["mac_address"]!.GetValue<string>(), Is.EqualTo("000D124564789"));
    }

    [Test]
    public void TotalsSaturateInsteadOfGoingNegative()
    {
        const string Max = "9223372036854775807";
        JsonObject vnet = Single(Document(SimpleVNet(VNetTuple(counters: $"{Max},{Max},{Max},{Max}"))));
        JsonObject nsg = Single(Document(SimpleNsg(2, $"1542110377,1.1.1.1,10.0.0.4,1,2,T,I,A,E,{Max},{Max},1,{Max}")));
        Assert.Multiple(() =>
        {
            Assert.That(vnet["network"]!["bytes"]!.GetValue<long>(), Is.EqualTo(long.MaxValue));
            Assert.That(vnet["network"]!["packets"]!.GetValue<long>(), Is.EqualTo(long.MaxValue));
            Assert.That(vnet["source"]!["bytes"]!.GetValue<long>(), Is.EqualTo(long.MaxValue));
            Assert.That(nsg["network"]!["bytes"]!.GetValue<long>(), Is.EqualTo(long.MaxValue));
            Assert.That(nsg["network"]!["packets"]!.GetValue<long>(), Is.EqualTo(long.MaxValue));
        });
    }

    [Test]
    public void NsgCountersLeftEmptyAreLeftOutOneByOne()
    {
        JsonObject e = Single(Document(SimpleNsg(2, "1542110377,1.1.1.1,10.0.0.4,1,2,T,I,A,C,5,,7,")));
        Assert.Multiple(() =>
        {
            Assert.That(e["source"]!["packets"]!.GetValue<long>(), Is.EqualTo(5));
            Assert.That(e["source"]!["bytes"], Is.Null);
            Assert.That(e["destination"]!["packets"]!.GetValue<long>(), Is.EqualTo(7));
            Assert.That(e["destination"]!["bytes"], Is.Null);
            Assert.That(e["network"]!["packets"]!.GetValue<long>(), Is.EqualTo(12));
            Assert.That(e["network"]!["bytes"], Is.Null);
            Assert.That(JsonNode.Parse(e["message"]!.GetValue<string>())!["flow.0"]!.GetValue<string>(), Does.EndWith(",C,5,,7,"));
        });

        JsonObject zeros = Single(Document(SimpleNsg(2, "1542110377,1.1.1.1,10.0.0.4,1,2,T,I,A,B,0,0,0,0")));
        Assert.That(zeros["source"]!["bytes"]!.GetValue<long>(), Is.Zero, "a written 0 is a value, not an empty field");
        Assert.That(zeros["network"]!["bytes"]!.GetValue<long>(), Is.Zero);
    }

    [TestCase("0,0,0,0")]
    [TestCase(",,,")]
    public void VNetZeroAndEmptyCountersGiveTheSameEvent(string counters)
    {
        JsonObject e = Single(Document(SimpleVNet(VNetTuple(state: 'B', counters: counters))));
        Assert.Multiple(() =>
        {
            Assert.That(e["source"]!["packets"]!.GetValue<long>(), Is.Zero);
            Assert.That(e["source"]!["bytes"]!.GetValue<long>(), Is.Zero);
            Assert.That(e["destination"]!["packets"]!.GetValue<long>(), Is.Zero);
            Assert.That(e["destination"]!["bytes"]!.GetValue<long>(), Is.Zero);
            Assert.That(e["network"]!["bytes"]!.GetValue<long>(), Is.Zero);
            Assert.That(JsonNode.Parse(e["message"]!.GetValue<string>())!["flow.0"]!.GetValue<string>(), Does.EndWith(",B,NX,0,0,0,0"));
        });
    }

    [TestCase("X", true)]
    [TestCase("NX", false)]
    [TestCase("NX_HW_NOT_SUPPORTED", false)]
    [TestCase("NX_SW_NOT_READY", false)]
    [TestCase("NX_NOT_ACCEPTED", false)]
    [TestCase("NX_NOT_SUPPORTED", false)]
    [TestCase("NX_LOCAL_DST", false)]
    [TestCase("NX_FALLBACK", false)]
    public void EncryptionIsKeptVerbatimAndAsABoolean(string encryption, bool encrypted)
    {
        JsonObject e = Single(Document(SimpleVNet(VNetTuple(enc: encryption))));
        Assert.Multiple(() =>
        {
            Assert.That(e["azure"]!["flow_log"]!["encryption"]!.GetValue<string>(), Is.EqualTo(encryption));
            Assert.That(e["azure"]!["flow_log"]!["encrypted"]!.GetValue<bool>(), Is.EqualTo(encrypted));
            Assert.That(e["action"]!["properties"]!["FlowEncryption"]!.GetValue<string>(), Is.EqualTo(encryption), "the intake's field");
        });
    }

    [Test]
    public void NsgEventsHaveNoEncryptionFields()
    {
        JsonObject e = Single(Document(SimpleNsg(2, "1542110377,1.1.1.1,10.0.0.4,1,2,T,I,A,B,,,,")));
        Assert.That(e["azure"]!["flow_log"]!["encrypted"], Is.Null);
        Assert.That(e["azure"]!["flow_log"]!["encryption"], Is.Null);
    }

    [Test]
    public void RawPayloadCarriesAVNetTimeInSecondsAsMilliseconds()
    {
        // Microsoft's bandwidth example and 2025 tutorial write 10-digit seconds; the intake reads field 1 as milliseconds.
        byte[] input = TestData.Utf8(Document(SimpleVNet(
            VNetTuple(ms: 1663146003, state: 'B', counters: ",,,"),
            VNetTuple(ms: 1663146004, state: 'E', counters: "3,767,2,1580"),
            VNetTuple(ms: 1663146005599, state: 'E'))));
        List<JsonObject> raw = TestData.Parse(input, payload: EventPayload.Raw).Events;
        List<JsonObject> ecs = TestData.Parse(input).Events;
        Assert.Multiple(() =>
        {
            Assert.That(raw.Select(r => r["flow.0"]!.GetValue<string>()), Is.EqualTo(new[]
            {
                "1663146003000,10.0.0.6,52.239.184.180,23956,443,6,O,B,NX,0,0,0,0",
                "1663146004000,10.0.0.6,52.239.184.180,23956,443,6,O,E,NX,3,767,2,1580",
                "1663146005599,10.0.0.6,52.239.184.180,23956,443,6,O,E,NX,3,767,2,1580",
            }));
            Assert.That(ecs.Select(e => e["@timestamp"]!.GetValue<string>()), Is.EqualTo(new[]
            {
                "2022-09-14T09:00:03.000000Z", "2022-09-14T09:00:04.000000Z", "2022-09-14T09:00:05.599000Z",
            }));
            Assert.That(ecs.Select(e => e["message"]!.GetValue<string>()), Is.EqualTo(raw.Select(r => r.ToJsonString())), "the message is the raw record");
        });
    }

    [Test]
    public void NsgRawTimeStaysAsWrittenBecauseTheIntakeDatesNsgEventsByTheRecord()
    {
        JsonObject raw = TestData.Parse(TestData.Utf8(Document(SimpleNsg(1, "1542110377,1.1.1.1,10.0.0.4,1,2,T,I,A"))), payload: EventPayload.Raw).Events.Single();
        Assert.That(raw["flow.0"]!.GetValue<string>(), Is.EqualTo("1542110377,1.1.1.1,10.0.0.4,1,2,T,I,A"));
    }

    [Test]
    public void NsgActionPropertiesIsOneObjectForBothVersions()
    {
        JsonObject v1 = Single(Document(SimpleNsg(1, "1542110377,1.1.1.1,10.0.0.4,1,2,T,I,A")));
        JsonObject v2 = Single(Document(SimpleNsg(2, "1542110377,1.1.1.1,10.0.0.4,1,2,T,I,A,E,1,2,3,4")));
        Assert.Multiple(() =>
        {
            Assert.That(JsonNode.DeepEquals(v1["action"]!["properties"], JsonNode.Parse("""{"OperationName":"NetworkSecurityGroupFlowEvents","Version":"1"}""")));
            Assert.That(JsonNode.DeepEquals(v2["action"]!["properties"], JsonNode.Parse("""{"FlowState":"end","OperationName":"NetworkSecurityGroupFlowEvents","Version":"2"}""")));
            Assert.That(v2["event"]!["outcome"]!.GetValue<string>(), Is.EqualTo("success"));
            Assert.That(v2["action"]!["outcome"]!.GetValue<string>(), Is.EqualTo("success"));
            Assert.That(v2["host"], Is.Null);
            Assert.That(v2["event"]!["created"]!.GetValue<string>(), Is.EqualTo("2018-11-13T12:00:35.3899262Z"), "the record's time, which the intake uses as @timestamp");
            Assert.That(v2["@timestamp"]!.GetValue<string>(), Is.EqualTo("2018-11-13T11:59:37.000000Z"), "the tuple's time");
        });
    }

    private static JsonObject Single(string input)
    {
        ParseOutcome outcome = TestData.Parse(TestData.Utf8(input));
        Assert.That(outcome.Issues, Is.Empty);
        return outcome.Events.Single();
    }
}
