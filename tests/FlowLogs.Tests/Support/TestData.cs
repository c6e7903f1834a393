using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FlowLogs.Ecs;
using FlowLogs.Parsing;

namespace FlowLogs.Tests.Support;

/// <summary>Test inputs and a way to run them through the reader and serializer.</summary>
internal static class TestData
{
    public static string PathOf(params string[] parts) => Path.Combine([TestContext.CurrentContext.TestDirectory, "TestData", .. parts]);

    public static byte[] Bytes(params string[] parts) => File.ReadAllBytes(PathOf(parts));

    public static JsonNode Json(params string[] parts) => JsonNode.Parse(File.ReadAllText(PathOf(parts)))!;

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>Reads <paramref name="input"/> from memory and serializes every tuple.</summary>
    public static ParseOutcome Parse(byte[] input, string source = "container/blob/PT1H.json", long baseOffset = 0, EventPayload payload = EventPayload.Ecs, FlowLogReaderOptions? options = null)
    {
        using var reader = new FlowLogReader(input, new FlowLogSource(source), baseOffset, options);
        return Drain(reader, payload);
    }

    /// <summary>Reads <paramref name="input"/> through a stream that hands out at most <paramref name="chunk"/> bytes per read.</summary>
    public static ParseOutcome ParseStream(byte[] input, int chunk, string source = "container/blob/PT1H.json", long baseOffset = 0, FlowLogReaderOptions? options = null)
    {
        using var stream = new TrickleStream(input, chunk);
        using var reader = new FlowLogReader(stream, new FlowLogSource(source), baseOffset, options);
        return Drain(reader, EventPayload.Ecs);
    }

    private static ParseOutcome Drain(FlowLogReader reader, EventPayload payload)
    {
        var events = new List<JsonObject>();
        using var serializer = new FlowEventSerializer(payload);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using var writer = new Utf8JsonWriter(buffer, EcsEventWriter.WriterOptions);
        while (reader.Read())
        {
            foreach (FlowTuple tuple in reader.Current.Tuples)
            {
                buffer.ResetWrittenCount();
                writer.Reset(buffer);
                serializer.Write(writer, reader.Current, tuple);
                writer.Flush();
                events.Add(JsonNode.Parse(buffer.WrittenSpan)!.AsObject());
            }
        }

        return new ParseOutcome(events, reader.Counts, [.. reader.Issues]);
    }
}

internal sealed record ParseOutcome(List<JsonObject> Events, FlowLogParseCounts Counts, List<ParseIssue> Issues)
{
    public IEnumerable<string> Flows => Events.Select(e => e["message"] is JsonValue m
        ? JsonNode.Parse(m.GetValue<string>())!["flow.0"]!.GetValue<string>()
        : e["flow.0"]!.GetValue<string>());
}

/// <summary>A read-only stream that returns at most a few bytes per read, to cross every buffer boundary.</summary>
internal sealed class TrickleStream(byte[] data, int chunk) : MemoryStream(data, writable: false)
{
    public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, chunk));

    public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, chunk)]);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        => base.ReadAsync(buffer[..Math.Min(buffer.Length, chunk)], cancellationToken);
}
