using System.Text.Json;
using FlowLogs.Parsing;

namespace FlowLogs.Ecs;

/// <summary>Serializes one event per tuple in the chosen <see cref="EventPayload"/>; one instance per pipeline.</summary>
public sealed class FlowEventSerializer(EventPayload payload, ushort communityIdSeed = 0) : IDisposable
{
    private readonly EcsEventWriter _ecs = new(communityIdSeed);

    /// <summary>The payload this serializer writes.</summary>
    public EventPayload Payload { get; } = payload;

    /// <inheritdoc/>
    public void Dispose() => _ecs.Dispose();

    /// <summary>Writes the event of one tuple as a JSON object.</summary>
    public void Write(Utf8JsonWriter writer, FlowRecord record, in FlowTuple tuple)
    {
        if (Payload == EventPayload.Ecs)
        {
            _ecs.Write(writer, record, tuple);
        }
        else
        {
            SekoiaRecordWriter.Write(writer, record, tuple);
        }
    }
}
