namespace FlowLogs.Parsing;

/// <summary>Limits and hooks of a <see cref="FlowLogReader"/>.</summary>
public sealed class FlowLogReaderOptions
{
    /// <summary>Default for <see cref="MaxRecordBytes"/>: 32 MiB, far above a busy NIC's minute.</summary>
    public const int DefaultMaxRecordBytes = 32 * 1024 * 1024;

    /// <summary>Records longer than this are reported and skipped; it bounds the reader's memory.</summary>
    public int MaxRecordBytes { get; set; } = DefaultMaxRecordBytes;

    /// <summary>How many bytes the reader asks its stream for at a time.</summary>
    public int ReadSize { get; set; } = 256 * 1024;

    /// <summary>How many issues <see cref="FlowLogReader.Issues"/> keeps; every issue is still counted and observed.</summary>
    public int MaxIssuesKept { get; set; } = 1000;

    /// <summary>
    /// A record instance to read into, owned by the caller, so that readers created one after another (one per chunk)
    /// reuse its grown buffers instead of growing new ones; null for a record of the reader's own.
    /// </summary>
    public FlowRecord? Record { get; set; }

    /// <summary>Called for every skipped piece of input, with its bytes (for a dead-letter store).</summary>
    public Action<ParseIssue>? IssueReported { get; set; }

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRecordBytes, 1024, nameof(MaxRecordBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(ReadSize, 1024, nameof(ReadSize));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxIssuesKept, nameof(MaxIssuesKept));
    }
}
