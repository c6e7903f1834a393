using FlowLogs.Sinks;

namespace FlowLogs.Processing;

/// <summary>
/// The most memory one processing call can hold at once under given limits, so instances can be sized to never run out:
/// the read buffer (at most a chunk plus a record carried into it, twice while it grows and the carried bytes are
/// copied), the record being parsed, the batch being filled (a growing buffer may be twice its content), and a sink
/// request's worth. The request's body is streamed from the batch into gzip, so only the gzipped copy (about an eighth
/// of it) is held; the events in the batch are escaped for the receiver (up to ~15% larger): counting a request and a
/// quarter covers both. Document-mode reads hold no read buffer, and dead-letter bad bytes before they hold more than a
/// record.
/// </summary>
internal static class ProcessingMemory
{
    /// <summary>Bytes one call may hold at worst.</summary>
    public static long WorstCaseBytesPerCall(BlobProcessorOptions processing, SinkRequestLimits? sink)
    {
        ArgumentNullException.ThrowIfNull(processing);
        long read = 2 * ((long)processing.MaxChunkBytes + processing.MaxRecordBytes);
        long record = processing.MaxRecordBytes;
        long batch = 2L * processing.MaxBatchBytes;
        long request = sink is null ? 0 : sink.MaxRequestBytes + (sink.MaxRequestBytes / 4);
        return read + record + batch + request;
    }
}
