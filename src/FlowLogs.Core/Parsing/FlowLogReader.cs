
namespace FlowLogs.Parsing;

/// <summary>
/// Reads flow-log records one at a time from a whole PT1H.json or a block delta, from a stream or from memory.
/// Memory stays bounded by the largest record; bad input is reported through <see cref="Issues"/> and skipped,
/// never thrown.
/// </summary>
/// <remarks>
/// <see cref="Current"/> is reused: it is valid only until the next call to <see cref="Read"/> or <see cref="ReadAsync"/>.
/// </remarks>
public sealed class FlowLogReader : IDisposable, IInvalidTupleObserver
{
    private static readonly byte[] Utf8Bom = [0xEF, 0xBB, 0xBF];

    private readonly Stream? _stream;
    private readonly ReadOnlyMemory<byte> _memory;
    private readonly FlowLogSource _source;
    private readonly long _baseOffset;
    private readonly FlowLogReaderOptions _options;
    private readonly RecordSplitter _splitter;
    private FlowRecord _record;
    private bool _ownsRecord;
    private readonly List<ParseIssue> _issues = [];
    private byte[] _buffer = [];
    private int _dataEnd;
    private long _bufferBase;
    private bool _isFinal;
    private bool _started;
    private int _recordIndex;

    /// <summary>Reads from a stream, which is not disposed by the reader.</summary>
    /// <param name="stream">The bytes: a whole PT1H.json or a block delta.</param>
    /// <param name="sourceName">Names the blob (container/path) or file; part of every event id.</param>
    /// <param name="baseOffset">Where the first byte of <paramref name="stream"/> sits in the whole blob.</param>
    /// <param name="options">Limits and hooks; defaults when null.</param>
    public FlowLogReader(Stream stream, string? sourceName = null, long baseOffset = 0, FlowLogReaderOptions? options = null)
        : this(stream, sourceName is null ? FlowLogSource.Anonymous : new FlowLogSource(sourceName), baseOffset, options)
    {
    }

    /// <summary>Reads from bytes in memory.</summary>
    /// <param name="input">The bytes: a whole PT1H.json or a block delta.</param>
    /// <param name="sourceName">Names the blob (container/path) or file; part of every event id.</param>
    /// <param name="baseOffset">Where the first byte of <paramref name="input"/> sits in the whole blob.</param>
    /// <param name="options">Limits and hooks; defaults when null.</param>
    public FlowLogReader(ReadOnlyMemory<byte> input, string? sourceName = null, long baseOffset = 0, FlowLogReaderOptions? options = null)
        : this(input, sourceName is null ? FlowLogSource.Anonymous : new FlowLogSource(sourceName), baseOffset, options)
    {
    }

    // The pipeline names a blob once per call (its hash seeds every event id) and reads it many times.
    internal FlowLogReader(Stream stream, FlowLogSource source, long baseOffset = 0, FlowLogReaderOptions? options = null)
        : this(source, baseOffset, options)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        _buffer = GrowingArrays.Rent<byte>(_options.ReadSize * 2);
    }

    internal FlowLogReader(ReadOnlyMemory<byte> input, FlowLogSource source, long baseOffset = 0, FlowLogReaderOptions? options = null)
        : this(source, baseOffset, options)
    {
        _memory = input;
        _buffer = [];
        _isFinal = true;
        Counts.Bytes = input.Length;
    }

    private FlowLogReader(FlowLogSource? source, long baseOffset, FlowLogReaderOptions? options)
    {
        _record = options?.Record ?? new FlowRecord();
        _ownsRecord = options?.Record is null;
        ArgumentOutOfRangeException.ThrowIfNegative(baseOffset);
        _options = options ?? new FlowLogReaderOptions();
        _options.Validate();
        _source = source ?? FlowLogSource.Anonymous;
        _baseOffset = baseOffset;
        _splitter = new RecordSplitter(_options.MaxRecordBytes);
    }

    /// <summary>The record read by the last successful call; reused by the next call.</summary>
    public FlowRecord Current => _record;

    /// <summary>
    /// Makes the next reads fill <paramref name="record"/>, owned by the caller, instead of <see cref="Current"/>'s
    /// instance: a caller that serializes one record on another thread while the next is parsed hands each read its own.
    /// </summary>
    internal void ReadInto(FlowRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (_ownsRecord)
        {
            _record.Dispose();
            _ownsRecord = false;
        }

        _record = record;
    }

    /// <summary>Totals of what was read and skipped so far.</summary>
    internal FlowLogParseCounts Counts { get; } = new();

    /// <summary>Records read and returned so far (each with at least its valid tuples).</summary>
    public long RecordsRead => Counts.Records;

    /// <summary>Tuples seen so far in returned records, valid or not.</summary>
    public long TuplesRead => Counts.Tuples;

    /// <summary>Records skipped whole so far: invalid JSON, unknown shape, truncated or oversized.</summary>
    public long RecordsSkipped => Counts.RecordsSkipped;

    /// <summary>Malformed tuples skipped so far.</summary>
    public long TuplesSkipped => Counts.TuplesSkipped;

    /// <summary>Runs of bytes between records that belonged to no record, so far.</summary>
    public long UnexpectedByteRuns => Counts.UnexpectedByteRuns;

    /// <summary>Input bytes consumed so far.</summary>
    public long BytesRead => Counts.Bytes;

    /// <summary>Items of every kind skipped so far: each one is reported as a <see cref="ParseIssue"/>.</summary>
    public long Skipped => Counts.Skipped;

    /// <summary>The first <see cref="FlowLogReaderOptions.MaxIssuesKept"/> issues, in input order.</summary>
    public IReadOnlyList<ParseIssue> Issues => _issues;

    /// <summary>Size of the read buffer, for tests that memory stays bounded.</summary>
    internal int BufferCapacity => _buffer.Length;

    private ReadOnlySpan<byte> Data => _stream is null ? _memory.Span : _buffer.AsSpan(0, _dataEnd);

    /// <summary>Advances to the next record with at least one tuple slot; false at the end of input.</summary>
    public bool Read()
    {
        while (true)
        {
            if (TryReadBuffered(out bool needMore))
            {
                return true;
            }

            if (!needMore)
            {
                return false;
            }

            int read = _stream!.Read(PrepareFill());
            CompleteFill(read);
        }
    }

    /// <summary>Advances to the next record; false at the end of input.</summary>
    public async ValueTask<bool> ReadAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (TryReadBuffered(out bool needMore))
            {
                return true;
            }

            if (!needMore)
            {
                return false;
            }

            int read = await _stream!.ReadAsync(PrepareFillMemory(), cancellationToken).ConfigureAwait(false);
            CompleteFill(read);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_ownsRecord)
        {
            _record.Dispose();
        }

        if (_buffer.Length > 0)
        {
            GrowingArrays.Return(_buffer);
            _buffer = [];
        }
    }

    void IInvalidTupleObserver.OnInvalidTuple(FlowRecord record, int ordinal, int offsetInRecord, ReadOnlySpan<byte> bytes, string reason)
    {
        Counts.TuplesSkipped++;
        Report(ParseIssueKind.InvalidTuple, reason, record.Offset + offsetInRecord, record.Index, ordinal, bytes, bytes.Length);
    }

    private bool TryReadBuffered(out bool needMore)
    {
        needMore = false;
        if (!_started)
        {
            _started = true;
            if (_stream is null && _baseOffset == 0 && _memory.Span.StartsWith(Utf8Bom))
            {
                _splitter.Discard(-Utf8Bom.Length);
            }
        }

        while (true)
        {
            ReadOnlySpan<byte> data = Data;
            SplitResult result = _splitter.Next(data, _isFinal);
            int start = _splitter.TokenStart;
            int end = _splitter.TokenEnd;
            long offset = _baseOffset + _bufferBase + start;
            switch (result)
            {
                case SplitResult.Record:
                    if (ParseRecord(data[start..end], offset))
                    {
                        return true;
                    }

                    break;
                case SplitResult.UnexpectedBytes:
                    Counts.UnexpectedByteRuns++;
                    Report(ParseIssueKind.UnexpectedBytes, "bytes between records belong to no record", offset, -1, -1, data[start..end], end - start);
                    break;
                case SplitResult.TruncatedRecord:
                    SkipRecord(ParseIssueKind.TruncatedRecord, end == data.Length && _isFinal ? "record is cut short by the end of the input" : "record is cut short: a new record starts before it closes", offset, data[start..end]);
                    break;
                case SplitResult.OversizedRecord:
                    SkipRecord(ParseIssueKind.OversizedRecord, $"record is longer than {_options.MaxRecordBytes} bytes (FlowLogReaderOptions.MaxRecordBytes); it is skipped", offset, data[start..end]);
                    break;
                case SplitResult.NeedMoreData:
                    needMore = true;
                    return false;
                default:
                    return false;
            }
        }
    }

    private bool ParseRecord(ReadOnlySpan<byte> json, long offset)
    {
        _record.Source = _source;
        _record.Offset = offset;
        _record.Length = json.Length;
        _record.Index = _recordIndex++;
        (ParseIssueKind Kind, string Reason)? failure = FlowRecordParser.Parse(json, _record, this);

        // Parse resets the record; set the location again for the caller (and for tuple issues, set before).
        _record.Source = _source;
        _record.Offset = offset;
        _record.Length = json.Length;
        if (failure is { } f)
        {
            Counts.RecordsSkipped++;
            Report(f.Kind, f.Reason, offset, _record.Index, -1, json, json.Length);
            return false;
        }

        Counts.Records++;
        Counts.Tuples += _record.TuplesSeen;
        return true;
    }

    // A record skipped whole still takes an index: indexes count every record of the input, read or skipped.
    private void SkipRecord(ParseIssueKind kind, string reason, long offset, ReadOnlySpan<byte> bytes)
    {
        Counts.RecordsSkipped++;
        Report(kind, reason, offset, _recordIndex++, -1, bytes, bytes.Length);
    }

    private void Report(ParseIssueKind kind, string reason, long offset, int recordIndex, int tupleOrdinal, ReadOnlySpan<byte> bytes, int length)
    {
        var issue = new ParseIssue(kind, reason, _source.Name, offset, recordIndex, tupleOrdinal, bytes, length);
        if (_issues.Count < _options.MaxIssuesKept)
        {
            _issues.Add(issue);
        }

        _options.IssueReported?.Invoke(issue);
    }

    private Span<byte> PrepareFill() => PrepareFillMemory().Span;

    private Memory<byte> PrepareFillMemory()
    {
        // Drop what the splitter no longer needs, then make room for one more read.
        int keep = _splitter.KeepFrom;
        if (keep > 0)
        {
            _buffer.AsSpan(keep, _dataEnd - keep).CopyTo(_buffer);
            _splitter.Discard(keep);
            _bufferBase += keep;
            _dataEnd -= keep;
        }

        if (_buffer.Length - _dataEnd < _options.ReadSize)
        {
            byte[] larger = GrowingArrays.Rent<byte>(Math.Max(_buffer.Length * 2, _dataEnd + _options.ReadSize));
            _buffer.AsSpan(0, _dataEnd).CopyTo(larger);
            GrowingArrays.Return(_buffer);
            _buffer = larger;
        }

        return _buffer.AsMemory(_dataEnd, _buffer.Length - _dataEnd);
    }

    private void CompleteFill(int read)
    {
        if (read == 0)
        {
            _isFinal = true;
            return;
        }

        if (_baseOffset == 0 && _bufferBase == 0 && _dataEnd == 0 && read >= 3 && _buffer.AsSpan(0, 3).SequenceEqual(Utf8Bom))
        {
            // A BOM is not part of any record: let the splitter start after it.
            _splitter.Discard(-Utf8Bom.Length);
        }

        _dataEnd += read;
        Counts.Bytes += read;
    }
}
