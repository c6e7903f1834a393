using System.Buffers;
using System.Text.Json;
using FlowLogs.Parsing;

namespace FlowLogs.Ecs;

/// <summary>Writes events as newline-delimited JSON to a stream through one reusable buffer.</summary>
public sealed class NdjsonEventWriter : IDisposable
{
    private const int FlushThreshold = 1024 * 1024;

    private readonly Stream _output;
    private readonly FlowEventSerializer _serializer;
    private readonly ArrayBufferWriter<byte> _buffer = new(FlushThreshold + (64 * 1024));

    /// <summary>Creates a writer over <paramref name="output"/>, which it does not dispose.</summary>
    public NdjsonEventWriter(Stream output, EventPayload payload, ushort communityIdSeed = 0)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
        _serializer = new FlowEventSerializer(payload, communityIdSeed);
    }

    /// <summary>Events written so far.</summary>
    public long Events { get; private set; }

    /// <summary>Serializes every tuple of <paramref name="record"/>, flushing to the stream when the buffer is full.</summary>
    public async ValueTask WriteAsync(FlowRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        int count = record.Tuples.Length;
        for (int i = 0; i < count; i++)
        {
            WriteOne(record, i);
            if (_buffer.WrittenCount >= FlushThreshold)
            {
                await FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Writes what is buffered to the stream and flushes it.</summary>
    public async ValueTask FlushAsync(CancellationToken cancellationToken = default)
    {
        if (_buffer.WrittenCount > 0)
        {
            await _output.WriteAsync(_buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
            _buffer.ResetWrittenCount();
        }

        await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public void Dispose() => _serializer.Dispose();

    private void WriteOne(FlowRecord record, int index)
    {
        _serializer.Write(_buffer, record, record.Tuples[index]);
        _buffer.GetSpan(1)[0] = (byte)'\n';
        _buffer.Advance(1);
        Events++;
    }
}
