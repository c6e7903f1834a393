using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FlowLogs.Ecs;
using FlowLogs.Parsing;
using FlowLogs.Sinks.Sekoia;
using FlowLogs.Tests.IntakeFormats;
using FlowLogs.Tests.Support;
using static FlowLogs.Tests.Support.FlowLogBuilder;

namespace FlowLogs.Tests.Sinks;

/// <summary>
/// An NSG tuple rewritten as the VNet tuple of Sekoia's Flow Logs format, rule by rule (docs/ecs-mapping.md, "NSG
/// tuples translated"): every translation parses in full with that format's pattern.
/// </summary>
public class NsgTupleTranslationTests
{
    [TestCase(2, "1542110377,13.67.143.118,10.0.0.4,44931,443,T,I,A,B,,,,", "1542110377000,13.67.143.118,10.0.0.4,44931,443,6,I,B,,0,0,0,0", TestName = "v2 begin: ms time, T is 6, empty counters 0")]
    [TestCase(2, "1542110437,125.64.94.197,10.0.0.4,59752,25565,T,I,A,C,1,66,1,66", "1542110437000,125.64.94.197,10.0.0.4,59752,25565,6,I,C,,1,66,1,66", TestName = "v2 continuing keeps C and its counters")]
    [TestCase(2, "1542110377,10.0.0.4,168.63.129.16,50011,53,U,O,A,E,3,270,2,280", "1542110377000,10.0.0.4,168.63.129.16,50011,53,17,O,E,,3,270,2,280", TestName = "v2 end, U is 17")]
    [TestCase(2, "1542110377,198.51.100.7,10.0.0.4,61000,22,T,I,D,B,,,,", "1542110377000,198.51.100.7,10.0.0.4,61000,22,6,I,D,,0,0,0,0", TestName = "v2 denied begin is D")]
    [TestCase(2, "1542110377,198.51.100.7,10.0.0.4,61000,22,T,I,D,E,1,60,0,0", "1542110377000,198.51.100.7,10.0.0.4,61000,22,6,I,D,,1,60,0,0", TestName = "v2 denied with counters keeps them")]
    [TestCase(1, "1487282370,192.0.2.17,10.1.0.4,61771,3389,T,I,A", "1487282370000,192.0.2.17,10.1.0.4,61771,3389,6,I,C,,0,0,0,0", TestName = "v1 allowed: no state is C, no counters are 0")]
    [TestCase(1, "1487282421,192.0.2.95,10.1.0.4,51529,5358,T,I,D", "1487282421000,192.0.2.95,10.1.0.4,51529,5358,6,I,D,,0,0,0,0", TestName = "v1 denied is D")]
    [TestCase(2, "1542110377250,10.0.0.4,10.0.0.5,1,2,T,O,A,C,1,2,3,4", "1542110377250,10.0.0.4,10.0.0.5,1,2,6,O,C,,1,2,3,4", TestName = "a time already in ms stays")]
    [TestCase(2, "1542110377,2001:db8::1,2001:db8:0:0:8:800:200c:417a,53,40000,U,O,A,E,1,80,1,120", "1542110377000,2001:db8::1,2001:db8:0:0:8:800:200c:417a,53,40000,17,O,E,,1,80,1,120", TestName = "IPv6 addresses as written")]
    [TestCase(2, "1542110377,10.0.0.4,10.0.0.5,0,0,1,O,A,C,2,168,2,168", "1542110377000,10.0.0.4,10.0.0.5,0,0,1,O,C,,2,168,2,168", TestName = "a numeric protocol is already IANA's")]
    [TestCase(2, "1542110377,10.0.0.4,10.0.0.5,1,2,T,O,A,C,5,,7,", "1542110377000,10.0.0.4,10.0.0.5,1,2,6,O,C,,5,0,7,0", TestName = "each empty counter is 0, field by field")]
    [TestCase(2, "1542110377,10.0.0.4,10.0.0.5,0080,00443,T,O,A,C,007,1,2,3", "1542110377000,10.0.0.4,10.0.0.5,0080,00443,6,O,C,,7,1,2,3", TestName = "ports as written, counters as numbers")]
    public void TranslatesAsTheRulesSayAndTheFlowLogsFormatParsesIt(int version, string nsg, string expected)
    {
        string translated = Translate(version, nsg);
        Assert.That(translated, Is.EqualTo(expected));
        Assert.That(SekoiaFormats.FlowLogsParses(translated), Is.True, "the Flow Logs format's pattern parses it in full");
        Assert.That(SekoiaFormats.NsgParses(translated), Is.False, "and it is no NSG tuple any more");
    }

    [Test]
    public void TheTranslatedRecordIsTheRawNsgRecordWithItsTupleRewritten()
    {
        JsonObject record = NsgRecord("2018-11-13T12:00:35.3899262Z", 2, "/SUBSCRIPTIONS/X/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/NSG1", "000D3AF87856", ("UserRule_ssh", ["1542110377,198.51.100.7,10.0.0.4,61000,22,T,I,D,B,,,,"]));
        (string raw, string translated) = RawAndTranslated(Document(record));

        JsonObject expected = JsonNode.Parse(raw)!.AsObject();
        expected["flow.0"] = "1542110377000,198.51.100.7,10.0.0.4,61000,22,6,I,D,,0,0,0,0";
        Assert.That(translated, Is.EqualTo(expected.ToJsonString()), "same keys in the same order, flow.0 rewritten");
        Assert.That(JsonNode.Parse(raw)!.AsObject().Select(p => p.Key), Is.EqualTo(new[] { "time", "macAddress", "operationName", "resourceId", "rule", "flow.0", "version", "flow_state" }));
    }

    [Test]
    public void TranslatingAllocatesNothing()
    {
        byte[] document = TestData.Utf8(Document(SimpleNsg(2, "1542110377,2001:db8::1,2001:db8::2,53,40000,U,O,A,E,1,80,1,120", "1542110377,10.0.0.4,10.0.0.5,1,2,T,O,A,B,,,,")));
        using var reader = new FlowLogReader(document, new FlowLogSource("c/b/PT1H.json"));
        Assert.That(reader.Read(), Is.True);
        FlowRecord record = reader.Current;
        byte[] destination = new byte[NsgTupleTranslation.MaxLength];
        var output = new ArrayBufferWriter<byte>(4096);
        using var writer = new Utf8JsonWriter(output, EcsEventWriter.WriterOptions);
        Translations(record, destination, output, writer);

        long before = GC.GetAllocatedBytesForCurrentThread();
        Translations(record, destination, output, writer);
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }

    private static void Translations(FlowRecord record, byte[] destination, ArrayBufferWriter<byte> output, Utf8JsonWriter writer)
    {
        for (int i = 0; i < 1000; i++)
        {
            foreach (ref readonly FlowTuple tuple in record.Tuples)
            {
                NsgTupleTranslation.Format(record[tuple.Text], tuple, destination);
                output.ResetWrittenCount();
                writer.Reset(output);
                NsgTupleTranslation.WriteRecord(writer, record, tuple);
                writer.Flush();
            }
        }
    }

    private static string Translate(int version, string nsg)
    {
        using var reader = new FlowLogReader(TestData.Utf8(Document(SimpleNsg(version, nsg))), new FlowLogSource("c/b/PT1H.json"));
        Assert.That(reader.Read(), Is.True);
        Assert.That(reader.Issues, Is.Empty);
        FlowTuple tuple = reader.Current.Tuples.ToArray().Single();
        Span<byte> destination = stackalloc byte[NsgTupleTranslation.MaxLength];
        return Encoding.ASCII.GetString(destination[..NsgTupleTranslation.Format(reader.Current[tuple.Text], tuple, destination)]);
    }

    private static (string Raw, string Translated) RawAndTranslated(string document)
    {
        using var reader = new FlowLogReader(TestData.Utf8(document), new FlowLogSource("c/b/PT1H.json"));
        Assert.That(reader.Read(), Is.True);
        FlowTuple tuple = reader.Current.Tuples.ToArray().Single();
        var output = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(output, EcsEventWriter.WriterOptions))
        {
            RawRecordWriter.Write(writer, reader.Current, tuple);
        }

        string raw = Encoding.UTF8.GetString(output.WrittenSpan);
        output.ResetWrittenCount();
        using (var writer = new Utf8JsonWriter(output, EcsEventWriter.WriterOptions))
        {
            NsgTupleTranslation.WriteRecord(writer, reader.Current, tuple);
        }

        return (raw, Encoding.UTF8.GetString(output.WrittenSpan));
    }
}
