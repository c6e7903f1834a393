using System.Globalization;
using System.Text.Json;
using FlowLogs.Parsing;

namespace FlowLogs.Simulation;

/// <summary>
/// Writes realistic flow-log records as Azure does, deterministically from a seed: every flow state, TCP/UDP/ICMP,
/// IPv4 and IPv6, allowed and denied, every encryption value. Used by the tests, the simulator and the benchmarks.
/// </summary>
public sealed class FlowLogGenerator
{
    private static readonly string[] Encryptions = ["NX", "NX", "NX", "X", "NX_HW_NOT_SUPPORTED", "NX_SW_NOT_READY", "NX_NOT_ACCEPTED", "NX_NOT_SUPPORTED", "NX_LOCAL_DST", "NX_FALLBACK"];
    private static readonly string[] AllowRules = ["DefaultRule_AllowInternetOutBound", "DefaultRule_AllowVnetOutBound", "UserRule_AllowHttpsInbound"];
    private static readonly string[] DenyRules = ["DefaultRule_DenyAllInBound", "UserRule_BlockHighRiskTCPPortsFromInternet"];
    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true };

    private readonly Random _random;

    /// <summary>Creates a generator; the same seed gives the same bytes.</summary>
    public FlowLogGenerator(int seed) => _random = new Random(seed);

    /// <summary>Number of tuples written so far.</summary>
    public long TuplesWritten { get; private set; }

    /// <summary>Writes one record: the flows of <paramref name="nic"/> during the minute starting at <paramref name="minute"/>.</summary>
    /// <param name="writer">Receives one JSON object.</param>
    /// <param name="kind">NSG (version 2) or VNet (version 4).</param>
    /// <param name="nic">The NIC.</param>
    /// <param name="minute">Start of the minute the tuples fall in.</param>
    /// <param name="tuples">Number of tuples, spread over rules (and ACLs for VNet).</param>
    public void WriteRecord(Utf8JsonWriter writer, FlowLogKind kind, SimulatedNic nic, DateTimeOffset minute, int tuples)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(nic);
        ArgumentOutOfRangeException.ThrowIfNegative(tuples);

        string time = (minute + TimeSpan.FromSeconds(59.5)).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
        writer.WriteStartObject();
        writer.WriteString("time"u8, time);
        if (kind == FlowLogKind.VirtualNetwork)
        {
            writer.WriteNumber("flowLogVersion"u8, 4);
            writer.WriteString("flowLogGUID"u8, nic.FlowLogGuid);
            writer.WriteString("macAddress"u8, nic.MacAddress);
            writer.WriteString("category"u8, "FlowLogFlowEvent"u8);
            writer.WriteString("flowLogResourceID"u8, nic.FlowLogResourceId);
            writer.WriteString("targetResourceID"u8, nic.TargetResourceId);
            writer.WriteString("operationName"u8, "FlowLogFlowEvent"u8);
            writer.WriteStartObject("flowRecords"u8);
            writer.WriteStartArray("flows"u8);

            // Allowed flows under the NSG's ACL, denied ones under another; each with rule groups.
            int denied = tuples / 5;
            WriteVNetAcl(writer, nic.NsgResourceId, AllowRules, tuples - denied, nic, minute, deny: false);
            WriteVNetAcl(writer, nic.NsgResourceId + "/SECURITYRULES/DENY", DenyRules, denied, nic, minute, deny: true);
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        else
        {
            writer.WriteString("systemId"u8, nic.FlowLogGuid);
            writer.WriteString("macAddress"u8, nic.MacAddress);
            writer.WriteString("category"u8, "NetworkSecurityGroupFlowEvent"u8);
            writer.WriteString("resourceId"u8, nic.NsgResourceId);
            writer.WriteString("operationName"u8, "NetworkSecurityGroupFlowEvents"u8);
            writer.WriteStartObject("properties"u8);
            writer.WriteNumber("Version"u8, 2);
            writer.WriteStartArray("flows"u8);
            int denied = tuples / 5;
            WriteNsgRules(writer, AllowRules, tuples - denied, nic, minute, deny: false);
            WriteNsgRules(writer, DenyRules, denied, nic, minute, deny: true);
            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    /// <summary>Writes a whole PT1H.json of <paramref name="records"/> records of one NIC, one per minute.</summary>
    public void WriteDocument(Stream output, FlowLogKind kind, SimulatedNic nic, DateTimeOffset hour, int records, int tuplesPerRecord)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.Write("{\"records\":["u8);
        using var writer = new Utf8JsonWriter(output, WriterOptions);
        for (int i = 0; i < records; i++)
        {
            if (i > 0)
            {
                writer.Flush();
                output.WriteByte((byte)',');
                writer.Reset(output);
            }

            WriteRecord(writer, kind, nic, hour + TimeSpan.FromMinutes(i % 60), tuplesPerRecord);
        }

        writer.Flush();
        output.Write("]}"u8);
    }

    private void WriteVNetAcl(Utf8JsonWriter writer, string aclId, string[] rules, int tuples, SimulatedNic nic, DateTimeOffset minute, bool deny)
    {
        if (tuples == 0)
        {
            return;
        }

        writer.WriteStartObject();
        writer.WriteString("aclID"u8, aclId);
        writer.WriteStartArray("flowGroups"u8);
        WriteGroups(writer, rules, tuples, nic, minute, deny, FlowLogKind.VirtualNetwork, "rule"u8);
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private void WriteNsgRules(Utf8JsonWriter writer, string[] rules, int tuples, SimulatedNic nic, DateTimeOffset minute, bool deny)
    {
        if (tuples == 0)
        {
            return;
        }

        WriteGroups(writer, rules, tuples, nic, minute, deny, FlowLogKind.NetworkSecurityGroup, "rule"u8);
    }

    private void WriteGroups(Utf8JsonWriter writer, string[] rules, int tuples, SimulatedNic nic, DateTimeOffset minute, bool deny, FlowLogKind kind, ReadOnlySpan<byte> ruleName)
    {
        int groups = Math.Min(rules.Length, Math.Max(1, tuples / 8));
        int left = tuples;
        Span<char> tuple = stackalloc char[256];
        for (int g = 0; g < groups; g++)
        {
            int count = g == groups - 1 ? left : tuples / groups;
            left -= count;
            writer.WriteStartObject();
            writer.WriteString(ruleName, rules[g]);
            if (kind == FlowLogKind.NetworkSecurityGroup)
            {
                writer.WriteStartArray("flows"u8);
                writer.WriteStartObject();
                writer.WriteString("mac"u8, nic.MacAddress);
            }

            writer.WriteStartArray("flowTuples"u8);
            for (int i = 0; i < count; i++)
            {
                int length = FormatTuple(tuple, kind, nic, minute, deny);
                writer.WriteStringValue(tuple[..length]);
                TuplesWritten++;
            }

            writer.WriteEndArray();
            if (kind == FlowLogKind.NetworkSecurityGroup)
            {
                writer.WriteEndObject();
                writer.WriteEndArray();
            }

            writer.WriteEndObject();
        }
    }

    private int FormatTuple(Span<char> destination, FlowLogKind kind, SimulatedNic nic, DateTimeOffset minute, bool deny)
    {
        long ms = minute.ToUnixTimeMilliseconds() + _random.Next(60_000);
        bool ipv6 = _random.Next(20) == 0;
        bool inbound = deny || _random.Next(3) == 0;
        string local = ipv6 ? nic.PrivateAddressV6 : nic.PrivateAddress;
        string remote = ipv6
            ? string.Create(CultureInfo.InvariantCulture, $"2001:db8:{_random.Next(0x10000):x}::{_random.Next(0x10000):x}")
            : string.Create(CultureInfo.InvariantCulture, $"{_random.Next(1, 224)}.{_random.Next(256)}.{_random.Next(256)}.{_random.Next(1, 255)}");
        int roll = _random.Next(10);
        int protocol = roll < 7 ? 6 : roll < 9 ? 17 : ipv6 ? 58 : 1;
        bool icmp = protocol is 1 or 58;
        int ephemeral = icmp ? 0 : _random.Next(1024, 65536);
        int service = icmp ? 0 : protocol == 17 ? 53 : _random.Next(4) switch { 0 => 22, 1 => 80, 2 => 443, _ => 3389 };
        (string src, string dst, int sport, int dport) = inbound ? (remote, local, ephemeral, service) : (local, remote, ephemeral, service);
        char direction = inbound ? 'I' : 'O';

        // B, C and E in the proportions of a busy NIC; deny tuples carry no counters.
        int stateRoll = _random.Next(10);
        char state = deny ? (kind == FlowLogKind.VirtualNetwork ? 'D' : 'B') : stateRoll < 4 ? 'B' : stateRoll < 6 ? 'C' : 'E';
        bool counters = state is 'C' or 'E';
        long packetsOut = counters ? _random.Next(1, 5000) : 0;
        long bytesOut = packetsOut * _random.Next(60, 1500);
        long packetsIn = counters ? _random.Next(1, 5000) : 0;
        long bytesIn = packetsIn * _random.Next(60, 1500);

        int written;
        if (kind == FlowLogKind.VirtualNetwork)
        {
            string encryption = Encryptions[_random.Next(Encryptions.Length)];
            string counterText = counters
                ? string.Create(CultureInfo.InvariantCulture, $"{packetsOut},{bytesOut},{packetsIn},{bytesIn}")
                : _random.Next(2) == 0 ? "0,0,0,0" : ",,,";
            destination.TryWrite(CultureInfo.InvariantCulture, $"{ms},{src},{dst},{sport},{dport},{protocol},{direction},{state},{encryption},{counterText}", out written);
        }
        else
        {
            // NSG tuples name only TCP and UDP.
            char transport = protocol == 17 ? 'U' : 'T';
            char decision = deny ? 'D' : 'A';
            string counterText = counters ? string.Create(CultureInfo.InvariantCulture, $"{packetsOut},{bytesOut},{packetsIn},{bytesIn}") : ",,,";
            destination.TryWrite(CultureInfo.InvariantCulture, $"{ms / 1000},{src},{dst},{sport},{dport},{transport},{direction},{decision},{state},{counterText}", out written);
        }

        return written;
    }
}
