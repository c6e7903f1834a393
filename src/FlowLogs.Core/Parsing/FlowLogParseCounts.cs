namespace FlowLogs.Parsing;

/// <summary>Running totals of what a <see cref="FlowLogReader"/> has read and skipped.</summary>
internal sealed class FlowLogParseCounts
{
    /// <summary>Records read and returned (each with at least its valid tuples).</summary>
    public long Records { get; internal set; }

    /// <summary>Records skipped whole: invalid JSON, unknown shape, truncated or oversized.</summary>
    public long RecordsSkipped { get; internal set; }

    /// <summary>Tuples seen in returned records, valid or not.</summary>
    public long Tuples { get; internal set; }

    /// <summary>Tuples skipped because they were malformed.</summary>
    public long TuplesSkipped { get; internal set; }

    /// <summary>Runs of bytes between records that belonged to no record.</summary>
    public long UnexpectedByteRuns { get; internal set; }

    /// <summary>Input bytes consumed.</summary>
    public long Bytes { get; internal set; }

    /// <summary>Events the valid tuples make: one per tuple.</summary>
    public long Events => Tuples - TuplesSkipped;

    /// <summary>Skipped items of every kind.</summary>
    public long Skipped => RecordsSkipped + TuplesSkipped + UnexpectedByteRuns;
}
