using System.Buffers;
using FlowLogs.Ecs;
using FlowLogs.Parsing;

namespace FlowLogs.Sinks;

/// <summary>What a framing wrote for one event: the length of the event's own JSON, and where the sink sends it.</summary>
/// <param name="JsonLength">Bytes of the event's own JSON, whatever its framing.</param>
/// <param name="Destination">Which of the sink's destinations the event goes to; 0 for a sink with one.</param>
/// <param name="Unsendable">Why the sink cannot send the event (it refuses it in its receipt), or null.</param>
internal readonly record struct FramedEvent(int JsonLength, byte Destination = 0, string? Unsendable = null);

/// <summary>
/// How a sink's batch holds its events in one buffer: each event framed as the sink sends it, then one separator
/// byte. The batch records where each event ends and where it goes, so a sink never searches its buffer for event
/// boundaries.
/// </summary>
internal abstract class EventFraming
{
    /// <summary>The byte after each framed event: the line feed of NDJSON, the comma between array elements.</summary>
    public abstract byte Separator { get; }

    /// <summary>Writes the event of one tuple, framed, without the separator.</summary>
    public abstract FramedEvent Write(ArrayBufferWriter<byte> output, FlowEventSerializer serializer, FlowRecord record, in FlowTuple tuple);

    /// <summary>Writes an event already encoded (a JSON object), framed, without the separator.</summary>
    public abstract FramedEvent Write(ArrayBufferWriter<byte> output, ReadOnlySpan<byte> eventJson);

    /// <summary>The event's own JSON of one framed event: the same memory where the framing keeps it as is, else a copy.</summary>
    public abstract ReadOnlyMemory<byte> Unframe(ReadOnlyMemory<byte> framed, int jsonLength);
}

/// <summary>NDJSON: each event as is, followed by a line feed.</summary>
internal sealed class NdjsonFraming : EventFraming
{
    /// <summary>The framing; it keeps no state, so every batch shares it.</summary>
    public static NdjsonFraming Instance { get; } = new();

    private NdjsonFraming()
    {
    }

    /// <inheritdoc/>
    public override byte Separator => (byte)'\n';

    /// <summary>Throws unless <paramref name="batch"/> holds NDJSON: a batch from another sink's builder would be written in its framing.</summary>
    public static void Check(EventBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Framing is not NdjsonFraming)
        {
            throw new ArgumentException("the batch's events are not framed as NDJSON: build it with this sink's CreateBatch", nameof(batch));
        }
    }

    /// <inheritdoc/>
    public override FramedEvent Write(ArrayBufferWriter<byte> output, FlowEventSerializer serializer, FlowRecord record, in FlowTuple tuple)
    {
        int before = output.WrittenCount;
        serializer.Write(output, record, tuple);
        return new FramedEvent(output.WrittenCount - before);
    }

    /// <inheritdoc/>
    public override FramedEvent Write(ArrayBufferWriter<byte> output, ReadOnlySpan<byte> eventJson)
    {
        output.Write(eventJson);
        return new FramedEvent(eventJson.Length);
    }

    /// <inheritdoc/>
    public override ReadOnlyMemory<byte> Unframe(ReadOnlyMemory<byte> framed, int jsonLength) => framed;
}
