using System.Text;
using FlowLogs.Parsing;

namespace FlowLogs.Tests.Parsing;

public class FlowTupleParserTests
{
    [Test]
    public void ParsesAVNetTuple()
    {
        FlowTuple t = ParseOk("1663146003606,10.0.0.6,52.239.184.180,23956,443,6,O,E,NX,3,767,2,1580", FlowLogKind.VirtualNetwork, 4);
        Assert.Multiple(() =>
        {
            Assert.That(t.RawTimestamp, Is.EqualTo(1663146003606));
            Assert.That(t.TimestampMilliseconds, Is.EqualTo(1663146003606));
            Assert.That(t.SourcePort, Is.EqualTo(23956));
            Assert.That(t.DestinationPort, Is.EqualTo(443));
            Assert.That(t.Protocol, Is.EqualTo(6));
            Assert.That(t.Direction, Is.EqualTo(FlowDirection.Outbound));
            Assert.That(t.State, Is.EqualTo(FlowState.End));
            Assert.That(t.Decision, Is.EqualTo(FlowDecision.Allowed));
            Assert.That(t.HasCounters, Is.True);
            Assert.That((t.PacketsSent, t.BytesSent, t.PacketsReceived, t.BytesReceived), Is.EqualTo((3L, 767L, 2L, 1580L)));
        });
    }

    [Test]
    public void TellsSecondsFromMillisecondsByMagnitude()
    {
        FlowTuple seconds = ParseOk("1663146003,10.0.0.6,1.1.1.1,1,2,6,O,B,NX,,,,", FlowLogKind.VirtualNetwork, 4);
        FlowTuple millis = ParseOk("1663146003000,10.0.0.6,1.1.1.1,1,2,6,O,B,NX,,,,", FlowLogKind.VirtualNetwork, 4);
        Assert.That(seconds.TimestampMilliseconds, Is.EqualTo(1663146003000));
        Assert.That(millis.TimestampMilliseconds, Is.EqualTo(1663146003000));
    }

    [Test]
    public void EmptyCountersAreZeroAndMarked()
    {
        FlowTuple t = ParseOk("1663146003599,10.0.0.6,1.1.1.1,1,2,6,O,B,NX,,,,", FlowLogKind.VirtualNetwork, 4);
        Assert.That(t.HasCounters, Is.False);
        Assert.That(t.EmptyCounterMask, Is.EqualTo(0b1111));
        Assert.That(t.BytesSent + t.BytesReceived + t.PacketsSent + t.PacketsReceived, Is.Zero);

        FlowTuple partly = ParseOk("1663146003599,10.0.0.6,1.1.1.1,1,2,6,O,C,NX,5,,7,", FlowLogKind.VirtualNetwork, 4);
        Assert.That(partly.HasCounters, Is.True);
        Assert.That(partly.EmptyCounterMask, Is.EqualTo(0b1010));
    }

    [TestCase("X")]
    [TestCase("NX")]
    [TestCase("NX_HW_NOT_SUPPORTED")]
    [TestCase("NX_SW_NOT_READY")]
    [TestCase("NX_NOT_ACCEPTED")]
    [TestCase("NX_NOT_SUPPORTED")]
    [TestCase("NX_LOCAL_DST")]
    [TestCase("NX_FALLBACK")]
    public void AcceptsEveryEncryptionValue(string encryption)
    {
        string text = $"1663146003599,10.0.0.6,1.1.1.1,1,2,6,O,D,{encryption},0,0,0,0";
        FlowTuple t = ParseOk(text, FlowLogKind.VirtualNetwork, 4);
        Assert.That(Encoding.ASCII.GetString(Encoding.ASCII.GetBytes(text).AsSpan(t.Encryption.Start, t.Encryption.Length)), Is.EqualTo(encryption));
        Assert.That(t.Decision, Is.EqualTo(FlowDecision.Denied));
    }

    [Test]
    public void ParsesNsgVersionOneAndTwo()
    {
        FlowTuple v1 = ParseOk("1542110377,13.67.143.118,10.0.0.4,44931,443,T,I,A", FlowLogKind.NetworkSecurityGroup, 1);
        Assert.That((v1.Protocol, v1.Direction, v1.Decision, v1.State, v1.HasCounters), Is.EqualTo(((byte)6, FlowDirection.Inbound, FlowDecision.Allowed, FlowState.None, false)));
        Assert.That(v1.TimestampMilliseconds, Is.EqualTo(1542110377000));

        FlowTuple v2 = ParseOk("1542110402,192.0.2.190,10.5.16.4,28746,443,U,I,D,B,,,,", FlowLogKind.NetworkSecurityGroup, 2);
        Assert.That((v2.Protocol, v2.Decision, v2.State, v2.HasCounters), Is.EqualTo(((byte)17, FlowDecision.Denied, FlowState.Begin, false)));

        FlowTuple continuing = ParseOk("1542110402,10.0.0.4,10.0.0.5,1,2,T,O,A,C,30,16978,24,14008", FlowLogKind.NetworkSecurityGroup, 2);
        Assert.That((continuing.State, continuing.PacketsSent, continuing.BytesReceived), Is.EqualTo((FlowState.Continuing, 30L, 14008L)));
    }

    [Test]
    public void ParsesIPv6AndIcmp()
    {
        FlowTuple t = ParseOk("1663146003599,2001:db8::1,2001:db8::2,128,0,58,I,B,NX,,,,", FlowLogKind.VirtualNetwork, 4);
        Assert.That(t.SourceAddress.IsIPv6, Is.True);
        Assert.That(t.Protocol, Is.EqualTo(58));
    }

    [TestCase("1663146003599,10.0.0.6,1.1.1.1,1,2,6,O,B,NX,0,0,0", 4, "12 fields, expected 13")]
    [TestCase("1663146003599,10.0.0.6,1.1.1.1,1,2,6,O,B,NX,0,0,0,0,0", 4, "more than 13 fields")]
    [TestCase("x663146003599,10.0.0.6,1.1.1.1,1,2,6,O,B,NX,0,0,0,0", 4, "field 1 (time)")]
    [TestCase("-1,10.0.0.6,1.1.1.1,1,2,6,O,B,NX,0,0,0,0", 4, "field 1 (time)")]
    [TestCase("99999999999999999,10.0.0.6,1.1.1.1,1,2,6,O,B,NX,0,0,0,0", 4, "after the year 9999")]
    [TestCase("99999999999999999999,10.0.0.6,1.1.1.1,1,2,6,O,B,NX,0,0,0,0", 4, "field 1 (time)")]
    [TestCase("1663146003599,10.0.0.256,1.1.1.1,1,2,6,O,B,NX,0,0,0,0", 4, "field 2 (source IP)")]
    [TestCase("1663146003599,10.0.0.6,nope,1,2,6,O,B,NX,0,0,0,0", 4, "field 3 (destination IP)")]
    [TestCase("1663146003599,10.0.0.6,::1,1,2,6,O,B,NX,0,0,0,0", 4, "mix an IPv4 and an IPv6")]
    [TestCase("1663146003599,10.0.0.6,1.1.1.1,65536,2,6,O,B,NX,0,0,0,0", 4, "field 4 (source port)")]
    [TestCase("1663146003599,10.0.0.6,1.1.1.1,1,-2,6,O,B,NX,0,0,0,0", 4, "field 5 (destination port)")]
    [TestCase("1663146003599,10.0.0.6,1.1.1.1,1,2,256,O,B,NX,0,0,0,0", 4, "field 6 (protocol)")]
    [TestCase("1663146003599,10.0.0.6,1.1.1.1,1,2,6,X,B,NX,0,0,0,0", 4, "field 7 (direction)")]
    [TestCase("1663146003599,10.0.0.6,1.1.1.1,1,2,6,O,Q,NX,0,0,0,0", 4, "field 8 (flow state)")]
    [TestCase("1663146003599,10.0.0.6,1.1.1.1,1,2,6,O,B,nx,0,0,0,0", 4, "field 9 (encryption)")]
    [TestCase("1663146003599,10.0.0.6,1.1.1.1,1,2,6,O,B,NX,a,0,0,0", 4, "field 10 (packets sent)")]
    [TestCase("1663146003599,10.0.0.6,1.1.1.1,1,2,6,O,B,NX,0,1e3,0,0", 4, "field 11 (bytes sent)")]
    [TestCase("1663146003599,10.0.0.6,1.1.1.1,1,2,6,O,B,NX,0,0,0,99999999999999999999", 4, "field 13 (bytes received)")]
    public void ReportsWhatIsWrongWithAVNetTuple(string text, int version, string reason)
    {
        Assert.That(ParseError(text, FlowLogKind.VirtualNetwork, version), Does.Contain(reason));
    }

    [TestCase("1542110377,13.67.143.118,10.0.0.4,44931,443,T,I,A,B,,,,", 1, "13 fields, expected 8")]
    [TestCase("1542110377,13.67.143.118,10.0.0.4,44931,443,T,I,A", 2, "8 fields, expected 13")]
    [TestCase("1542110377,13.67.143.118,10.0.0.4,44931,443,Z,I,A", 1, "field 6 (protocol) is not T, U")]
    [TestCase("1542110377,13.67.143.118,10.0.0.4,44931,443,T,I,X", 1, "field 8 (decision)")]
    [TestCase("1542110377,13.67.143.118,10.0.0.4,44931,443,T,I,A,D,,,,", 2, "field 9 (flow state)")]
    public void ReportsWhatIsWrongWithAnNsgTuple(string text, int version, string reason)
    {
        Assert.That(ParseError(text, FlowLogKind.NetworkSecurityGroup, version), Does.Contain(reason));
    }

    [Test]
    public void RefusesOverlongTuples()
    {
        string text = "1663146003599,10.0.0.6,1.1.1.1,1,2,6,O,B,NX,0,0,0," + new string('1', 600);
        Assert.That(ParseError(text, FlowLogKind.VirtualNetwork, 4), Does.Contain("more than the 512"));
    }

    private static FlowTuple ParseOk(string text, FlowLogKind kind, int version)
    {
        var tuple = default(FlowTuple);
        string? error = FlowTupleParser.TryParse(Encoding.ASCII.GetBytes(text), kind, version, 0, ref tuple);
        Assert.That(error, Is.Null);
        return tuple;
    }

    private static string ParseError(string text, FlowLogKind kind, int version)
    {
        var tuple = default(FlowTuple);
        string? error = FlowTupleParser.TryParse(Encoding.ASCII.GetBytes(text), kind, version, 0, ref tuple);
        Assert.That(error, Is.Not.Null, "the tuple should have been refused");
        return error!;
    }
}
