using System.Text;
using FlowLogs.Ecs;
using FlowLogs.Parsing;
using FlowLogs.Sinks.Sekoia;

namespace FlowLogs.Tests.Sinks;

/// <summary>Which intake each kind of flow log goes to and in which shape, per payload and NSG intake key; and how a tuple's text tells its form.</summary>
public class IntakeRoutesTests
{
    [TestCase(EventPayload.Raw, null, FlowLogKind.VirtualNetwork, "FlowLogs", "Raw")]
    [TestCase(EventPayload.Raw, null, FlowLogKind.NetworkSecurityGroup, "FlowLogs", "Translated")]
    [TestCase(EventPayload.Raw, "nsg-key", FlowLogKind.VirtualNetwork, "FlowLogs", "Raw")]
    [TestCase(EventPayload.Raw, "nsg-key", FlowLogKind.NetworkSecurityGroup, "Nsg", "Raw")]
    [TestCase(EventPayload.Raw, "  ", FlowLogKind.NetworkSecurityGroup, "FlowLogs", "Translated")]
    [TestCase(EventPayload.Ecs, null, FlowLogKind.VirtualNetwork, "FlowLogs", "Ecs")]
    [TestCase(EventPayload.Ecs, null, FlowLogKind.NetworkSecurityGroup, "FlowLogs", "Ecs")]
    public void EachKindGoesWhereTheSettingsSay(EventPayload payload, string? nsgKey, FlowLogKind kind, string intake, string shape)
    {
        var routes = IntakeRoutes.From(new SekoiaIntakeOptions { IntakeKey = "key", NsgIntakeKey = nsgKey ?? string.Empty, Payload = payload });
        Assert.That(routes.For(kind), Is.EqualTo(new IntakeRoute(Enum.Parse<SekoiaIntake>(intake), Enum.Parse<EventShape>(shape))));
    }

    [Test]
    public void AnNsgIntakeTakesTheRawPayloadOnly()
        => Assert.That(() => new IntakeRoutes(EventPayload.Ecs, nsgIntake: true), Throws.ArgumentException);

    [Test]
    public void EachRouteIsDescribedWithTheSettingOfItsKeyAndTheFormat()
    {
        var translated = new IntakeRoutes(EventPayload.Raw, nsgIntake: false);
        var own = new IntakeRoutes(EventPayload.Raw, nsgIntake: true);
        var ecs = new IntakeRoutes(EventPayload.Ecs, nsgIntake: false);
        Assert.Multiple(() =>
        {
            Assert.That(translated.Describe(FlowLogKind.VirtualNetwork), Is.EqualTo("VNet flow-log tuples go to the intake of FlowLogs:Sekoia:IntakeKey as written, for the \"Azure Network Watcher Flow Logs\" format"));
            Assert.That(translated.Describe(FlowLogKind.NetworkSecurityGroup), Is.EqualTo("NSG flow-log tuples go to the intake of FlowLogs:Sekoia:IntakeKey translated into the \"Azure Network Watcher Flow Logs\" format (FlowLogs:Sekoia:NsgIntakeKey is not set)"));
            Assert.That(own.Describe(FlowLogKind.NetworkSecurityGroup), Is.EqualTo("NSG flow-log tuples go to the intake of FlowLogs:Sekoia:NsgIntakeKey as written, for the \"Azure Network Watcher\" format"));
            Assert.That(ecs.Describe(FlowLogKind.NetworkSecurityGroup), Does.StartWith("NSG flow-log tuples go to the intake of FlowLogs:Sekoia:IntakeKey as ECS events"));
        });
    }

    [TestCase("1487282421,192.0.2.95,10.1.0.4,51529,5358,T,I,D", true, TestName = "NSG v1 (8 fields)")]
    [TestCase("1542110377,13.67.143.118,10.0.0.4,44931,443,T,I,A,B,,,,", true, TestName = "NSG v2, T")]
    [TestCase("1542110377,10.0.0.4,10.0.0.5,50011,53,U,O,A,E,3,270,2,280", true, TestName = "NSG v2, U")]
    [TestCase("1542110377,10.0.0.4,10.0.0.5,0,0,1,O,A,C,2,168,2,168", true, TestName = "NSG v2, numeric protocol, allowed")]
    [TestCase("1542110377,10.0.0.4,10.0.0.5,0,0,1,O,D,B,,,,", true, TestName = "NSG v2, numeric protocol, denied begin")]
    [TestCase("1663146003599,10.0.0.6,52.239.184.180,23956,443,6,O,B,NX,0,0,0,0", false, TestName = "VNet")]
    [TestCase("1663145998065,8.7.6.5,1.2.3.4,55188,22,6,I,D,NX,,,,", false, TestName = "VNet denied, empty counters")]
    [TestCase("1542110377000,198.51.100.7,10.0.0.4,61000,22,6,I,D,,0,0,0,0", false, TestName = "a translated NSG tuple")]
    [TestCase("1487282370000,192.0.2.17,10.1.0.4,61771,3389,6,I,C,,0,0,0,0", false, TestName = "a translated NSG v1 tuple")]
    public void ATuplesTextTellsItsForm(string tuple, bool nsg)
        => Assert.That(TupleForm.IsNsg(Encoding.ASCII.GetBytes(tuple)), Is.EqualTo(nsg));

    [TestCase("1542110377,13.67.143.118,10.0.0.4,44931,443,T,I,A,B,,,,", true)]
    [TestCase("1487282421,192.0.2.95,10.1.0.4,51529,5358,U,I,D", true)]
    [TestCase("1542110377,10.0.0.4,10.0.0.5,0,0,1,O,A,C,2,168,2,168", false)]
    [TestCase("1542110377,10.0.0.4,10.0.0.5,0,0,17,O,A,C,2,168,2,168", false)]
    [TestCase("1542110377,10.0.0.4", false)]
    public void OnlyTAndUAreProtocolsTheNsgFormatReads(string tuple, bool letter)
        => Assert.That(TupleForm.HasLetterProtocol(Encoding.ASCII.GetBytes(tuple)), Is.EqualTo(letter));

    [TestCase("{\"time\":\"t\",\"flow.0\":\"1,2\",\"version\":\"2\"}", "1,2")]
    [TestCase("{\"flow.0\":\"a\\u002Cb\"}", "a,b")]
    [TestCase("{\"message\":\"{\\\"flow.0\\\":\\\"x\\\"}\",\"event\":{\"kind\":\"event\"}}", null)]
    [TestCase("{\"flow.0\":7}", null)]
    [TestCase("[1,2]", null)]
    [TestCase("not json", null)]
    public void TheFlowOfARawRecordIsFoundAtItsTopLevelOnly(string json, string? flow)
    {
        byte[]? found = TupleForm.FlowOf(Encoding.UTF8.GetBytes(json));
        Assert.That(found is null ? null : Encoding.UTF8.GetString(found), Is.EqualTo(flow));
    }
}
