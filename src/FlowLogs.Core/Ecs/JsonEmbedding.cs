namespace FlowLogs.Ecs;

/// <summary>
/// Embeds JSON that this library's own writers produced as a JSON string value. Such JSON holds no raw control
/// characters (the writer escaped them), so as a string it needs only its quotes and backslashes escaped: much cheaper
/// than the general escaper on quote-dense text.
/// </summary>
internal static class JsonEmbedding
{
    /// <summary>The most bytes <see cref="WriteQuoted"/> writes for <paramref name="json"/>.</summary>
    public static int MaxQuotedLength(ReadOnlySpan<byte> json) => (json.Length * 2) + 2;

    /// <summary>Writes <paramref name="json"/> escaped, without quotes; returns the bytes written.</summary>
    public static int WriteEscaped(ReadOnlySpan<byte> json, Span<byte> destination)
    {
        int written = 0;
        while (true)
        {
            int special = json.IndexOfAny((byte)'"', (byte)'\\');
            int run = special < 0 ? json.Length : special;
            json[..run].CopyTo(destination[written..]);
            written += run;
            if (special < 0)
            {
                return written;
            }

            destination[written++] = (byte)'\\';
            destination[written++] = json[special];
            json = json[(special + 1)..];
        }
    }

    /// <summary>Writes <paramref name="json"/> as a quoted JSON string; returns the bytes written.</summary>
    public static int WriteQuoted(ReadOnlySpan<byte> json, Span<byte> destination)
    {
        destination[0] = (byte)'"';
        int written = 1 + WriteEscaped(json, destination[1..]);
        destination[written++] = (byte)'"';
        return written;
    }

    /// <summary>Undoes <see cref="WriteEscaped"/>: each backslash is dropped and the byte after it kept; returns the bytes written.</summary>
    public static int WriteUnescaped(ReadOnlySpan<byte> escaped, Span<byte> destination)
    {
        int written = 0;
        while (true)
        {
            int backslash = escaped.IndexOf((byte)'\\');
            int run = backslash < 0 ? escaped.Length : backslash;
            escaped[..run].CopyTo(destination[written..]);
            written += run;
            if (backslash < 0 || backslash + 1 >= escaped.Length)
            {
                return written;
            }

            destination[written++] = escaped[backslash + 1];
            escaped = escaped[(backslash + 2)..];
        }
    }
}
