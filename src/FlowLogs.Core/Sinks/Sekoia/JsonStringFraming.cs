using System.Buffers;
using FlowLogs.Ecs;
using FlowLogs.Parsing;

namespace FlowLogs.Sinks.Sekoia;

/// <summary>
/// The intake's framing: each event as the JSON string it is in <c>"jsons"</c>, followed by a comma, so any run of
/// consecutive events is, as it stands in the batch, the inside of that array. Not thread-safe: one per batch builder.
/// </summary>
internal sealed class JsonStringFraming : EventFraming
{
    // One event, serialized here before it is escaped into the batch: it stays in cache for the second pass.
    private readonly ArrayBufferWriter<byte> _event = new(8192);

    /// <inheritdoc/>
    public override byte Separator => (byte)',';

    /// <inheritdoc/>
    public override int Write(ArrayBufferWriter<byte> output, FlowEventSerializer serializer, FlowRecord record, in FlowTuple tuple)
    {
        ArgumentNullException.ThrowIfNull(serializer);
        _event.ResetWrittenCount();
        serializer.Write(_event, record, tuple);
        Write(output, _event.WrittenSpan);
        return _event.WrittenCount;
    }

    /// <inheritdoc/>
    public override void Write(ArrayBufferWriter<byte> output, ReadOnlySpan<byte> eventJson)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.Advance(JsonEmbedding.WriteQuoted(eventJson, output.GetSpan(JsonEmbedding.MaxQuotedLength(eventJson))));
    }

    /// <inheritdoc/>
    public override ReadOnlyMemory<byte> Unframe(ReadOnlyMemory<byte> framed, int jsonLength)
    {
        byte[] json = new byte[jsonLength];
        int written = JsonEmbedding.WriteUnescaped(framed.Span[1..^1], json);
        return json.AsMemory(0, written);
    }
}
