using System.Buffers;
using System.Text.Json;
using FlowLogs.Ecs;
using FlowLogs.Parsing;

namespace FlowLogs.Sinks;

/// <summary>Serializes tuples into one reusable buffer, framed as its sink sends them, until a batch is full.</summary>
internal sealed class EventBatchBuilder : IDisposable
{
    private readonly ArrayBufferWriter<byte> _buffer;
    private readonly FlowEventSerializer _serializer;
    private readonly EventFraming _framing;
    private int[] _ends = new int[1024];
    private int[] _lengths = new int[1024];
    private byte[] _destinations = new byte[1024];

    // Events the framing could not encode for their destination, by index, with the reason: rare, so kept apart.
    private Dictionary<int, string>? _unsendable;
    private long _start = -1;
    private long _end;

    /// <summary>Creates a builder for events of <paramref name="payload"/>, framed by <paramref name="framing"/> (NDJSON if null).</summary>
    public EventBatchBuilder(EventPayload payload, EventFraming? framing = null, int initialCapacity = 1 << 20)
    {
        _buffer = new ArrayBufferWriter<byte>(initialCapacity);
        _serializer = new FlowEventSerializer(payload);
        _framing = framing ?? NdjsonFraming.Instance;
    }

    /// <summary>Events added since the last <see cref="Reset"/>.</summary>
    public int Count { get; private set; }

    /// <summary>
    /// Bytes added since the last <see cref="Reset"/>, each event counted as its own JSON and one separator whatever the
    /// framing, so a byte limit on batches cuts them at the same events for every sink.
    /// </summary>
    public int Length { get; private set; }

    /// <summary>Serializes every valid tuple of <paramref name="record"/>.</summary>
    public void Add(FlowRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        foreach (ref readonly FlowTuple tuple in record.Tuples)
        {
            Add(record, tuple);
        }
    }

    /// <summary>Serializes one tuple of <paramref name="record"/>.</summary>
    public void Add(FlowRecord record, in FlowTuple tuple)
    {
        ArgumentNullException.ThrowIfNull(record);
        Covers(record.Offset, record.Offset + record.Length);
        EndEvent(_framing.Write(_buffer, _serializer, record, tuple));
    }

    /// <summary>Adds an event already encoded (a dead letter's), of the records at [<paramref name="start"/>, <paramref name="end"/>) of the blob.</summary>
    public void AddEncoded(ReadOnlySpan<byte> eventJson, long start, long end)
    {
        // Events come from this library's writers, compact; one read back from storage may have been reformatted by
        // hand, and a raw line break inside a framed event would break the request around it: it is compacted first.
        if (eventJson.IndexOfAnyInRange((byte)0, (byte)0x1F) >= 0)
        {
            eventJson = Compact(eventJson);
        }

        Covers(start, end);
        EndEvent(_framing.Write(_buffer, eventJson));
    }

    private static byte[] Compact(ReadOnlySpan<byte> json)
    {
        using JsonDocument document = JsonDocument.Parse(json.ToArray());
        var compact = new ArrayBufferWriter<byte>(json.Length);
        using (var writer = new Utf8JsonWriter(compact, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            document.WriteTo(writer);
        }

        return compact.WrittenSpan.ToArray();
    }

    /// <summary>The events added so far; valid until <see cref="Reset"/>.</summary>
    public EventBatch Build(string source)
        => new(source, Math.Max(_start, 0), _end, _buffer.WrittenMemory, _ends.AsMemory(0, Count), _lengths.AsMemory(0, Count), _framing, _serializer.Payload)
        {
            Destinations = _destinations.AsMemory(0, Count),
            UnsendableReasons = _unsendable,
        };

    /// <summary>Empties the builder, keeping its buffers.</summary>
    public void Reset()
    {
        _buffer.ResetWrittenCount();
        _unsendable?.Clear();
        Count = 0;
        Length = 0;
        _start = -1;
        _end = 0;
    }

    /// <inheritdoc/>
    public void Dispose() => _serializer.Dispose();

    private void Covers(long start, long end)
    {
        if (_start < 0)
        {
            _start = start;
        }

        _end = end;
    }

    // The separator closes the event; where it ends and where it goes are recorded so no sink searches the buffer.
    private void EndEvent(FramedEvent framed)
    {
        _buffer.GetSpan(1)[0] = _framing.Separator;
        _buffer.Advance(1);
        if (Count == _ends.Length)
        {
            Array.Resize(ref _ends, Count * 2);
            Array.Resize(ref _lengths, Count * 2);
            Array.Resize(ref _destinations, Count * 2);
        }

        _ends[Count] = _buffer.WrittenCount;
        _lengths[Count] = framed.JsonLength;
        _destinations[Count] = framed.Destination;
        if (framed.Unsendable is { } reason)
        {
            (_unsendable ??= [])[Count] = reason;
        }

        Count++;
        Length += framed.JsonLength + 1;
    }
}
