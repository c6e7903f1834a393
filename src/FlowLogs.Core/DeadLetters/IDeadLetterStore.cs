using FlowLogs.BlobSource;
using FlowLogs.Parsing;

namespace FlowLogs.DeadLetters;

/// <summary>Keeps input that could not be turned into events, with the reason, for inspection.</summary>
public interface IDeadLetterStore
{
    /// <summary>Stores <paramref name="issue"/> of <paramref name="blob"/>; the same issue stored twice is kept once.</summary>
    Task WriteAsync(FlowLogBlob blob, ParseIssue issue, CancellationToken cancellationToken);
}
