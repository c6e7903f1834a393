using FlowLogs.BlobSource;
using FlowLogs.Parsing;

namespace FlowLogs.DeadLetters;

/// <summary>Keeps input that could not be turned into events, with the reason, for inspection.</summary>
public interface IDeadLetterStore
{
    /// <summary>Stores <paramref name="issue"/> of <paramref name="blob"/>; the same issue stored twice is kept once.</summary>
    Task WriteAsync(FlowLogBlob blob, ParseIssue issue, CancellationToken cancellationToken);

    /// <summary>
    /// Stores an event the sink could not send (too large for the intake), with the blob and byte range it came from;
    /// the same event stored twice is kept once.
    /// </summary>
    Task WriteEventAsync(string source, long rangeStart, long rangeEnd, ReadOnlyMemory<byte> eventJson, string reason, CancellationToken cancellationToken);
}
