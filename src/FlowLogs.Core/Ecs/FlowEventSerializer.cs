using System.Buffers;
using System.Text.Json;
using FlowLogs.Parsing;

namespace FlowLogs.Ecs;

/// <summary>Serializes one event per tuple in the chosen <see cref="EventPayload"/>; one instance per pipeline.</summary>
internal sealed class FlowEventSerializer : IDisposable
{
    private readonly EcsEventWriter _ecs;
    private readonly Utf8JsonWriter _raw;

    /// <summary>Creates a serializer.</summary>
    /// <param name="payload">ECS events or the intake's flattened records.</param>
    /// <param name="communityIdSeed">Seed of <c>network.community_id</c>.</param>
    public FlowEventSerializer(EventPayload payload, ushort communityIdSeed = 0)
    {
        Payload = payload;
        _ecs = new EcsEventWriter(communityIdSeed);
        _raw = new Utf8JsonWriter(new ArrayBufferWriter<byte>(), EcsEventWriter.WriterOptions);
    }

    /// <summary>The payload this serializer writes.</summary>
    public EventPayload Payload { get; }

    /// <inheritdoc/>
    public void Dispose()
    {
        _ecs.Dispose();
        _raw.Dispose();
    }

    /// <summary>Writes the event of one tuple as a JSON object to <paramref name="output"/>.</summary>
    public void Write(IBufferWriter<byte> output, FlowRecord record, in FlowTuple tuple)
    {
        if (Payload == EventPayload.Ecs)
        {
            _ecs.Write(output, record, tuple);
            return;
        }

        _raw.Reset(output);
        RawRecordWriter.Write(_raw, record, tuple);
        _raw.Flush();
    }

    /// <summary>Writes the event of one tuple as a JSON value of <paramref name="writer"/>.</summary>
    public void Write(Utf8JsonWriter writer, FlowRecord record, in FlowTuple tuple)
    {
        if (Payload == EventPayload.Ecs)
        {
            _ecs.Write(writer, record, tuple);
        }
        else
        {
            RawRecordWriter.Write(writer, record, tuple);
        }
    }
}
