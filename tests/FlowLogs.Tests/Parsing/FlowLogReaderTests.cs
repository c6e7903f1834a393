using System.Text;
using System.Text.Json.Nodes;
using FlowLogs.Parsing;
using FlowLogs.Tests.Support;
using static FlowLogs.Tests.Support.FlowLogBuilder;

namespace FlowLogs.Tests.Parsing;

public class FlowLogReaderTests
{
    [TestCase("vnet-v4.PT1H.json", 1, 19)]
    [TestCase("nsg-v1.PT1H.json", 3, 12)]
    [TestCase("nsg-v2.PT1H.json", 2, 11)]
    public void ReadsEveryTupleOfMicrosoftsSamples(string file, int records, int tuples)
    {
        ParseOutcome outcome = TestData.Parse(TestData.Bytes("msdocs", file));
        Assert.That(outcome.Issues, Is.Empty);
        Assert.That(outcome.Counts.Records, Is.EqualTo(records));
        Assert.That(outcome.Counts.Tuples, Is.EqualTo(tuples));
        Assert.That(outcome.Events, Has.Count.EqualTo(tuples));
        Assert.That(outcome.Counts.Events, Is.EqualTo(tuples));
    }

    [Test]
    public void ReadsEveryTupleOfEveryGroupRuleAndMac()
    {
        JsonObject vnet = VNetRecord(
            "2022-09-14T09:00:52Z", "AABBCCDDEEFF", "guid",
            ("acl-1", "rule-a", [VNetTuple(sport: 1), VNetTuple(sport: 2)]),
            ("acl-1", "rule-b", [VNetTuple(sport: 3)]),
            ("acl-2", "rule-c", [VNetTuple(sport: 4), VNetTuple(sport: 5), VNetTuple(sport: 6)]));
        JsonObject nsg = NsgRecord(
            "2018-11-13T12:00:35Z", 2, "/SUBSCRIPTIONS/X/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/N", "000D3AF87856",
            ("r1", ["1542110377,1.1.1.1,10.0.0.4,7,443,T,I,A,B,,,,", "1542110377,1.1.1.1,10.0.0.4,8,443,T,I,A,E,1,2,3,4"]),
            ("r2", ["1542110377,1.1.1.1,10.0.0.4,9,443,U,I,D,B,,,,"]));

        ParseOutcome outcome = TestData.Parse(TestData.Utf8(Document(vnet, nsg)));

        Assert.That(outcome.Events.Select(e => e["source"]!["port"]!.GetValue<int>()), Is.EqualTo(new[] { 1, 2, 3, 4, 5, 6, 7, 8, 9 }));
        Assert.That(outcome.Events.Select(e => e["rule"]!["name"]!.GetValue<string>()), Is.EqualTo(new[] { "rule-a", "rule-a", "rule-b", "rule-c", "rule-c", "rule-c", "r1", "r1", "r2" }));
        Assert.That(outcome.Events.Take(6).Select(e => e["azure"]!["flow_log"]!["acl_id"]!.GetValue<string>()), Is.EqualTo(new[] { "acl-1", "acl-1", "acl-1", "acl-2", "acl-2", "acl-2" }));
        Assert.That(outcome.Events.Select(e => e["event"]!["dataset"]!.GetValue<string>()).Distinct(), Is.EqualTo(new[] { "azure.vnet_flow_logs", "azure.nsg_flow_logs" }));
    }

    [TestCase(true)]
    [TestCase(false)]
    public void ReadsABlockDeltaWithOrWithoutTheLeadingComma(bool leadingComma)
    {
        JsonObject a = SimpleVNet(VNetTuple(sport: 10), VNetTuple(sport: 11));
        JsonObject b = SimpleNsg(2, "1542110377,1.1.1.1,10.0.0.4,12,443,T,I,A,B,,,,");

        ParseOutcome outcome = TestData.Parse(TestData.Utf8(DeltaOf(leadingComma, a, b)));

        Assert.That(outcome.Issues, Is.Empty);
        Assert.That(outcome.Events.Select(e => e["source"]!["port"]!.GetValue<int>()), Is.EqualTo(new[] { 10, 11, 12 }));
    }

    [Test]
    public void ADeltaGetsTheSameEventIdsAsTheWholeBlob()
    {
        // Azure's layout: head block, first record, then ",record" blocks, then the tail block.
        string head = "{\"records\":[";
        string first = SimpleVNet(VNetTuple(sport: 1), VNetTuple(sport: 2)).ToJsonString();
        string second = "," + SimpleVNet(VNetTuple(sport: 3), VNetTuple(sport: 4)).ToJsonString();
        byte[] blob = TestData.Utf8(head + first + second + "]}");
        long deltaOffset = Encoding.UTF8.GetByteCount(head + first);

        ParseOutcome whole = TestData.Parse(blob);
        ParseOutcome delta = TestData.Parse(TestData.Utf8(second), baseOffset: deltaOffset);

        List<string> wholeIds = whole.Events.Select(e => e["event"]!["id"]!.GetValue<string>()).ToList();
        List<string> deltaIds = delta.Events.Select(e => e["event"]!["id"]!.GetValue<string>()).ToList();
        Assert.That(wholeIds, Has.Count.EqualTo(4));
        Assert.That(wholeIds.Distinct().Count(), Is.EqualTo(4));
        Assert.That(deltaIds, Is.EqualTo(wholeIds.Skip(2)));
        Assert.That(delta.Events[0]["log"]!["offset"]!.GetValue<long>(), Is.EqualTo(deltaOffset + 1));
    }

    [Test]
    public void EventIdsDependOnBlobPlaceAndContent()
    {
        byte[] doc = TestData.Utf8(Document(SimpleVNet(VNetTuple(sport: 1), VNetTuple(sport: 1))));
        string[] ids = TestData.Parse(doc).Events.Select(e => e["event"]!["id"]!.GetValue<string>()).ToArray();
        string[] again = TestData.Parse(doc).Events.Select(e => e["event"]!["id"]!.GetValue<string>()).ToArray();
        string[] otherBlob = TestData.Parse(doc, source: "other/PT1H.json").Events.Select(e => e["event"]!["id"]!.GetValue<string>()).ToArray();

        Assert.That(again, Is.EqualTo(ids), "same bytes, same blob: same ids");
        Assert.That(ids[0], Is.Not.EqualTo(ids[1]), "two identical tuples at two places differ");
        Assert.That(otherBlob, Has.No.AnyOf(ids));
        Assert.That(ids, Has.All.Match("^[0-9a-f]{32}$"));
    }

    [TestCase(1)]
    [TestCase(3)]
    [TestCase(17)]
    [TestCase(4096)]
    public void StreamingGivesTheSameEventsAsMemoryAtAnyChunkSize(int chunk)
    {
        byte[] input = TestData.Bytes("msdocs", "vnet-v4.PT1H.json").Concat(TestData.Utf8(DeltaOf(true, SimpleNsg(2, "1542110377,1.1.1.1,10.0.0.4,12,443,T,I,A,B,,,,")))).ToArray();
        ParseOutcome memory = TestData.Parse(input);
        ParseOutcome stream = TestData.ParseStream(input, chunk, options: new FlowLogReaderOptions { ReadSize = 1024 });

        Assert.That(stream.Events.Select(e => e.ToJsonString()), Is.EqualTo(memory.Events.Select(e => e.ToJsonString())));
        Assert.That(stream.Counts.Bytes, Is.EqualTo(input.Length));
    }

    [Test]
    public void KeyOrderDoesNotMatter()
    {
        // Version after flows, flows before the record's header fields.
        string record = "{\"properties\":{\"flows\":[{\"flows\":[{\"flowTuples\":[\"1542110377,1.1.1.1,10.0.0.4,1,2,T,I,A\"],\"mac\":\"000d3af87856\"}],\"rule\":\"R\"}],\"Version\":1},\"time\":\"2018-11-13T12:00:35Z\",\"resourceId\":\"/SUBSCRIPTIONS/S1/X\",\"operationName\":\"NetworkSecurityGroupFlowEvents\"}";
        ParseOutcome outcome = TestData.Parse(TestData.Utf8(record));
        Assert.That(outcome.Issues, Is.Empty);
        JsonObject e = outcome.Events.Single();
        Assert.Multiple(() =>
        {
            Assert.That(e["rule"]!["name"]!.GetValue<string>(), Is.EqualTo("R"));
            Assert.That(e["destination"]!["mac"]!.GetValue<string>(), Is.EqualTo("00-0D-3A-F8-78-56"));
            Assert.That(e["cloud"]!["account"]!["id"]!.GetValue<string>(), Is.EqualTo("s1"));
            Assert.That(e["azure"]!["flow_log"]!["version"]!.GetValue<int>(), Is.EqualTo(1));
        });
    }

    [Test]
    public void UnescapesStringsAndSkipsABom()
    {
        string record = SimpleVNet(VNetTuple()).ToJsonString().Replace("DefaultRule_AllowInternetOutBound", "Rule\\u0041\\\"q\\\"", StringComparison.Ordinal);
        byte[] input = [0xEF, 0xBB, 0xBF, .. TestData.Utf8(record)];
        ParseOutcome outcome = TestData.Parse(input);
        Assert.That(outcome.Issues, Is.Empty);
        Assert.That(outcome.Events.Single()["rule"]!["name"]!.GetValue<string>(), Is.EqualTo("RuleA\"q\""));
    }

    [Test]
    public void EmptyInputsReadNothingAndReportNothing()
    {
        foreach (string input in new[] { string.Empty, "   ", "{\"records\":[]}", "{\"records\":[", "]}", ",", "\n{ \"records\" : [ \n ] } \n" })
        {
            ParseOutcome outcome = TestData.Parse(TestData.Utf8(input));
            Assert.That(outcome.Events, Is.Empty, input);
            Assert.That(outcome.Issues, Is.Empty, input);
        }
    }
}

public class FlowLogReaderMemoryTests
{
    [Test]
    public void TheReadBufferDoesNotGrowWithTheInput()
    {
        // 40 MB of records from a generated stream: the buffer must stay at its initial size.
        var options = new FlowLogReaderOptions { ReadSize = 64 * 1024 };
        using var input = new GeneratedFlowLogStream(records: 12_000);
        using var reader = new FlowLogReader(input, new FlowLogSource("big/PT1H.json"), options: options);
        int firstCapacity = 0;
        long tuples = 0;
        while (reader.Read())
        {
            firstCapacity = firstCapacity == 0 ? reader.BufferCapacity : firstCapacity;
            tuples += reader.Current.Tuples.Length;
        }

        Assert.That(reader.Counts.Bytes, Is.GreaterThan(40_000_000));
        Assert.That(tuples, Is.EqualTo(12_000 * 40));
        Assert.That(reader.Issues, Is.Empty);
        Assert.That(reader.BufferCapacity, Is.EqualTo(firstCapacity));
        Assert.That(reader.BufferCapacity, Is.LessThanOrEqualTo(256 * 1024));
    }

    /// <summary>A PT1H.json produced record by record as it is read, never held whole.</summary>
    private sealed class GeneratedFlowLogStream(int records) : Stream
    {
        private readonly FlowLogs.Simulation.FlowLogGenerator _generator = new(seed: 3);
        private readonly FlowLogs.Simulation.SimulatedNic _nic = new(1);
        private readonly MemoryStream _pending = new();
        private int _written;
        private bool _closed;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_pending.Position == _pending.Length)
            {
                _pending.SetLength(0);
                if (_written < records)
                {
                    _pending.Write(_written == 0 ? "{\"records\":["u8 : ","u8);
                    using var writer = new System.Text.Json.Utf8JsonWriter(_pending);
                    _generator.WriteRecord(writer, FlowLogKind.VirtualNetwork, _nic, new DateTimeOffset(2026, 1, 1, 0, _written % 60, 0, TimeSpan.Zero), 40);
                    writer.Flush();
                    _written++;
                }
                else if (!_closed)
                {
                    _pending.Write("]}"u8);
                    _closed = true;
                }

                _pending.Position = 0;
            }

            return _pending.Read(buffer);
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
