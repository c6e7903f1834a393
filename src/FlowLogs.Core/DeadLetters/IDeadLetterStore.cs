using FlowLogs.BlobSource;
using FlowLogs.Parsing;
using FlowLogs.Sinks;

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
    /// Stores each event of <paramref name="batch"/> its sink refused, with the reason, the blob and the byte range it
    /// came from; the same event stored twice is kept once.
    /// </summary>
    Task WriteRefusedAsync(EventBatch batch, IReadOnlyList<RefusedEvent> refused, CancellationToken cancellationToken);
}
