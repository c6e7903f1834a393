using System.Net;
using System.Text;
using FlowLogs.Parsing;

namespace FlowLogs.Tests.Parsing;

public class IPAddressBytesTests
{
    [TestCase("0.0.0.0")]
    [TestCase("10.0.0.6")]
    [TestCase("255.255.255.255")]
    [TestCase("::")]
    [TestCase("::1")]
    [TestCase("1::")]
    [TestCase("fe80::1:2")]
    [TestCase("2001:db8::8a2e:370:7334")]
    [TestCase("2001:0db8:0000:0000:0000:ff00:0042:8329")]
    [TestCase("2607:f8b0:400c:c03::1a")]
    [TestCase("::ffff:192.0.2.128")]
    [TestCase("64:ff9b::10.0.0.1")]
    [TestCase("1:2:3:4:5:6:7:8")]
    [TestCase("1:2:3:4:5:6:7::")]
    [TestCase("::2:3:4:5:6:7:8")]
    [TestCase("ABCD:EF01::")]
    public void ParsesLikeSystemNet(string text)
    {
        Assert.That(IPAddressBytes.TryParse(Encoding.ASCII.GetBytes(text), out IPAddressBytes parsed), Is.True);
        byte[] expected = IPAddress.Parse(text).GetAddressBytes();
        var actual = new byte[16];
        int length = parsed.CopyTo(actual);
        Assert.That(actual[..length], Is.EqualTo(expected));
        Assert.That(parsed.IsIPv6, Is.EqualTo(expected.Length == 16));
    }

    [TestCase("")]
    [TestCase("1.2.3")]
    [TestCase("1.2.3.4.5")]
    [TestCase("256.1.1.1")]
    [TestCase("01.2.3.4")]
    [TestCase("1.2.3.4 ")]
    [TestCase("1..3.4")]
    [TestCase("a.b.c.d")]
    [TestCase(":")]
    [TestCase(":::")]
    [TestCase("1:::2")]
    [TestCase("1::2::3")]
    [TestCase("1:2:3:4:5:6:7:8:9")]
    [TestCase("1:2:3:4:5:6:7")]
    [TestCase("12345::")]
    [TestCase("g::1")]
    [TestCase("1:")]
    [TestCase("fe80::1%eth0")]
    [TestCase("::ffff:1.2.3")]
    [TestCase("1:2:3:4:5:6:7:1.2.3.4")]
    public void RefusesInvalidText(string text)
    {
        Assert.That(IPAddressBytes.TryParse(Encoding.ASCII.GetBytes(text), out _), Is.False);
    }

    [Test]
    public void ComparesAsUnsignedNetworkOrderBytes()
    {
        Assert.That(IPAddressBytes.TryParse("1.2.3.4"u8, out IPAddressBytes low), Is.True);
        Assert.That(IPAddressBytes.TryParse("200.0.0.1"u8, out IPAddressBytes high), Is.True);
        Assert.That(low.CompareTo(high), Is.Negative);
        Assert.That(high.CompareTo(low), Is.Positive);
        Assert.That(low.CompareTo(low), Is.Zero);
    }
}
