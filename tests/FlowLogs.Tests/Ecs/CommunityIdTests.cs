using System.Text;
using FlowLogs.Ecs;
using FlowLogs.Parsing;

namespace FlowLogs.Tests.Ecs;

public class CommunityIdTests
{
    // The published vectors of the Community ID specification (corelight/community-id-spec).
    [TestCase("1.2.3.4", "5.6.7.8", 1122, 3344, 6, 0, "1:wCb3OG7yAFWelaUydu0D+125CLM=")]
    [TestCase("5.6.7.8", "1.2.3.4", 3344, 1122, 6, 0, "1:wCb3OG7yAFWelaUydu0D+125CLM=")]
    [TestCase("1.2.3.4", "5.6.7.8", 1122, 3344, 17, 0, "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=")]
    [TestCase("1.2.3.4", "5.6.7.8", 1122, 3344, 132, 0, "1:EKt4MsxuyaE6mL+hmrEkQ9csDD8=")]
    [TestCase("1.2.3.4", "5.6.7.8", 1122, 3344, 6, 1, "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=")]
    [TestCase("1.2.3.4", "5.6.7.8", 0, 0, 46, 0, "1:ikv3kmf89luf73WPz1jOs49S768=")]
    [TestCase("1.2.3.4", "5.6.7.8", 8, 0, 1, 0, "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=")]
    [TestCase("128.232.110.120", "66.35.250.204", 34855, 80, 6, 0, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=")]
    [TestCase("192.168.1.52", "8.8.8.8", 54585, 53, 17, 0, "1:d/FP5EW3wiY1vCndhwleRRKHowQ=")]
    [TestCase("2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a", 63943, 25, 6, 0, "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=")]
    public void MatchesThePublishedVectors(string source, string destination, int sourcePort, int destinationPort, int protocol, int seed, string expected)
    {
        Assert.That(Compute(source, destination, sourcePort, destinationPort, protocol, seed), Is.EqualTo(expected));
    }

    [Test]
    public void EchoRequestAndReplyShareAnId()
    {
        string request = Compute("1.2.3.4", "5.6.7.8", 8, 0, 1, 0);
        string reply = Compute("5.6.7.8", "1.2.3.4", 0, 0, 1, 0);
        Assert.That(reply, Is.EqualTo(request));
    }

    [Test]
    public void OneWayIcmpKeepsItsDirection()
    {
        // Destination unreachable (type 3) is one-way: the endpoints are not reordered, so the two directions differ.
        string forward = Compute("5.6.7.8", "1.2.3.4", 3, 1, 1, 0);
        string backward = Compute("1.2.3.4", "5.6.7.8", 3, 1, 1, 0);
        Assert.That(forward, Is.Not.EqualTo(backward));
    }

    private static string Compute(string source, string destination, int sourcePort, int destinationPort, int protocol, int seed)
    {
        Assert.That(IPAddressBytes.TryParse(Encoding.ASCII.GetBytes(source), out IPAddressBytes s), Is.True);
        Assert.That(IPAddressBytes.TryParse(Encoding.ASCII.GetBytes(destination), out IPAddressBytes d), Is.True);
        Span<byte> id = stackalloc byte[CommunityId.Length];
        int length = CommunityId.Write(s, d, (ushort)sourcePort, (ushort)destinationPort, (byte)protocol, (ushort)seed, id);
        return Encoding.ASCII.GetString(id[..length]);
    }
}
