using System.Buffers;
using FlowLogs.Ecs;
using FlowLogs.Parsing;

namespace FlowLogs.Sinks;

/// <summary>Serializes tuples into one reusable NDJSON buffer until a batch is full.</summary>
internal sealed class EventBatchBuilder : IDisposable
{
    private readonly ArrayBufferWriter<byte> _buffer;
    private readonly FlowEventSerializer _serializer;
    private long _start = -1;
    private long _end;

    /// <summary>Creates a builder for events of <paramref name="payload"/>.</summary>
    public EventBatchBuilder(EventPayload payload, int initialCapacity = 1 << 20)
    {
        _buffer = new ArrayBufferWriter<byte>(initialCapacity);
        _serializer = new FlowEventSerializer(payload);
    }

    /// <summary>Events added since the last <see cref="Reset"/>.</summary>
    public int Count { get; private set; }

    /// <summary>Bytes of NDJSON added since the last <see cref="Reset"/>.</summary>
    public int Length => _buffer.WrittenCount;

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
        if (_start < 0)
        {
            _start = record.Offset;
        }

        _end = record.Offset + record.Length;
        _serializer.Write(_buffer, record, tuple);
        _buffer.GetSpan(1)[0] = (byte)'\n';
        _buffer.Advance(1);
        Count++;
    }

    /// <summary>The events added so far; valid until <see cref="Reset"/>.</summary>
    public EventBatch Build(string source) => new(source, Math.Max(_start, 0), _end, Count, _buffer.WrittenMemory, _serializer.Payload);

    /// <summary>Empties the builder, keeping its buffer.</summary>
    public void Reset()
    {
        _buffer.ResetWrittenCount();
        Count = 0;
        _start = -1;
        _end = 0;
    }

    /// <inheritdoc/>
    public void Dispose() => _serializer.Dispose();
}
