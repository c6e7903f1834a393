namespace FlowLogs.Delta;

/// <summary>
/// Recognises the head block (<c>{"records":[</c>) and tail block (<c>]}</c>) of a PT1H.json by their bytes, with any
/// whitespace around the tokens: older files used other sizes (21 and 9 bytes were reported) and other block ids.
/// </summary>
internal static class Pt1hFraming
{
    /// <summary>Whether <paramref name="block"/> is exactly a head block.</summary>
    public static bool IsHead(ReadOnlySpan<byte> block)
    {
        int i = 0;
        return Token(block, ref i, "{"u8) && Token(block, ref i, "\"records\""u8) && Token(block, ref i, ":"u8) && Token(block, ref i, "["u8) && End(block, i);
    }

    /// <summary>Whether <paramref name="block"/> is exactly a tail block.</summary>
    public static bool IsTail(ReadOnlySpan<byte> block)
    {
        int i = 0;
        return Token(block, ref i, "]"u8) && Token(block, ref i, "}"u8) && End(block, i);
    }

    private static bool Token(ReadOnlySpan<byte> block, ref int i, ReadOnlySpan<byte> token)
    {
        SkipWhitespace(block, ref i);
        if (!block[i..].StartsWith(token))
        {
            return false;
        }

        i += token.Length;
        return true;
    }

    private static bool End(ReadOnlySpan<byte> block, int i)
    {
        SkipWhitespace(block, ref i);
        return i == block.Length;
    }

    private static void SkipWhitespace(ReadOnlySpan<byte> block, ref int i)
    {
        while (i < block.Length && block[i] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            i++;
        }
    }
}
