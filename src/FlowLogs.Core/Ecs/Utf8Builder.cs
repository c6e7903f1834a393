using System.Buffers.Text;
using System.Runtime.CompilerServices;

namespace FlowLogs.Ecs;

/// <summary>Appends UTF-8 bytes and numbers to a span sized by the caller for the worst case.</summary>
internal ref struct Utf8Builder(Span<byte> destination)
{
    private readonly Span<byte> _destination = destination;
    private int _length;

    public readonly int Length => _length;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Append(scoped ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(_destination[_length..]);
        _length += bytes.Length;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Append(byte b) => _destination[_length++] = b;

    public void AppendNumber(long value)
    {
        Utf8Formatter.TryFormat(value, _destination[_length..], out int written);
        _length += written;
    }

    /// <summary>Space for a value written in place (a timestamp, an id); <see cref="Advance"/> claims it.</summary>
    public readonly Span<byte> Free => _destination[_length..];

    public void Advance(int count) => _length += count;
}
