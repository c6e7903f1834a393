using System.IO.Compression;
using System.Text;
using System.Text.Json;
using FlowLogs.Ecs;
using FlowLogs.Parsing;
using FlowLogs.Simulation;
using FlowLogs.Sinks;
using FlowLogs.Sinks.Sekoia;

namespace FlowLogs.Tests.Sinks;

/// <summary>
/// How batches hold their events: NDJSON as the local sinks write it, JSON strings as the intake's <c>jsons</c> array
/// holds them, and the boundaries that let the Sekoia sink send any run of events as one slice.
/// </summary>
public class EventFramingTests
{
    // Quotes, backslashes and an escaped control character: everything the string framing must escape or keep.
    private static readonly string[] Tricky = ["{\"a\":1}", "{\"q\":\"say \\\"hi\\\"\",\"path\":\"C:\\\\temp\\\\x\",\"nl\":\"a\\nb\"}", "{}", "{\"u\":\"\\u00e9\\\\\"}"];

    [TestCase(EventPayload.Ecs, FlowLogKind.VirtualNetwork)]
    [TestCase(EventPayload.Raw, FlowLogKind.VirtualNetwork)]
    [TestCase(EventPayload.Ecs, FlowLogKind.NetworkSecurityGroup)]
    [TestCase(EventPayload.Raw, FlowLogKind.NetworkSecurityGroup)]
    public void EachJsonStringElementUnescapesToTheEventTheNdjsonFramingWrites(EventPayload payload, FlowLogKind kind)
    {
        byte[] document = Document(kind, tuples: 40);
        using var ndjson = new EventBatchBuilder(payload);
        using var strings = new EventBatchBuilder(payload, new JsonStringFraming(AsWritten(payload)));
        Fill(document, ndjson, strings);
        EventBatch lines = ndjson.Build("c/b/PT1H.json");
        EventBatch elements = strings.Build("c/b/PT1H.json");

        Assert.That(elements.Count, Is.EqualTo(lines.Count).And.EqualTo(40));
        Assert.That(strings.Length, Is.EqualTo(ndjson.Length), "batches are cut at the same events whatever the sink");
        string[] expected = Encoding.UTF8.GetString(lines.Framed.Span).Split('\n')[..^1];
        for (int i = 0; i < elements.Count; i++)
        {
            string element = Encoding.UTF8.GetString(elements.Slice(i, 1).Span);
            Assert.That(JsonSerializer.Deserialize<string>(element), Is.EqualTo(expected[i]), $"element {i} is the event as a JSON string");
            Assert.That(Encoding.UTF8.GetString(elements.EventJson(i).Span), Is.EqualTo(expected[i]));
            Assert.That(elements.JsonLength(i), Is.EqualTo(Encoding.UTF8.GetByteCount(expected[i])), "the event's own length, not its escaped one");
            Assert.That(elements.FramedLength(i), Is.EqualTo(element.Length));
        }
    }

    [Test]
    public void TheNdjsonFramingWritesWhatTheNdjsonEventWriterWrites()
    {
        byte[] document = Document(FlowLogKind.VirtualNetwork, tuples: 25);
        using var builder = new EventBatchBuilder(EventPayload.Ecs);
        using var expected = new MemoryStream();
        using (var writer = new NdjsonEventWriter(expected, EventPayload.Ecs))
        {
            using var reader = new FlowLogReader(document, new FlowLogSource("c/b/PT1H.json"));
            while (reader.Read())
            {
                builder.Add(reader.Current);
                writer.WriteAsync(reader.Current).AsTask().GetAwaiter().GetResult();
            }

            writer.FlushAsync().AsTask().GetAwaiter().GetResult();
        }

        EventBatch batch = builder.Build("c/b/PT1H.json");
        Assert.That(batch.Framed.ToArray(), Is.EqualTo(expected.ToArray()));
        Assert.That(builder.Length, Is.EqualTo(batch.Framed.Length));
        Assert.That(batch.Events().Select(e => Encoding.UTF8.GetString(e.Span)), Is.EqualTo(Encoding.UTF8.GetString(expected.ToArray()).Split('\n')[..^1]));
    }

    [Test]
    public void EncodedEventsWithQuotesAndBackslashesRoundTripInBothFramings()
    {
        foreach (EventFraming? framing in new EventFraming?[] { null, new JsonStringFraming(AsWritten(EventPayload.Raw)) })
        {
            using var builder = new EventBatchBuilder(EventPayload.Raw, framing);
            foreach (string e in Tricky)
            {
                builder.AddEncoded(Encoding.UTF8.GetBytes(e), 10, 20);
            }

            EventBatch batch = builder.Build("c/b/PT1H.json");
            Assert.That(batch.Events().Select(e => Encoding.UTF8.GetString(e.Span)), Is.EqualTo(Tricky));
            Assert.That(Enumerable.Range(0, batch.Count).Select(batch.JsonLength), Is.EqualTo(Tricky.Select(Encoding.UTF8.GetByteCount)));
            Assert.That((batch.Start, batch.End), Is.EqualTo((10L, 20L)));
        }
    }

    [Test]
    public void AnEncodedEventReformattedByHandIsCompactedSoItsFramingStaysValidJson()
    {
        // A dead letter edited or pretty-printed by an operator, then redriven: raw line breaks and tabs.
        const string Pretty = "{\n\t\"a\": \"x y\",\n\t\"b\": [1, 2]\n}";
        foreach (EventFraming? framing in new EventFraming?[] { null, new JsonStringFraming(AsWritten(EventPayload.Raw)) })
        {
            using var builder = new EventBatchBuilder(EventPayload.Raw, framing);
            builder.AddEncoded(Encoding.UTF8.GetBytes(Pretty), 0, 1);

            EventBatch batch = builder.Build("c/b/PT1H.json");
            Assert.That(Encoding.UTF8.GetString(batch.EventJson(0).Span), Is.EqualTo("{\"a\":\"x y\",\"b\":[1,2]}"));
            Assert.That(batch.Slice(0, 1).Span.IndexOfAnyInRange((byte)0, (byte)0x1F), Is.EqualTo(-1), "no raw control character in the framed event");
        }
    }

    [Test]
    public void AnyRunOfEventsIsOneSliceThatMakesAValidBodyHoldingExactlyThoseEvents()
    {
        using var builder = new EventBatchBuilder(EventPayload.Raw, new JsonStringFraming(AsWritten(EventPayload.Raw)));
        string[] events = [.. Enumerable.Range(0, 7).Select(i => Tricky[i % Tricky.Length])];
        foreach (string e in events)
        {
            builder.AddEncoded(Encoding.UTF8.GetBytes(e), 0, 1);
        }

        EventBatch batch = builder.Build("c/b/PT1H.json");
        var body = new IntakeRequestBody("key \"with\" quotes\\");
        for (int first = 0; first < events.Length; first++)
        {
            for (int count = 1; first + count <= events.Length; count++)
            {
                ReadOnlyMemory<byte> slice = batch.Slice(first, count);
                using MemoryStream compressed = body.Gzip(slice.Span);
                byte[] json = Gunzip(compressed.ToArray());
                Assert.That(json, Has.Length.EqualTo(body.Length(slice.Length)));
                using JsonDocument document = JsonDocument.Parse(json);
                Assert.That(document.RootElement.GetProperty("intake_key").GetString(), Is.EqualTo("key \"with\" quotes\\"));
                Assert.That(document.RootElement.GetProperty("jsons").EnumerateArray().Select(j => j.GetString()), Is.EqualTo(events[first..(first + count)]), $"events {first}..{first + count - 1}");
            }
        }
    }

    [Test]
    public void SinksRefuseABatchFramedByAnotherSink()
    {
        using var strings = new EventBatchBuilder(EventPayload.Ecs, new JsonStringFraming(AsWritten(EventPayload.Raw)));
        strings.AddEncoded("{\"a\":1}"u8, 0, 1);
        using var output = new MemoryStream();
        using var stdout = new StdoutSink(output);
        Assert.That(async () => await stdout.DeliverAsync(strings.Build("c/b/PT1H.json"), CancellationToken.None), Throws.ArgumentException);
        Assert.That(output.Length, Is.Zero);
    }

    [Test]
    public void TheBuilderKeepsBoundariesPastItsFirstArraysAndAfterAReset()
    {
        using var builder = new EventBatchBuilder(EventPayload.Raw, new JsonStringFraming(AsWritten(EventPayload.Raw)), initialCapacity: 16);
        for (int i = 0; i < 3000; i++)
        {
            builder.AddEncoded(Encoding.UTF8.GetBytes($"{{\"n\":{i}}}"), i, i + 1);
        }

        EventBatch batch = builder.Build("c/b/PT1H.json");
        Assert.That(batch.Count, Is.EqualTo(3000));
        Assert.That(Encoding.UTF8.GetString(batch.EventJson(2999).Span), Is.EqualTo("{\"n\":2999}"));
        Assert.That((batch.Start, batch.End), Is.EqualTo((0L, 3000L)));

        builder.Reset();
        builder.AddEncoded("{\"n\":\"again\"}"u8, 5, 6);
        batch = builder.Build("c/b/PT1H.json");
        Assert.That(batch.Count, Is.EqualTo(1));
        Assert.That(Encoding.UTF8.GetString(batch.Slice(0, 1).Span), Is.EqualTo("\"{\\\"n\\\":\\\"again\\\"}\""));
        Assert.That(builder.Length, Is.EqualTo(14), "the event and its separator");
    }

    // Routes that send every event as the payload writes it: NSG tuples to an NSG intake of their own (Raw).
    private static IntakeRoutes AsWritten(EventPayload payload) => new(payload, nsgIntake: payload == EventPayload.Raw);

    private static byte[] Document(FlowLogKind kind, int tuples)
    {
        using var document = new MemoryStream();
        new FlowLogGenerator(seed: 7).WriteDocument(document, kind, new SimulatedNic(1), new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero), records: 2, tuplesPerRecord: tuples / 2);
        return document.ToArray();
    }

    private static void Fill(byte[] document, params EventBatchBuilder[] builders)
    {
        using var reader = new FlowLogReader(document, new FlowLogSource("c/b/PT1H.json"));
        while (reader.Read())
        {
            foreach (EventBatchBuilder builder in builders)
            {
                builder.Add(reader.Current);
            }
        }
    }

    private static byte[] Gunzip(byte[] compressed)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress))
        {
            gzip.CopyTo(output);
        }

        return output.ToArray();
    }
}
