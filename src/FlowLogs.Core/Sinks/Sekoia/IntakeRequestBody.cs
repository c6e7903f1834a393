using System.IO.Compression;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace FlowLogs.Sinks.Sekoia;

/// <summary>
/// The body of <c>POST /batch</c>: <c>{"intake_key":"…","jsons":[…]}</c>, whose array is a run of consecutive events of
/// a batch framed by <see cref="JsonStringFraming"/> (a slice of its buffer as it stands). Compressed straight from
/// its three pieces: the body itself is never assembled. Pure: no I/O.
/// </summary>
internal sealed class IntakeRequestBody
{
    private readonly byte[] _prefix;

    public IntakeRequestBody(string intakeKey)
    {
        // The key is JSON-escaped once; it never leaves this buffer except in the request body.
        _prefix = [.. "{\"intake_key\":\""u8, .. JsonEncodedText.Encode(intakeKey, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).EncodedUtf8Bytes, .. "\",\"jsons\":["u8];
    }

    /// <summary>What closes the body after the events.</summary>
    public static ReadOnlySpan<byte> Suffix => "]}"u8;

    /// <summary>Bytes of the body before the events.</summary>
    public int PrefixLength => _prefix.Length;

    /// <summary>The body's length around <paramref name="eventsLength"/> bytes of framed events.</summary>
    public int Length(int eventsLength) => _prefix.Length + eventsLength + Suffix.Length;

    /// <summary>The body around <paramref name="events"/>, gzipped; its length is the stream's.</summary>
    public MemoryStream Gzip(ReadOnlySpan<byte> events)
    {
        // Flow-log JSON compresses about tenfold: an eighth of the body is room enough, most of the time.
        var output = new MemoryStream(Length(events.Length) / 8);
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(_prefix);
            gzip.Write(events);
            gzip.Write(Suffix);
        }

        return output;
    }
}
