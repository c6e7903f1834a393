using System.Text;
using FlowLogs.Cli.Commands;
using FlowLogs.Ecs;
using FlowLogs.Parsing;
using FlowLogs.Simulation;

namespace FlowLogs.Tests.Cli;

/// <summary>
/// <c>flowlogs parse</c> parses and serializes on two threads; its output must be what one thread writes, in input
/// order, over many batches, with skipped input in the middle and records of every size.
/// </summary>
public class ParsePipelineTests
{
    [TestCase(FlowLogKind.VirtualNetwork, EventPayload.Ecs)]
    [TestCase(FlowLogKind.NetworkSecurityGroup, EventPayload.Ecs)]
    [TestCase(FlowLogKind.NetworkSecurityGroup, EventPayload.Raw)]
    public void WritesWhatOneThreadWritesInInputOrderOverManyBatches(FlowLogKind kind, EventPayload payload)
    {
        // Records of 1 to 700 tuples: batches end on the tuple count and on the record count.
        byte[] input = Document(kind, Enumerable.Range(0, 120).Select(i => i % 7 == 0 ? 700 : 1 + (i % 5)));

        (byte[] expected, long expectedEvents, string expectedIssues) = OneThread(input, payload);
        (byte[] actual, long events, string issues) = Pipeline(input, payload);

        Assert.That(events, Is.EqualTo(expectedEvents).And.GreaterThan(ParsePipeline.TuplesPerBatch * ParsePipeline.Batches * 2));
        AssertSameBytes(actual, expected);
        Assert.That(issues, Is.EqualTo(expectedIssues));
    }

    [Test]
    public void SkippedInputIsReportedInOrderAndTheGoodEventsAroundItAreWritten()
    {
        string good = Encoding.UTF8.GetString(Document(FlowLogKind.VirtualNetwork, Enumerable.Repeat(40, 60)));
        int cut = good.IndexOf("\"flowTuples\":[\"", good.Length / 2, StringComparison.Ordinal) + "\"flowTuples\":[\"".Length;
        byte[] input = Encoding.UTF8.GetBytes(good[..cut] + "1,2,3\",\"" + good[cut..].Replace("{\"time\":\"2026-11-23T10:4", "{\"time\":12,\"x\":\"", StringComparison.Ordinal));

        (byte[] expected, long expectedEvents, string expectedIssues) = OneThread(input, EventPayload.Ecs);
        (byte[] actual, long events, string issues) = Pipeline(input, EventPayload.Ecs);

        Assert.That(expectedIssues, Does.Contain("InvalidTuple").And.Contain("UnknownRecordShape"));
        Assert.That(events, Is.EqualTo(expectedEvents));
        AssertSameBytes(actual, expected);
        Assert.That(issues, Is.EqualTo(expectedIssues));
    }

    [Test]
    public void AReadFailureIsThrownAfterTheEventsReadBeforeIt()
    {
        byte[] input = Document(FlowLogKind.VirtualNetwork, Enumerable.Repeat(40, 200));
        using var stream = new FailingStream(input, failAfter: input.Length / 2);
        using var reader = new FlowLogReader(stream, "c/b/PT1H.json");
        using var output = new MemoryStream();

        Assert.That(() => ParsePipeline.Run(reader, output, EventPayload.Ecs, CancellationToken.None), Throws.TypeOf<IOException>().With.Message.EqualTo("the disk went away"));
        Assert.That(output.Length, Is.GreaterThan(0));
        Assert.That(output.ToArray()[^1], Is.EqualTo((byte)'\n'));
    }

    [Test]
    public void ACancelledRunStops()
    {
        byte[] input = Document(FlowLogKind.VirtualNetwork, Enumerable.Repeat(40, 200));
        using var reader = new FlowLogReader(new MemoryStream(input), "c/b/PT1H.json");
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.That(() => ParsePipeline.Run(reader, Stream.Null, EventPayload.Ecs, cancelled.Token), Throws.InstanceOf<OperationCanceledException>());
    }

    private static void AssertSameBytes(byte[] actual, byte[] expected)
    {
        int same = actual.AsSpan().CommonPrefixLength(expected);
        Assert.That(same, Is.EqualTo(Math.Max(actual.Length, expected.Length)), $"the output differs from one thread's at byte {same} of {expected.Length}");
    }

    private static byte[] Document(FlowLogKind kind, IEnumerable<int> tuplesPerRecord)
    {
        var generator = new FlowLogGenerator(seed: 6);
        var nic = new SimulatedNic(2);
        var hour = new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);
        using var output = new MemoryStream();
        output.Write("{\"records\":["u8);
        int i = 0;
        foreach (int tuples in tuplesPerRecord)
        {
            if (i > 0)
            {
                output.WriteByte((byte)',');
            }

            using (var writer = new System.Text.Json.Utf8JsonWriter(output))
            {
                generator.WriteRecord(writer, kind, nic, hour.AddMinutes(i % 60), tuples);
            }

            i++;
        }

        output.Write("]}"u8);
        return output.ToArray();
    }

    private static (byte[] Output, long Events, string Issues) OneThread(byte[] input, EventPayload payload)
    {
        using var reader = new FlowLogReader(new MemoryStream(input), "c/b/PT1H.json");
        using var output = new MemoryStream();
        using (var writer = new NdjsonEventWriter(output, payload))
        {
            while (reader.Read())
            {
                writer.WriteAsync(reader.Current).AsTask().GetAwaiter().GetResult();
            }

            writer.FlushAsync().AsTask().GetAwaiter().GetResult();
            return (output.ToArray(), writer.Events, string.Join("\n", reader.Issues));
        }
    }

    private static (byte[] Output, long Events, string Issues) Pipeline(byte[] input, EventPayload payload)
    {
        // A stream that hands out small reads, so that batches end in the middle of the reader's buffer.
        using var reader = new FlowLogReader(new FailingStream(input, failAfter: int.MaxValue), "c/b/PT1H.json", options: new FlowLogReaderOptions { ReadSize = 4096 });
        using var output = new MemoryStream();
        long events = ParsePipeline.Run(reader, output, payload, CancellationToken.None);
        return (output.ToArray(), events, string.Join("\n", reader.Issues));
    }

    /// <summary>Reads of at most 3,000 bytes; throws once <c>failAfter</c> bytes have been read.</summary>
    private sealed class FailingStream(byte[] bytes, int failAfter) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override int Read(Span<byte> buffer)
        {
            if (_position >= failAfter)
            {
                throw new IOException("the disk went away");
            }

            int count = Math.Min(Math.Min(buffer.Length, 3000), bytes.Length - _position);
            bytes.AsSpan(_position, count).CopyTo(buffer);
            _position += count;
            return count;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
