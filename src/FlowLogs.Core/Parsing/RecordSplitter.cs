using System.Buffers;

namespace FlowLogs.Parsing;

/// <summary>What <see cref="RecordSplitter.Next"/> found.</summary>
internal enum SplitResult
{
    /// <summary>The buffer ends before anything more can be said; supply more bytes (or say the input is final).</summary>
    NeedMoreData,

    /// <summary>A balanced top-level object: a candidate record in [TokenStart, TokenEnd).</summary>
    Record,

    /// <summary>Bytes between records that are neither whitespace, commas nor the document framing.</summary>
    UnexpectedBytes,

    /// <summary>A record that never closed: the input ended, or a new record began inside it.</summary>
    TruncatedRecord,

    /// <summary>A record longer than the limit; [TokenStart, TokenEnd) holds its first bytes, the rest is skipped.</summary>
    OversizedRecord,

    /// <summary>The input is final and has been consumed.</summary>
    EndOfInput,
}

/// <summary>
/// Finds record boundaries in flow-log bytes without parsing them: a whole PT1H.json (<c>{"records":[ … ]}</c>) or a
/// block delta (records separated by commas, no framing). It tracks strings and nesting only, so it is cheap, and it
/// resynchronises on the record signature <c>{"time":</c>, which can occur nowhere else in valid flow-log JSON.
/// </summary>
internal sealed class RecordSplitter
{
    private static readonly SearchValues<byte> StringSpecials = SearchValues.Create("\"\\"u8);
    private static readonly SearchValues<byte> Structurals = SearchValues.Create("\"{}[]"u8);

    private readonly int _maxRecordBytes;
    private Mode _mode;
    private int _pos;
    private int _tokenStart = -1;
    private int _depth;
    private bool _inString;
    private bool _escaped;

    public RecordSplitter(int maxRecordBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRecordBytes, 64);
        _maxRecordBytes = maxRecordBytes;
    }

    private enum Mode
    {
        BetweenRecords,
        InRecord,
        SkippingOversized,
    }

    private enum Match
    {
        Yes,
        No,
        NeedMore,
    }

    /// <summary>Start of the last token found (buffer index).</summary>
    public int TokenStart { get; private set; }

    /// <summary>End (exclusive) of the last token found (buffer index).</summary>
    public int TokenEnd { get; private set; }

    /// <summary>Bytes before this buffer index are no longer needed and may be discarded.</summary>
    public int KeepFrom => _tokenStart >= 0 ? _tokenStart : _pos;

    /// <summary>Tells the splitter that the first <paramref name="count"/> bytes were dropped from the buffer.</summary>
    public void Discard(int count)
    {
        _pos -= count;
        if (_tokenStart >= 0)
        {
            _tokenStart -= count;
        }
    }

    /// <summary>Looks for the next token from where the last one ended.</summary>
    public SplitResult Next(ReadOnlySpan<byte> buffer, bool isFinal)
    {
        while (true)
        {
            if (_mode != Mode.BetweenRecords)
            {
                SplitResult? inRecord = ScanRecord(buffer, isFinal);
                if (inRecord is { } result)
                {
                    return result;
                }

                continue;
            }

            if (_pos >= buffer.Length)
            {
                if (!isFinal)
                {
                    return SplitResult.NeedMoreData;
                }

                return _tokenStart >= 0 ? EmitUnexpected(buffer, buffer.Length) : SplitResult.EndOfInput;
            }

            byte b = buffer[_pos];
            if (b == '{')
            {
                Match framing = MatchFraming(buffer, _pos, isFinal, out int framingEnd);
                if (framing == Match.NeedMore)
                {
                    return SplitResult.NeedMoreData;
                }

                if (_tokenStart >= 0)
                {
                    return EmitUnexpected(buffer, _pos);
                }

                if (framing == Match.Yes)
                {
                    _pos = framingEnd;
                    continue;
                }

                _mode = Mode.InRecord;
                _tokenStart = _pos;
                _depth = 1;
                _inString = false;
                _escaped = false;
                _pos++;
                continue;
            }

            if (b == ']')
            {
                Match tail = MatchTail(buffer, _pos, isFinal, out int tailEnd);
                if (tail == Match.NeedMore)
                {
                    return SplitResult.NeedMoreData;
                }

                if (tail == Match.Yes)
                {
                    if (_tokenStart >= 0)
                    {
                        return EmitUnexpected(buffer, _pos);
                    }

                    _pos = tailEnd;
                    continue;
                }
            }

            if (_tokenStart < 0)
            {
                if (IsWhitespace(b) || b == ',')
                {
                    _pos++;
                    continue;
                }

                _tokenStart = _pos;
            }

            // Inside a run of unexpected bytes: jump to the next byte that could end it.
            int next = buffer[(_pos + 1)..].IndexOfAny((byte)'{', (byte)']');
            _pos = next < 0 ? buffer.Length : _pos + 1 + next;
            if (_pos - _tokenStart >= _maxRecordBytes)
            {
                return EmitUnexpected(buffer, _tokenStart + _maxRecordBytes);
            }
        }
    }

    private SplitResult EmitUnexpected(ReadOnlySpan<byte> buffer, int end)
    {
        TokenStart = _tokenStart;
        _pos = end;

        // The separators before the next record belong to no one: leave them out of the report.
        while (end > _tokenStart + 1 && (IsWhitespace(buffer[end - 1]) || buffer[end - 1] == ','))
        {
            end--;
        }

        TokenEnd = end;
        _tokenStart = -1;
        return SplitResult.UnexpectedBytes;
    }

    // Returns a result to hand out, or null when the record ended in skip mode and scanning goes on between records.
    private SplitResult? ScanRecord(ReadOnlySpan<byte> buffer, bool isFinal)
    {
        while (_pos < buffer.Length)
        {
            if (_inString)
            {
                if (_escaped)
                {
                    _escaped = false;
                    _pos++;
                    continue;
                }

                int special = buffer[_pos..].IndexOfAny(StringSpecials);
                int segmentEnd = special < 0 ? buffer.Length : _pos + special;

                // A cut record can leave us "inside a string" that is really structure: watch for a new record there too.
                int brace = buffer[_pos..segmentEnd].IndexOf((byte)'{');
                if (brace >= 0)
                {
                    _pos += brace;
                    SplitResult? cut = CheckNewRecord(buffer, isFinal);
                    if (cut is not null)
                    {
                        return cut;
                    }

                    if (_mode == Mode.BetweenRecords)
                    {
                        return null;
                    }

                    _pos++;
                    continue;
                }

                if (special < 0)
                {
                    _pos = buffer.Length;
                    break;
                }

                _pos += special;
                if (buffer[_pos] == '\\')
                {
                    _escaped = true;
                }
                else
                {
                    _inString = false;
                }

                _pos++;
                continue;
            }

            int structural = buffer[_pos..].IndexOfAny(Structurals);
            if (structural < 0)
            {
                _pos = buffer.Length;
                break;
            }

            _pos += structural;
            byte b = buffer[_pos];
            if (b == '{')
            {
                SplitResult? cut = CheckNewRecord(buffer, isFinal);
                if (cut is not null)
                {
                    return cut;
                }

                if (_mode == Mode.BetweenRecords)
                {
                    return null;
                }
            }

            _pos++;
            switch (b)
            {
                case (byte)'"':
                    _inString = true;
                    break;
                case (byte)'{':
                case (byte)'[':
                    _depth++;
                    break;
                default:
                    _depth--;
                    if (_depth == 0)
                    {
                        if (_mode == Mode.SkippingOversized)
                        {
                            _mode = Mode.BetweenRecords;
                            return null;
                        }

                        TokenStart = _tokenStart;
                        TokenEnd = _pos;
                        _tokenStart = -1;
                        _mode = Mode.BetweenRecords;
                        return SplitResult.Record;
                    }

                    break;
            }

            if (_mode == Mode.InRecord && _pos - _tokenStart > _maxRecordBytes)
            {
                return EnterOversized();
            }
        }

        if (_mode == Mode.InRecord && _pos - _tokenStart > _maxRecordBytes)
        {
            return EnterOversized();
        }

        if (!isFinal)
        {
            return SplitResult.NeedMoreData;
        }

        if (_mode == Mode.SkippingOversized)
        {
            _mode = Mode.BetweenRecords;
            return null;
        }

        TokenStart = _tokenStart;
        TokenEnd = buffer.Length;
        _tokenStart = -1;
        _mode = Mode.BetweenRecords;
        return SplitResult.TruncatedRecord;
    }

    private SplitResult EnterOversized()
    {
        TokenStart = _tokenStart;
        TokenEnd = _tokenStart + _maxRecordBytes;
        _tokenStart = -1;
        _mode = Mode.SkippingOversized;
        return SplitResult.OversizedRecord;
    }

    // At a '{' inside a record: is it the start of a new record? Then the current one was cut short.
    private SplitResult? CheckNewRecord(ReadOnlySpan<byte> buffer, bool isFinal)
    {
        if (_mode == Mode.InRecord && _pos == _tokenStart)
        {
            return null;
        }

        Match signature = MatchSignature(buffer, _pos, isFinal);
        if (signature == Match.NeedMore)
        {
            return SplitResult.NeedMoreData;
        }

        if (signature == Match.No)
        {
            return null;
        }

        if (_mode == Mode.SkippingOversized)
        {
            // The oversized record was reported already; scanning goes on from this new record.
            _mode = Mode.BetweenRecords;
            return null;
        }

        TokenStart = _tokenStart;
        TokenEnd = _pos;
        _tokenStart = -1;
        _mode = Mode.BetweenRecords;
        return SplitResult.TruncatedRecord;
    }

    private static bool IsWhitespace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';

    private static Match MatchSignature(ReadOnlySpan<byte> buffer, int pos, bool isFinal)
        => MatchPieces(buffer, pos, isFinal, "{"u8, "\"time\""u8, ":"u8, default, out _);

    private static Match MatchFraming(ReadOnlySpan<byte> buffer, int pos, bool isFinal, out int end)
        => MatchPieces(buffer, pos, isFinal, "{"u8, "\"records\""u8, ":"u8, "["u8, out end);

    private static Match MatchTail(ReadOnlySpan<byte> buffer, int pos, bool isFinal, out int end)
        => MatchPieces(buffer, pos, isFinal, "]"u8, "}"u8, default, default, out end);

    // Matches literal pieces separated by optional whitespace, starting at pos.
    private static Match MatchPieces(
        ReadOnlySpan<byte> buffer,
        int pos,
        bool isFinal,
        ReadOnlySpan<byte> p1,
        ReadOnlySpan<byte> p2,
        ReadOnlySpan<byte> p3,
        ReadOnlySpan<byte> p4,
        out int end)
    {
        end = pos;
        Match m = MatchPiece(buffer, ref end, isFinal, p1, skipWhitespace: false);
        if (m == Match.Yes && !p2.IsEmpty)
        {
            m = MatchPiece(buffer, ref end, isFinal, p2, skipWhitespace: true);
        }

        if (m == Match.Yes && !p3.IsEmpty)
        {
            m = MatchPiece(buffer, ref end, isFinal, p3, skipWhitespace: true);
        }

        if (m == Match.Yes && !p4.IsEmpty)
        {
            m = MatchPiece(buffer, ref end, isFinal, p4, skipWhitespace: true);
        }

        return m;
    }

    private static Match MatchPiece(ReadOnlySpan<byte> buffer, ref int pos, bool isFinal, ReadOnlySpan<byte> piece, bool skipWhitespace)
    {
        if (skipWhitespace)
        {
            while (pos < buffer.Length && IsWhitespace(buffer[pos]))
            {
                pos++;
            }
        }

        int available = Math.Min(piece.Length, buffer.Length - pos);
        if (!buffer.Slice(pos, available).SequenceEqual(piece[..available]))
        {
            return Match.No;
        }

        if (available < piece.Length)
        {
            return isFinal ? Match.No : Match.NeedMore;
        }

        pos += piece.Length;
        return Match.Yes;
    }
}
