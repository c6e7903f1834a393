using FlowLogs.Ecs;

namespace FlowLogs.Sinks;

/// <summary>
/// Events of one blob's byte range, framed by the sink that made the batch (see <see cref="EventFraming"/>), with
/// where each one ends: a sink takes runs of events as slices of one buffer. Valid only until the delivery completes.
/// </summary>
internal sealed class EventBatch(string source, long start, long end, ReadOnlyMemory<byte> framed, ReadOnlyMemory<int> ends, ReadOnlyMemory<int> lengths, EventFraming framing, EventPayload payload)
{
    /// <summary>The blob the events come from, as dead letters name it (<c>account/container/name</c>).</summary>
    public string Source { get; } = source;

    /// <summary>Byte offset in the blob of the first record these events come from.</summary>
    public long Start { get; } = start;

    /// <summary>Byte offset in the blob just past the last record these events come from.</summary>
    public long End { get; } = end;

    /// <summary>Number of events.</summary>
    public int Count => ends.Length;

    /// <summary>How the events are framed: by the sink whose builder made the batch.</summary>
    public EventFraming Framing { get; } = framing;

    /// <summary>What each event is: full ECS, or the intake's raw record.</summary>
    public EventPayload Payload { get; } = payload;

    /// <summary>Where each event goes, by index: one of the sink's destinations (0 for a sink with one).</summary>
    public ReadOnlyMemory<byte> Destinations { get; init; }

    /// <summary>Reasons the sink cannot send some events, by index (see <see cref="Unsendable"/>); null when there are none.</summary>
    public IReadOnlyDictionary<int, string>? UnsendableReasons { get; init; }

    /// <summary>Which of the sink's destinations event <paramref name="index"/> goes to.</summary>
    public byte Destination(int index) => Destinations.IsEmpty ? (byte)0 : Destinations.Span[index];

    /// <summary>Why the sink cannot send event <paramref name="index"/> (it refuses it in its receipt), or null.</summary>
    public string? Unsendable(int index) => UnsendableReasons is { Count: > 0 } reasons && reasons.TryGetValue(index, out string? reason) ? reason : null;

    /// <summary>Every event, framed, each followed by the separator (for NDJSON: the lines as a file holds them).</summary>
    public ReadOnlyMemory<byte> Framed => framed;

    /// <summary>Events <paramref name="first"/> to <paramref name="first"/> + <paramref name="count"/> − 1, framed, separators between them but not after the last.</summary>
    public ReadOnlyMemory<byte> Slice(int first, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(first);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(first + count, Count);
        int from = first == 0 ? 0 : ends.Span[first - 1];
        return framed[from..(ends.Span[first + count - 1] - 1)];
    }

    /// <summary>The length of event <paramref name="index"/> as framed, without its separator.</summary>
    public int FramedLength(int index) => ends.Span[index] - (index == 0 ? 0 : ends.Span[index - 1]) - 1;

    /// <summary>The length of event <paramref name="index"/>'s own JSON, whatever its framing.</summary>
    public int JsonLength(int index) => lengths.Span[index];

    /// <summary>Event <paramref name="index"/>'s own JSON: a view of the batch, or a copy where the framing escaped it.</summary>
    public ReadOnlyMemory<byte> EventJson(int index) => Framing.Unframe(Slice(index, 1), JsonLength(index));

    /// <summary>Enumerates the events' own JSON (see <see cref="EventJson"/>).</summary>
    public IEnumerable<ReadOnlyMemory<byte>> Events()
    {
        for (int i = 0; i < Count; i++)
        {
            yield return EventJson(i);
        }
    }
}
