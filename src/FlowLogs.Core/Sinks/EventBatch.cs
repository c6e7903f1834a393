using FlowLogs.Ecs;

namespace FlowLogs.Sinks;

/// <summary>Events of one blob's byte range, serialized as NDJSON (one event per line), handed to a sink together.</summary>
internal sealed class EventBatch
{
    internal EventBatch(string source, long start, long end, int count, ReadOnlyMemory<byte> ndjson, EventPayload payload)
    {
        Source = source;
        Start = start;
        End = end;
        Count = count;
        Ndjson = ndjson;
        Payload = payload;
    }

    /// <summary>The blob the events come from (<c>container/name</c>).</summary>
    public string Source { get; }

    /// <summary>Byte offset in the blob of the first record these events come from.</summary>
    public long Start { get; }

    /// <summary>Byte offset in the blob just past the last record these events come from.</summary>
    public long End { get; }

    /// <summary>Number of events.</summary>
    public int Count { get; }

    /// <summary>The events, each a JSON object followed by <c>\n</c>. Valid only until the delivery completes.</summary>
    public ReadOnlyMemory<byte> Ndjson { get; }

    /// <summary>What each event is: full ECS, or the intake's raw record.</summary>
    public EventPayload Payload { get; }

    /// <summary>Enumerates the events, without their line feeds.</summary>
    public IEnumerable<ReadOnlyMemory<byte>> Events()
    {
        ReadOnlyMemory<byte> rest = Ndjson;
        while (!rest.IsEmpty)
        {
            int end = rest.Span.IndexOf((byte)'\n');
            if (end < 0)
            {
                yield return rest;
                yield break;
            }

            yield return rest[..end];
            rest = rest[(end + 1)..];
        }
    }
}
