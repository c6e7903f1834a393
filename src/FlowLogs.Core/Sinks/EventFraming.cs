using System.Buffers;
using FlowLogs.Ecs;
using FlowLogs.Parsing;

namespace FlowLogs.Sinks;

/// <summary>
/// How a sink's batch holds its events in one buffer: each event framed as the sink sends it, then one separator
/// byte. The batch records where each event ends, so a sink never searches its buffer for event boundaries.
/// </summary>
internal abstract class EventFraming
{
    /// <summary>The byte after each framed event: the line feed of NDJSON, the comma between array elements.</summary>
    public abstract byte Separator { get; }

    /// <summary>Writes the event of one tuple, framed, without the separator; returns the length of the event's own JSON.</summary>
    public abstract int Write(ArrayBufferWriter<byte> output, FlowEventSerializer serializer, FlowRecord record, in FlowTuple tuple);

    /// <summary>Writes an event already encoded (a JSON object), framed, without the separator.</summary>
    public abstract void Write(ArrayBufferWriter<byte> output, ReadOnlySpan<byte> eventJson);

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
    public override int Write(ArrayBufferWriter<byte> output, FlowEventSerializer serializer, FlowRecord record, in FlowTuple tuple)
    {
        int before = output.WrittenCount;
        serializer.Write(output, record, tuple);
        return output.WrittenCount - before;
    }

    /// <inheritdoc/>
    public override void Write(ArrayBufferWriter<byte> output, ReadOnlySpan<byte> eventJson) => output.Write(eventJson);

    /// <inheritdoc/>
    public override ReadOnlyMemory<byte> Unframe(ReadOnlyMemory<byte> framed, int jsonLength) => framed;
}
