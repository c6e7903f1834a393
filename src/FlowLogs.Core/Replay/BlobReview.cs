using FlowLogs.BlobSource;
using FlowLogs.Checkpoints;

namespace FlowLogs.Replay;

/// <summary>Where a listed blob stands against its checkpoint.</summary>
internal enum BlobStanding
{
    /// <summary>Read to the committed length listed.</summary>
    UpToDate,

    /// <summary>Behind (or never read), and nobody is reading it: the replay catches it up.</summary>
    Behind,

    /// <summary>Behind, but held by a process that reads it now.</summary>
    Held,

    /// <summary>Behind, but a trigger moved its delivery moments ago: evidently working, so left to it.</summary>
    LeftToTrigger,
}

/// <summary>
/// What the replay makes of one listed blob: where it stands, whether Azure is done writing it, and since when its
/// unread bytes wait. Pure: every time in it is the storage service's.
/// </summary>
/// <param name="Standing">Where the blob stands.</param>
/// <param name="Final">Whether its hour is over by the grace and it has not changed for as long.</param>
/// <param name="UnreadSince">Since when its unread bytes wait (its last progress, or its hour's start if never read); null when up to date.</param>
/// <param name="HeldUntil">When the claim of the process holding it lapses unless renewed; null when nobody holds it.</param>
internal readonly record struct BlobReview(BlobStanding Standing, bool Final, DateTimeOffset? UnreadSince, DateTimeOffset? HeldUntil = null)
{
    /// <summary>Reviews <paramref name="found"/>, a blob of <paramref name="hour"/>, against its checkpoint at <paramref name="now"/>.</summary>
    public static BlobReview Of(CatalogBlob found, DateTimeOffset hour, BlobCheckpoint? checkpoint, DateTimeOffset now, ReplayOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        bool final = HourCompletion.IsFinal(hour, found.LastModified, options.CompletionGrace, now);
        DateTimeOffset? heldUntil = checkpoint?.IsHeldAt(now) == true ? checkpoint.ClaimExpires : null;
        bool held = heldUntil is not null;
        if (checkpoint is not null && checkpoint.BlobLength == found.Length && !RewrittenSince(checkpoint, found) && !held)
        {
            return new BlobReview(BlobStanding.UpToDate, final, null);
        }

        // A failing trigger writes the checkpoint too (its claim, its abandon) without moving it: that is no progress.
        DateTimeOffset? progressed = checkpoint is null ? null : checkpoint.Progressed ?? checkpoint.FirstSeen;
        DateTimeOffset since = progressed ?? hour;
        if (held)
        {
            return new BlobReview(BlobStanding.Held, final, since, heldUntil);
        }

        // No grace is no grace: two instances' readings of the service's time differ by a second or so, and a progress
        // written a moment ago by another may read as a moment ahead.
        return progressed is { } moved && options.TriggerGrace > TimeSpan.Zero && now - moved < options.TriggerGrace
            ? new BlobReview(BlobStanding.LeftToTrigger, final, since)
            : new BlobReview(BlobStanding.Behind, final, since);
    }

    // Same length, another ETag: committed again since its checkpoint caught up (a rewrite in place, or the same blocks
    // committed again); read, so the processor's digest of the consumed blocks can tell which.
    private static bool RewrittenSince(BlobCheckpoint checkpoint, CatalogBlob found) => checkpoint.IsAtETag(found.ETag) == false;
}
