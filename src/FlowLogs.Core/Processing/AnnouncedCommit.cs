using FlowLogs.Checkpoints;

namespace FlowLogs.Processing;

/// <summary>What an announcement of a commit (an Event Grid event's <c>data</c>) says of the blob just after it.</summary>
/// <param name="Length">The blob's length after the commit (<c>contentLength</c>).</param>
/// <param name="ETag">The blob's ETag after the commit (<c>eTag</c>), with or without quotes; null when not given.</param>
internal readonly record struct AnnouncedCommit(long Length, string? ETag)
{
    /// <summary>
    /// Whether <paramref name="checkpoint"/> has read this commit: it caught up with the blob at this very ETag, or at a
    /// greater length (flow-log blobs only grow; a rewrite that shortens one is a change of length the replay sees).
    /// </summary>
    public bool IsReadBy(BlobCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        return (checkpoint.IsAtETag(ETag) == true && checkpoint.BlobLength == Length) || Length < checkpoint.BlobLength;
    }
}
