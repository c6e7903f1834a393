using FlowLogs.Parsing;
using Microsoft.Extensions.Logging;

namespace FlowLogs.Processing;

/// <summary>The processor's log lines, one definition each, shared by its parts (all under the processor's category).</summary>
internal static partial class ProcessingLog
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "{Blob} is claimed by another process, which will look at it again before letting go")]
    public static partial void ClaimedElsewhere(ILogger logger, string blob);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Anomaly on {Blob}: {Kind}: {Detail}")]
    public static partial void Anomaly(ILogger logger, string blob, string kind, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dead-lettered {Kind} at byte {Offset} of {Blob}: {Reason}")]
    public static partial void DeadLettered(ILogger logger, string blob, ParseIssueKind kind, long offset, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event of {Blob} (records at bytes {Start}-{End}) not sent and dead-lettered: {Reason}")]
    public static partial void EventRefused(ILogger logger, string blob, long start, long end, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dead-lettered {More} more items of {Blob} in the same read")]
    public static partial void MoreDeadLettered(ILogger logger, string blob, int more);

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivered bytes {Start}-{End} of {Blob}: {Events} events in {ElapsedMs} ms")]
    public static partial void Chunk(ILogger logger, string blob, long start, long end, long events, long elapsedMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "Processing {Blob} failed; delivery stays checkpointed at byte {Offset} and will be retried")]
    public static partial void Failed(ILogger logger, Exception exception, string blob, long offset);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not let go of {Blob} after a failure; its claim lapses on its own")]
    public static partial void AbandonFailed(ILogger logger, Exception exception, string blob);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not renew the claim of {Blob}; trying again")]
    public static partial void RenewalFailed(ILogger logger, Exception exception, string blob);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The claim of {Blob} could not be renewed in time (it lasts {Duration}); this process stops reading it so that no other reads it at the same time")]
    public static partial void ClaimUnconfirmed(ILogger logger, string blob, TimeSpan duration);
}
