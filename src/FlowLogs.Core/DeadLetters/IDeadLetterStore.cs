using FlowLogs.BlobSource;
using FlowLogs.Parsing;

namespace FlowLogs.DeadLetters;

/// <summary>Keeps input that could not be turned into events, with the reason, for inspection.</summary>
internal interface IDeadLetterStore
{
    /// <summary>
    /// Stores the <paramref name="issues"/> one read of <paramref name="blob"/> met, as one item (a few when their bytes
    /// are large); the same issues stored twice are kept once.
    /// </summary>
    Task WriteAsync(FlowLogBlob blob, IReadOnlyList<ParseIssue> issues, CancellationToken cancellationToken);

    /// <summary>
    /// Stores an event the sink could not send (too large for the intake), with the blob and byte range it came from;
    /// the same event stored twice is kept once.
    /// </summary>
    Task WriteEventAsync(string source, long rangeStart, long rangeEnd, ReadOnlyMemory<byte> eventJson, string reason, CancellationToken cancellationToken);
}
