using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using FlowLogs.Ecs;

namespace FlowLogs.Sinks.Sekoia;

/// <summary>
/// Builds the body of <c>POST /batch</c>: <c>{"intake_key": "…", "jsons": ["&lt;event&gt;", …]}</c>, each event a JSON
/// string, keeping the whole body under a size limit. Pure: no I/O.
/// </summary>
internal sealed class IntakeRequestWriter
{
    private static readonly byte[] Suffix = "]}"u8.ToArray();
    private readonly byte[] _prefix;
    private readonly int _maxBytes;
    private byte[] _body;
    private int _length;

    public IntakeRequestWriter(string intakeKey, int maxBytes)
    {
        // The key is JSON-escaped once; it never leaves this buffer except in the request body.
        _prefix = [.. "{\"intake_key\":\""u8, .. JsonEncodedText.Encode(intakeKey, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).EncodedUtf8Bytes, .. "\",\"jsons\":["u8];
        _maxBytes = maxBytes;
        _body = new byte[Math.Min(maxBytes, 1 << 20)];
        Reset();
    }

    /// <summary>Events in the body so far.</summary>
    public int Count { get; private set; }

    /// <summary>The body so far, closed: valid until the next change.</summary>
    public ReadOnlyMemory<byte> Body
    {
        get
        {
            Suffix.CopyTo(_body.AsSpan(_length));
            return _body.AsMemory(0, _length + Suffix.Length);
        }
    }

    /// <summary>The body's length with <paramref name="eventJson"/> added, at most.</summary>
    public int LengthWith(ReadOnlySpan<byte> eventJson) => _length + 1 + JsonEmbedding.MaxQuotedLength(eventJson) + Suffix.Length;

    /// <summary>Adds an event if the body stays under the limit (a first event always fits if it is under the limit alone).</summary>
    public bool TryAdd(ReadOnlySpan<byte> eventJson)
    {
        int worst = LengthWith(eventJson);
        if (worst > _maxBytes && !ExactFits(eventJson))
        {
            return false;
        }

        if (worst > _body.Length)
        {
            Array.Resize(ref _body, Math.Min(Math.Max(worst, _body.Length * 2), _maxBytes + JsonEmbedding.MaxQuotedLength(eventJson)));
        }

        if (Count > 0)
        {
            _body[_length++] = (byte)',';
        }

        _length += JsonEmbedding.WriteQuoted(eventJson, _body.AsSpan(_length));
        Count++;
        return true;
    }

    /// <summary>Empties the body.</summary>
    public void Reset()
    {
        _prefix.CopyTo(_body, 0);
        _length = _prefix.Length;
        Count = 0;
    }

    // The worst case doubles every byte; count the real escapes before refusing.
    private bool ExactFits(ReadOnlySpan<byte> eventJson)
    {
        int escapes = eventJson.Count((byte)'"') + eventJson.Count((byte)'\\');
        return _length + 1 + eventJson.Length + escapes + 2 + Suffix.Length <= _maxBytes;
    }
}
