using System.Buffers;
using System.Text.Json;
using FlowLogs.Ecs;
using FlowLogs.Parsing;

namespace FlowLogs.Sinks.Sekoia;

/// <summary>
/// The intake's framing: each event as the JSON string it is in <c>"jsons"</c>, followed by a comma, so any run of
/// consecutive events is, as it stands in the batch, the inside of that array. Each event is written in the shape of
/// its route (<see cref="IntakeRoutes"/>) and carries its intake as its destination. Not thread-safe: one per batch
/// builder.
/// </summary>
internal sealed class JsonStringFraming : EventFraming
{
    // One event, serialized here before it is escaped into the batch: it stays in cache for the second pass.
    private readonly ArrayBufferWriter<byte> _event = new(8192);
    private readonly IntakeRoutes _routes;

    // Writes translated records; made on the first NSG tuple translated.
    private Utf8JsonWriter? _translated;

    /// <summary>Creates the framing of a sink routing as <paramref name="routes"/> say.</summary>
    public JsonStringFraming(IntakeRoutes routes)
    {
        _routes = routes ?? throw new ArgumentNullException(nameof(routes));
    }

    /// <inheritdoc/>
    public override byte Separator => (byte)',';

    /// <inheritdoc/>
    public override FramedEvent Write(ArrayBufferWriter<byte> output, FlowEventSerializer serializer, FlowRecord record, in FlowTuple tuple)
    {
        ArgumentNullException.ThrowIfNull(serializer);
        ArgumentNullException.ThrowIfNull(record);
        _event.ResetWrittenCount();
        IntakeRoute route = _routes.For(record.Kind);
        string? unsendable = null;
        if (route.Shape == EventShape.Translated)
        {
            _translated ??= new Utf8JsonWriter(_event, EcsEventWriter.WriterOptions);
            _translated.Reset(_event);
            NsgTupleTranslation.WriteRecord(_translated, record, tuple);
            _translated.Flush();
        }
        else
        {
            serializer.Write(_event, record, tuple);
            if (route.Intake == SekoiaIntake.Nsg && !TupleForm.HasLetterProtocol(record[tuple.Text]))
            {
                unsendable = TupleForm.NumericProtocolReason;
            }
        }

        WriteQuoted(output, _event.WrittenSpan);
        return new FramedEvent(_event.WrittenCount, (byte)route.Intake, unsendable);
    }

    /// <summary>
    /// Writes an event already encoded (a dead letter's), routed by what it is: an ECS event, or a raw record in the
    /// Flow Logs format's form, goes to the Flow Logs intake as it is; a raw NSG record goes to the NSG intake as it is,
    /// or, without one, translated like a tuple read from a blob.
    /// </summary>
    public override FramedEvent Write(ArrayBufferWriter<byte> output, ReadOnlySpan<byte> eventJson)
    {
        if (_routes.Payload != EventPayload.Raw || TupleForm.FlowOf(eventJson) is not { } flow || !TupleForm.IsNsg(flow))
        {
            WriteQuoted(output, eventJson);
            return new FramedEvent(eventJson.Length);
        }

        if (_routes.HasNsgIntake)
        {
            WriteQuoted(output, eventJson);
            return new FramedEvent(eventJson.Length, (byte)SekoiaIntake.Nsg, TupleForm.HasLetterProtocol(flow) ? null : TupleForm.NumericProtocolReason);
        }

        _event.ResetWrittenCount();
        if (RawNsgRecord.Translate(eventJson, _event) is { } reason)
        {
            WriteQuoted(output, eventJson);
            return new FramedEvent(eventJson.Length, (byte)SekoiaIntake.FlowLogs, $"this NSG record cannot be translated for the Flow Logs format of {IntakeRoutes.KeySetting(SekoiaIntake.FlowLogs)}: {reason}");
        }

        WriteQuoted(output, _event.WrittenSpan);
        return new FramedEvent(_event.WrittenCount, (byte)SekoiaIntake.FlowLogs);
    }

    /// <inheritdoc/>
    public override ReadOnlyMemory<byte> Unframe(ReadOnlyMemory<byte> framed, int jsonLength)
    {
        byte[] json = new byte[jsonLength];
        int written = JsonEmbedding.WriteUnescaped(framed.Span[1..^1], json);
        return json.AsMemory(0, written);
    }

    private static void WriteQuoted(ArrayBufferWriter<byte> output, ReadOnlySpan<byte> eventJson)
        => output.Advance(JsonEmbedding.WriteQuoted(eventJson, output.GetSpan(JsonEmbedding.MaxQuotedLength(eventJson))));
}
