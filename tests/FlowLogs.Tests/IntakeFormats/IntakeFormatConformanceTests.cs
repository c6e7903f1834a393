using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using FlowLogs.Ecs;
using FlowLogs.Parsing;
using FlowLogs.Simulation;
using FlowLogs.Sinks;
using FlowLogs.Sinks.Sekoia;
using FlowLogs.Tests.Support;
using static FlowLogs.Tests.Support.FlowLogBuilder;

namespace FlowLogs.Tests.IntakeFormats;

/// <summary>
/// Every record the Raw payload produces, for every fixture and variant of the format, through the grok pattern of
/// the intake it is routed to (<see cref="SekoiaFormats"/>), with and without an NSG intake: every one parses in full.
/// For NSG tuples translated into the Flow Logs format, what that format then sets is compared with what the NSG
/// format sets for the tuple as written: equal, or different in one of the ways docs/ecs-mapping.md lists.
/// </summary>
public class IntakeFormatConformanceTests
{
    private static readonly string[] Encryptions = ["X", "NX", "NX_HW_NOT_SUPPORTED", "NX_SW_NOT_READY", "NX_NOT_ACCEPTED", "NX_NOT_SUPPORTED", "NX_LOCAL_DST", "NX_FALLBACK"];

    // Fields the Flow Logs format sets differently from the NSG format for a translated NSG tuple, and why; the
    // document lists the same (docs/ecs-mapping.md, "NSG tuples translated for the Flow Logs format").
    private static readonly Dictionary<string, string> Differences = new()
    {
        ["@timestamp"] = "the tuple's time (when the flow was seen), not the record's (when Azure wrote the minute)",
        ["event.start"] = "the NSG format copies the record's time there; the Flow Logs format sets none",
        ["event.type"] = "allowed becomes start, info or end by the flow's state (info for v1); denied stays denied",
        ["event.action"] = "the Flow Logs format sets no action: the decision is in event.type (denied or not)",
        ["action.name"] = "as event.action",
        ["action.outcome"] = "as event.action",
        ["event.outcome"] = "as event.action",
        ["action.type"] = "the rule is in rule.name only",
        ["action.properties.FlowState"] = "the state is in event.type; the record's flow_state key keeps the word",
        ["action.properties.Version"] = "the record's version key keeps it",
        ["network.transport"] = "the protocol is in network.iana_number (6 for T, 17 for U)",
        ["network.iana_number"] = "as network.transport",
        ["source.mac"] = "the NIC's MAC is in observer.mac, on no side of the flow",
        ["observer.mac"] = "as source.mac",
        ["source.packets"] = "an empty counter is 0, not absent",
        ["source.bytes"] = "an empty counter is 0, not absent",
        ["destination.packets"] = "an empty counter is 0, not absent",
        ["destination.bytes"] = "an empty counter is 0, not absent",
    };

    public static IEnumerable<TestCaseData> Inputs() => AllInputs().Select(i => new TestCaseData(i.Name).SetName($"Every event of {i.Name} parses at its intake"));

    [TestCaseSource(nameof(Inputs))]
    public void EveryEventParsesInFullWithThePatternOfTheIntakeItIsRoutedTo(string name)
    {
        (_, FlowLogKind kind, byte[] document) = AllInputs().Single(i => i.Name == name);
        foreach (bool nsgIntake in new[] { true, false })
        {
            List<RoutedEvent> events = Route(document, nsgIntake);
            Assert.That(events, Is.Not.Empty);
            foreach (RoutedEvent e in events)
            {
                bool numericNsgProtocol = kind == FlowLogKind.NetworkSecurityGroup && !TupleForm.HasLetterProtocol(Encoding.ASCII.GetBytes(e.Original));
                SekoiaIntake expected = kind == FlowLogKind.NetworkSecurityGroup && nsgIntake ? SekoiaIntake.Nsg : SekoiaIntake.FlowLogs;
                Assert.That(e.Intake, Is.EqualTo(expected), e.Json);
                if (e.Unsendable is not null)
                {
                    // The one tuple a route cannot carry: a numeric protocol for the NSG format; dead-lettered, named.
                    Assert.That(nsgIntake && numericNsgProtocol, Is.True, e.Unsendable);
                    Assert.That(SekoiaFormats.NsgParses(e.Flow), Is.False);
                    Assert.That(e.Unsendable, Does.Contain("FlowLogs:Sekoia:NsgIntakeKey"));
                    continue;
                }

                FormatOutput output = e.Intake == SekoiaIntake.Nsg ? SekoiaFormats.Nsg(e.Json) : SekoiaFormats.FlowLogs(e.Json);
                Assert.That(output.Parsed, Is.True, $"{(e.Intake == SekoiaIntake.Nsg ? "NSG" : "Flow Logs")} format, {nsgIntake}: {e.Flow}");
                Assert.That(output.Text("source.ip"), Is.Not.Null, e.Json);
            }
        }
    }

    [Test]
    public void EveryEventOfEveryInputParsesAtItsIntake()
    {
        // The totals the issue asks for, counted over every input.
        var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach ((string _, FlowLogKind kind, byte[] document) in AllInputs())
        {
            foreach (bool nsgIntake in new[] { true, false })
            {
                foreach (RoutedEvent e in Route(document, nsgIntake))
                {
                    bool parsed = e.Unsendable is null && (e.Intake == SekoiaIntake.Nsg ? SekoiaFormats.NsgParses(e.Flow) : SekoiaFormats.FlowLogsParses(e.Flow));
                    string key = $"{(nsgIntake ? "with" : "without")} NsgIntakeKey: {(kind == FlowLogKind.VirtualNetwork ? "VNet" : "NSG")} → {e.Intake} intake, {(e.Unsendable is not null ? "dead-lettered" : parsed ? "parsed" : "NOT PARSED")}";
                    counts[key] = counts.GetValueOrDefault(key) + 1;
                }
            }
        }

        foreach ((string key, int count) in counts)
        {
            TestContext.Out.WriteLine($"{count,6}  {key}");
        }

        Assert.That(counts.Keys, Has.None.Contains("NOT PARSED"));
        Assert.That(counts.Where(c => c.Key.Contains("dead-lettered", StringComparison.Ordinal)).Sum(c => c.Value), Is.EqualTo(NumericProtocolTuples));
    }

    [Test]
    public void TranslatedNsgTuplesSetWhatTheNsgFormatSetsOrDifferAsDocumented()
    {
        int compared = 0;
        var differing = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach ((string name, FlowLogKind kind, byte[] document) in AllInputs().Where(i => i.Kind == FlowLogKind.NetworkSecurityGroup))
        {
            List<RoutedEvent> asWritten = Route(document, nsgIntake: true);
            List<RoutedEvent> translated = Route(document, nsgIntake: false);
            Assert.That(translated, Has.Count.EqualTo(asWritten.Count));
            for (int i = 0; i < translated.Count; i++)
            {
                FormatOutput nsg = SekoiaFormats.Nsg(asWritten[i].Json);
                FormatOutput flowLogs = SekoiaFormats.FlowLogs(translated[i].Json);
                Assert.That(flowLogs.Parsed, Is.True, translated[i].Flow);
                if (!nsg.Parsed)
                {
                    // A numeric protocol: the NSG format cannot read the tuple at all, so there is nothing to compare.
                    Assert.That(TupleForm.HasLetterProtocol(Encoding.ASCII.GetBytes(asWritten[i].Flow)), Is.False, asWritten[i].Flow);
                    continue;
                }

                string where = $"{name}: {asWritten[i].Flow} → {translated[i].Flow}";
                foreach (string field in nsg.Fields.Keys.Union(flowLogs.Fields.Keys).Where(f => !Same(nsg, flowLogs, f)))
                {
                    Assert.That(Differences, Contains.Key(field), $"{where}: {field} is {flowLogs.Text(field) ?? "absent"}, the NSG format sets {nsg.Text(field) ?? "nothing"}");
                    differing[field] = differing.GetValueOrDefault(field) + 1;
                }

                AssertDocumentedRelations(nsg, flowLogs, asWritten[i].Flow, where);
                compared++;
            }
        }

        TestContext.Out.WriteLine($"{compared} translated NSG tuples compared; fields differing as documented: {string.Join(", ", differing.Select(d => $"{d.Key} {d.Value}"))}");
        Assert.That(compared, Is.GreaterThan(1000));
        Assert.That(differing.Keys, Does.Not.Contain("source.ip").And.Not.Contain("destination.port").And.Not.Contain("network.direction"));
    }

    [Test]
    public void VNetTuplesTheFormatCouldNotReadAsWrittenAreStoredAsDocumented()
    {
        // Microsoft's samples: a time in seconds, empty counters (begin and deny tuples).
        string json = Route(TestData.Utf8(Document(SimpleVNet(
            VNetTuple(ms: 1745352181, state: 'D', enc: "NX_NOT_ACCEPTED", counters: ",,,"),
            VNetTuple(ms: 1663146003606, state: 'C', counters: "3,,2,")))), nsgIntake: false)[0].Json;
        FormatOutput output = SekoiaFormats.FlowLogs(json);
        Assert.That(output.Parsed, Is.True);
        Assert.Multiple(() =>
        {
            Assert.That(output.Text("@timestamp"), Is.EqualTo("2025-04-22T20:03:01.000000Z"), "seconds sent as milliseconds: the same instant");
            Assert.That(output.Fields["source.packets"].GetValue<long>(), Is.Zero, "an empty counter is stored as 0");
            Assert.That(output.Fields["destination.bytes"].GetValue<long>(), Is.Zero);
            Assert.That(output.Text("event.type"), Does.Contain("denied"));
            Assert.That(output.Text("action.properties.FlowEncryption"), Is.EqualTo("NX_NOT_ACCEPTED"));
        });

        FormatOutput partial = SekoiaFormats.FlowLogs(Route(TestData.Utf8(Document(SimpleVNet(VNetTuple(ms: 1663146003606, state: 'C', counters: "3,,2,")))), nsgIntake: false)[0].Json);
        Assert.That((partial.Fields["source.packets"].GetValue<long>(), partial.Fields["source.bytes"].GetValue<long>(), partial.Fields["destination.packets"].GetValue<long>()), Is.EqualTo((3L, 0L, 2L)));
    }

    // The relations docs/ecs-mapping.md states for the fields that differ.
    private static void AssertDocumentedRelations(FormatOutput nsg, FormatOutput flowLogs, string tuple, string where)
    {
        string[] fields = tuple.Split(',');
        Assert.Multiple(() =>
        {
            Assert.That(flowLogs.Text("network.iana_number"), Is.EqualTo(nsg.Text("network.transport") == "tcp" ? "6" : "17"), where);
            string? state = nsg.Text("action.properties.FlowState");
            string expectedType = nsg.Text("event.type")!.Contains("denied", StringComparison.Ordinal) ? "denied" : state switch { "begin" => "start", "end" => "end", _ => "info" };
            Assert.That(flowLogs.Fields["event.type"][0]!.GetValue<string>(), Is.EqualTo(expectedType), where);
            foreach (string counter in new[] { "source.packets", "source.bytes", "destination.packets", "destination.bytes" })
            {
                long nsgValue = nsg.Fields.TryGetValue(counter, out JsonNode? value) ? value.GetValue<long>() : 0;
                Assert.That(flowLogs.Fields[counter].GetValue<long>(), Is.EqualTo(nsgValue), $"{where}: {counter}");
            }

            long time = long.Parse(fields[0], CultureInfo.InvariantCulture);
            DateTimeOffset observed = time >= 100_000_000_000 ? DateTimeOffset.FromUnixTimeMilliseconds(time) : DateTimeOffset.FromUnixTimeSeconds(time);
            Assert.That(flowLogs.Text("@timestamp"), Is.EqualTo(observed.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture)), where);
            Assert.That(flowLogs.Text("observer.mac"), Is.EqualTo(nsg.Text("source.mac")), where);
            Assert.That(flowLogs.Fields.ContainsKey("action.properties.FlowEncryption"), Is.False, $"{where}: NSG flow logs say nothing of encryption");
        });
    }

    private static bool Same(FormatOutput a, FormatOutput b, string field)
        => a.Fields.TryGetValue(field, out JsonNode? x) && b.Fields.TryGetValue(field, out JsonNode? y) && JsonNode.DeepEquals(x, y);

    private sealed record RoutedEvent(string Json, string Flow, string Original, SekoiaIntake Intake, string? Unsendable);

    // The events of a document as the Sekoia sink frames them, with where each goes; Original is the tuple as Azure wrote it.
    private static List<RoutedEvent> Route(byte[] document, bool nsgIntake)
    {
        using var builder = new EventBatchBuilder(EventPayload.Raw, new JsonStringFraming(new IntakeRoutes(EventPayload.Raw, nsgIntake)));
        var originals = new List<string>();
        using (var reader = new FlowLogReader(document, new FlowLogSource("c/b/PT1H.json")))
        {
            while (reader.Read())
            {
                foreach (ref readonly FlowTuple tuple in reader.Current.Tuples)
                {
                    originals.Add(Encoding.ASCII.GetString(reader.Current[tuple.Text]));
                }

                builder.Add(reader.Current);
            }

            Assert.That(reader.Issues, Is.Empty, "every input is valid");
        }

        EventBatch batch = builder.Build("c/b/PT1H.json");
        var events = new List<RoutedEvent>();
        for (int i = 0; i < batch.Count; i++)
        {
            string json = Encoding.UTF8.GetString(batch.EventJson(i).Span);
            events.Add(new RoutedEvent(json, JsonNode.Parse(json)!["flow.0"]!.GetValue<string>(), originals[i], (SekoiaIntake)batch.Destination(i), batch.Unsendable(i)));
        }

        return events;
    }

    private const int NumericProtocolTuples = 2;

    // Every fixture and variant: Microsoft's samples, Sekoia's, the simulator's (IPv4 and IPv6, allowed and denied,
    // every encryption value, empty counters) and each variant the parser accepts that the formats must read.
    private static IEnumerable<(string Name, FlowLogKind Kind, byte[] Document)> AllInputs()
    {
        yield return ("msdocs NSG v1", FlowLogKind.NetworkSecurityGroup, TestData.Bytes("msdocs", "nsg-v1.PT1H.json"));
        yield return ("msdocs NSG v2", FlowLogKind.NetworkSecurityGroup, TestData.Bytes("msdocs", "nsg-v2.PT1H.json"));
        yield return ("msdocs VNet", FlowLogKind.VirtualNetwork, TestData.Bytes("msdocs", "vnet-v4.PT1H.json"));
        foreach (int seed in new[] { 1, 2, 3 })
        {
            yield return ($"simulated VNet {seed}", FlowLogKind.VirtualNetwork, Simulated(FlowLogKind.VirtualNetwork, seed));
            yield return ($"simulated NSG {seed}", FlowLogKind.NetworkSecurityGroup, Simulated(FlowLogKind.NetworkSecurityGroup, seed));
        }

        JsonArray vnetSeed = TestData.Json("seeds", "seed-002-vnet.json")["raw"]!.AsArray();
        yield return ("Sekoia's VNet samples", FlowLogKind.VirtualNetwork, TestData.Utf8(Document(SimpleVNet([.. vnetSeed.Select(r => r!["flow.0"]!.GetValue<string>())]))));
        JsonArray nsgSeed = TestData.Json("seeds", "seed-003-nsg.json")["ecs"]!.AsArray();
        yield return ("Sekoia's NSG samples", FlowLogKind.NetworkSecurityGroup, TestData.Utf8(Document([.. nsgSeed.Select(s => JsonNode.Parse(s!["message"]!.GetValue<string>())!["flow.0"]!.GetValue<string>())
            .Select(t => SimpleNsg(t.Split(',').Length == 8 ? 1 : 2, t))])));

        yield return ("VNet times in seconds", FlowLogKind.VirtualNetwork, TestData.Utf8(Document(SimpleVNet(VNetTuple(ms: 1663146003), VNetTuple(ms: 1745352181, state: 'B', counters: "0,0,0,0")))));
        yield return ("VNet empty counters", FlowLogKind.VirtualNetwork, TestData.Utf8(Document(SimpleVNet(VNetTuple(state: 'B', counters: ",,,"), VNetTuple(state: 'D', counters: ",,,"), VNetTuple(state: 'C', counters: "3,,2,"), VNetTuple(state: 'E', counters: ",767,,1580")))));
        yield return ("VNet IPv6", FlowLogKind.VirtualNetwork, TestData.Utf8(Document(SimpleVNet(VNetTuple(src: "2001:db8::4", dst: "2001:db8:1::5", proto: 58, sport: 0, dport: 0), VNetTuple(src: "fd00::1", dst: "::ffff:192.0.2.128", state: 'D', counters: ",,,")))));
        yield return ("VNet encryption values", FlowLogKind.VirtualNetwork, TestData.Utf8(Document(SimpleVNet([.. Encryptions.Select(e => VNetTuple(enc: e))]))));
        yield return ("VNet protocols", FlowLogKind.VirtualNetwork, TestData.Utf8(Document(SimpleVNet(VNetTuple(proto: 1, sport: 8, dport: 0), VNetTuple(proto: 47), VNetTuple(proto: 17, dport: 53)))));
        yield return ("NSG v1 variants", FlowLogKind.NetworkSecurityGroup, TestData.Utf8(Document(SimpleNsg(1,
            "1487282421,2001:db8::7,2001:db8::4,51529,5358,T,I,D",
            "1487282370,192.0.2.17,10.1.0.4,61771,53,U,O,A"))));
        yield return ("NSG v2 variants", FlowLogKind.NetworkSecurityGroup, TestData.Utf8(Document(SimpleNsg(2,
            "1542110377250,10.0.0.4,10.0.0.5,1,2,T,O,A,C,1,2,3,4",
            "1542110377,198.51.100.7,10.0.0.4,61000,22,T,I,D,B,,,,",
            "1542110377,198.51.100.7,10.0.0.4,61000,22,T,I,D,E,1,60,0,0",
            "1542110377,10.0.0.4,10.0.0.5,1,2,U,O,A,C,5,,7,",
            "1542110377,2001:db8::1,2001:db8:0:0:8:800:200c:417a,53,40000,U,O,A,E,1,80,1,120"))));

        // Numeric protocols: the parser accepts them in NSG records; the NSG format reads only T and U.
        yield return ("NSG numeric protocols", FlowLogKind.NetworkSecurityGroup, TestData.Utf8(Document(SimpleNsg(2,
            "1542110377,10.0.0.4,10.0.0.5,0,0,1,O,A,C,2,168,2,168",
            "1542110377,10.0.0.4,10.0.0.5,1,2,T,O,A,B,,,,",
            "1542110377,10.0.0.4,10.0.0.5,0,0,47,O,D,B,,,,"))));
    }

    private static byte[] Simulated(FlowLogKind kind, int seed)
    {
        using var document = new MemoryStream();
        new FlowLogGenerator(seed).WriteDocument(document, kind, new SimulatedNic(seed), new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero), records: 4, tuplesPerRecord: 150);
        return document.ToArray();
    }
}
