using System.Text;

namespace FlowLogs.Ecs;

/// <summary>IANA protocol numbers as ECS <c>network.transport</c> keywords and <c>network.iana_number</c> strings.</summary>
internal static class IanaProtocol
{
    private static readonly byte[]?[] Names = BuildNames();
    private static readonly byte[][] Numbers = BuildNumbers();

    /// <summary>The lower-case IANA keyword (tcp, udp, icmp, ipv6-icmp, …), or empty for an unassigned number.</summary>
    public static ReadOnlySpan<byte> Keyword(byte protocol) => Names[protocol];

    /// <summary>The number as decimal text.</summary>
    public static ReadOnlySpan<byte> Number(byte protocol) => Numbers[protocol];

    private static byte[][] BuildNumbers()
    {
        var numbers = new byte[256][];
        for (int i = 0; i < numbers.Length; i++)
        {
            numbers[i] = Encoding.ASCII.GetBytes(i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return numbers;
    }

    private static byte[]?[] BuildNames()
    {
        var names = new byte[]?[256];
        (int Number, string Keyword)[] known =
        [
            (0, "hopopt"), (1, "icmp"), (2, "igmp"), (3, "ggp"), (4, "ipv4"), (5, "st"), (6, "tcp"), (8, "egp"),
            (9, "igp"), (17, "udp"), (27, "rdp"), (33, "dccp"), (41, "ipv6"), (43, "ipv6-route"), (44, "ipv6-frag"),
            (46, "rsvp"), (47, "gre"), (50, "esp"), (51, "ah"), (58, "ipv6-icmp"), (59, "ipv6-nonxt"), (60, "ipv6-opts"),
            (88, "eigrp"), (89, "ospf"), (94, "ipip"), (97, "etherip"), (98, "encap"), (103, "pim"), (108, "ipcomp"),
            (112, "vrrp"), (115, "l2tp"), (124, "isis"), (132, "sctp"), (136, "udplite"), (137, "mpls-in-ip"),
        ];
        foreach ((int number, string keyword) in known)
        {
            names[number] = Encoding.ASCII.GetBytes(keyword);
        }

        return names;
    }
}
