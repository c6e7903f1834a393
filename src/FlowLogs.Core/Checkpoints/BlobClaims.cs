using Microsoft.Extensions.Logging;

namespace FlowLogs.Checkpoints;

/// <summary>The outcome of <see cref="BlobClaims.TryClaimAsync"/>.</summary>
internal enum ClaimOutcome
{
    /// <summary>This process holds the blob.</summary>
    Claimed,

    /// <summary>Another process holds it and was told to look again before letting go.</summary>
    ClaimedElsewhere,

    /// <summary>Its checkpoint shows what the caller came for already read: nothing was written.</summary>
    AlreadyRead,
}

/// <summary>The outcome of <see cref="BlobClaims.TryReleaseAsync"/>.</summary>
internal enum ReleaseOutcome
{
    /// <summary>The checkpoint is written and the blob let go.</summary>
    Released,

    /// <summary>Another process marked the blob pending: the claim is kept (the mark cleared) and the caller looks again.</summary>
    LookAgain,

    /// <summary>The claim was taken by another process: the caller must stop at once.</summary>
    ClaimLost,
}

/// <summary>A claim this process holds on a blob: the checkpoint as stored, with its ETag.</summary>
internal sealed class BlobClaim : IDisposable
{
    private volatile bool _lost;

    internal BlobClaim(StoredCheckpoint stored, string owner, DateTimeOffset confirmed)
    {
        Stored = stored;
        Owner = owner;
        Confirmed = confirmed;
    }

    /// <summary>The checkpoint and its ETag as last written or read.</summary>
    public StoredCheckpoint Stored { get; internal set; }

    /// <summary>This process's owner id.</summary>
    public string Owner { get; }

    /// <summary>The checkpoint.</summary>
    public BlobCheckpoint Checkpoint => Stored.Value;

    /// <summary>True once another process was found holding the blob: every later write is refused.</summary>
    public bool IsLost => _lost;

    /// <summary>True once this process let go (released or abandoned): a late renewal must not claim it again.</summary>
    public bool IsReleased { get; internal set; }

    /// <summary>When the claim was last written (its expiry then being that time plus the duration).</summary>
    public DateTimeOffset Confirmed { get; internal set; }

    /// <summary>Serializes this process's writes of the entity (the renewal runs beside the work).</summary>
    internal SemaphoreSlim Gate { get; } = new(1, 1);

    internal void MarkLost() => _lost = true;

    /// <inheritdoc/>
    public void Dispose() => Gate.Dispose();
}

/// <summary>
/// Claims a blob for one process at a time through its checkpoint entity, with conditional writes only:
/// <list type="bullet">
/// <item>a claim is a write of owner and expiry, made only if nobody holds an unexpired claim;</item>
/// <item>a process that finds the blob held writes <see cref="BlobCheckpoint.Pending"/> instead and leaves;</item>
/// <item>the holder renews with every checkpoint and lets go with a write that fails if Pending was set since it last
/// read the entity, so it looks at the blob again: no commit is left behind by a process that stepped aside;</item>
/// <item>the holder renews its claim while it works (<see cref="RenewAsync"/>), and stops at once when it finds the
/// claim taken: every later write of a lost claim is refused;</item>
/// <item>a crashed holder's claim lapses after the claim duration.</item>
/// </list>
/// </summary>
internal sealed partial class BlobClaims(ICheckpointStore store, TimeProvider time, ILogger<BlobClaims> logger)
{
    private const int MaxConflicts = 50;

    private readonly ICheckpointStore _store = store ?? throw new ArgumentNullException(nameof(store));
    private readonly TimeProvider _time = time ?? throw new ArgumentNullException(nameof(time));
    private readonly ILogger<BlobClaims> _logger = logger ?? throw new ArgumentNullException(nameof(logger));

    /// <summary>
    /// Claims <paramref name="blobName"/> for <paramref name="owner"/>, or marks it pending for its holder; or, when
    /// <paramref name="alreadyRead"/> says its checkpoint has read what the caller came for, does neither.
    /// </summary>
    public async Task<(ClaimOutcome Outcome, BlobClaim? Held)> TryClaimAsync(string blobName, string owner, TimeSpan duration, Func<BlobCheckpoint, bool>? alreadyRead, CancellationToken cancellationToken)
    {
        for (int attempt = 0; attempt < MaxConflicts; attempt++)
        {
            // The time is read after the answer: a process's first answer sets the storage service's clock it goes by.
            StoredCheckpoint? stored = await _store.GetAsync(blobName, cancellationToken).ConfigureAwait(false);
            DateTimeOffset now = _time.GetUtcNow();
            if (stored is not null && alreadyRead is not null && alreadyRead(stored.Value))
            {
                return (ClaimOutcome.AlreadyRead, null);
            }

            if (stored is null)
            {
                BlobCheckpoint fresh = BlobCheckpoint.New(blobName, now) with { ClaimOwner = owner, ClaimExpires = now + duration };
                StoredCheckpoint? added = await _store.TryAddAsync(fresh, cancellationToken).ConfigureAwait(false);
                if (added is not null)
                {
                    return (ClaimOutcome.Claimed, new BlobClaim(added, owner, now));
                }

                continue;
            }

            BlobCheckpoint current = stored.Value;
            bool free = current.ClaimOwner is null || current.ClaimExpires is null || current.ClaimExpires <= now || current.ClaimOwner == owner;
            if (free)
            {
                if (current.ClaimOwner is not null && current.ClaimOwner != owner)
                {
                    LogLapsedClaim(_logger, blobName, current.ClaimOwner, current.ClaimExpires, owner, current.Offset);
                }

                // Taking the blob also takes any pending mark: this process is about to look at the blob anyway.
                BlobCheckpoint claimed = current with { ClaimOwner = owner, ClaimExpires = now + duration, Pending = false };
                StoredCheckpoint? replaced = await _store.TryReplaceAsync(claimed, stored.ETag, cancellationToken).ConfigureAwait(false);
                if (replaced is not null)
                {
                    return (ClaimOutcome.Claimed, new BlobClaim(replaced, owner, now));
                }

                continue;
            }

            if (current.Pending)
            {
                return (ClaimOutcome.ClaimedElsewhere, null);
            }

            StoredCheckpoint? marked = await _store.TryReplaceAsync(current with { Pending = true }, stored.ETag, cancellationToken).ConfigureAwait(false);
            if (marked is not null)
            {
                return (ClaimOutcome.ClaimedElsewhere, null);
            }
        }

        throw new InvalidOperationException($"could not claim {blobName}: its checkpoint changed {MaxConflicts} times in a row");
    }

    /// <summary>Writes <paramref name="checkpoint"/> and renews the claim.</summary>
    /// <returns>False when the claim was lost (the entity changed in a way only another owner makes).</returns>
    public async Task<bool> SaveAsync(BlobClaim held, BlobCheckpoint checkpoint, TimeSpan duration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(held);
        ArgumentNullException.ThrowIfNull(checkpoint);
        await held.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            EnsureForward(held.Checkpoint, checkpoint);
            return await WriteClaimedAsync(held, checkpoint, duration, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            held.Gate.Release();
        }
    }

    /// <summary>Extends the claim by <paramref name="duration"/> from now, leaving the checkpoint as last saved.</summary>
    /// <returns>False when the claim was lost.</returns>
    public async Task<bool> RenewAsync(BlobClaim held, TimeSpan duration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(held);
        await held.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await WriteClaimedAsync(held, held.Checkpoint, duration, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            held.Gate.Release();
        }
    }

    /// <summary>
    /// Writes <paramref name="checkpoint"/> and lets go of the blob, unless another process marked it pending since
    /// this one last read the entity (then the claim is kept and the caller looks at the blob again), or took the claim.
    /// </summary>
    public async Task<ReleaseOutcome> TryReleaseAsync(BlobClaim held, BlobCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(held);
        ArgumentNullException.ThrowIfNull(checkpoint);
        await held.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (held.IsLost)
            {
                return ReleaseOutcome.ClaimLost;
            }

            EnsureForward(held.Checkpoint, checkpoint);
            DateTimeOffset now = _time.GetUtcNow();
            if (held.Checkpoint.Pending)
            {
                // Clear the mark but keep the claim: the caller is about to look again.
                BlobCheckpoint cleared = checkpoint with { ClaimOwner = held.Owner, ClaimExpires = held.Checkpoint.ClaimExpires, Updated = now, Pending = false };
                StoredCheckpoint? written = await _store.TryReplaceAsync(cleared, held.Stored.ETag, cancellationToken).ConfigureAwait(false);
                if (written is not null)
                {
                    held.Stored = written;
                    return ReleaseOutcome.LookAgain;
                }

                return await RefreshAsync(held, cancellationToken).ConfigureAwait(false) ? ReleaseOutcome.LookAgain : ReleaseOutcome.ClaimLost;
            }

            BlobCheckpoint released = checkpoint with { ClaimOwner = null, ClaimExpires = null, Updated = now, Pending = false };
            StoredCheckpoint? done = await _store.TryReplaceAsync(released, held.Stored.ETag, cancellationToken).ConfigureAwait(false);
            if (done is not null)
            {
                held.Stored = done;
                held.IsReleased = true;
                return ReleaseOutcome.Released;
            }

            return await RefreshAsync(held, cancellationToken).ConfigureAwait(false) ? ReleaseOutcome.LookAgain : ReleaseOutcome.ClaimLost;
        }
        finally
        {
            held.Gate.Release();
        }
    }

    /// <summary>
    /// Lets go after a failure, if the claim is still ours, writing <paramref name="acknowledged"/> (what the sink
    /// acknowledged, not yet written: a failed release must not send a delivered delta again) or, when null, the
    /// checkpoint as last written.
    /// </summary>
    public async Task AbandonAsync(BlobClaim held, BlobCheckpoint? acknowledged, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(held);
        await held.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            for (int attempt = 0; attempt < 3 && !held.IsLost; attempt++)
            {
                // Keep a pending mark: whoever comes next must look at the blob. Progress only moves forward.
                BlobCheckpoint progress = acknowledged is not null && IsForward(held.Checkpoint, acknowledged) ? acknowledged : held.Checkpoint;
                BlobCheckpoint released = progress with { ClaimOwner = null, ClaimExpires = null, Updated = _time.GetUtcNow(), Pending = held.Checkpoint.Pending };
                if (await _store.TryReplaceAsync(released, held.Stored.ETag, cancellationToken).ConfigureAwait(false) is not null)
                {
                    held.IsReleased = true;
                    return;
                }

                if (!await RefreshAsync(held, cancellationToken).ConfigureAwait(false))
                {
                    return;
                }
            }
        }
        finally
        {
            held.Gate.Release();
        }
    }

    // Writes the checkpoint with the claim extended; under the gate.
    private async Task<bool> WriteClaimedAsync(BlobClaim held, BlobCheckpoint checkpoint, TimeSpan duration, CancellationToken cancellationToken)
    {
        if (held.IsReleased)
        {
            return false;
        }

        for (int attempt = 0; attempt < MaxConflicts && !held.IsLost; attempt++)
        {
            DateTimeOffset now = _time.GetUtcNow();
            BlobCheckpoint next = checkpoint with { ClaimOwner = held.Owner, ClaimExpires = now + duration, Updated = now, Pending = held.Checkpoint.Pending };
            StoredCheckpoint? written = await _store.TryReplaceAsync(next, held.Stored.ETag, cancellationToken).ConfigureAwait(false);
            if (written is not null)
            {
                held.Stored = written;
                held.Confirmed = now;
                return true;
            }

            // Someone wrote meanwhile: a pending mark keeps our claim; anything else means the claim is gone.
            if (!await RefreshAsync(held, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }
        }

        // Outwritten every time: as good as lost, and treated so, rather than retried without end.
        if (!held.IsLost)
        {
            held.MarkLost();
            LogLostClaim(_logger, held.Checkpoint.BlobName, held.Owner, "whoever kept writing it");
        }

        return false;
    }

    // The offset only moves back when a rewrite is acknowledged by counting it: a stale writer can never rewind it.
    private static bool IsForward(BlobCheckpoint stored, BlobCheckpoint next)
        => next.Restarts > stored.Restarts || (next.Restarts == stored.Restarts && next.Offset >= stored.Offset);

    private static void EnsureForward(BlobCheckpoint stored, BlobCheckpoint next)
    {
        if (!IsForward(stored, next))
        {
            throw new InvalidOperationException($"checkpoint of {stored.BlobName} would move back from byte {stored.Offset} to {next.Offset} without a restart");
        }
    }

    // Re-reads the entity; true when it is still ours (possibly with a pending mark), false when the claim was lost,
    // which is then final: the holder stops, and says so once.
    private async Task<bool> RefreshAsync(BlobClaim held, CancellationToken cancellationToken)
    {
        StoredCheckpoint? stored = await _store.GetAsync(held.Checkpoint.BlobName, cancellationToken).ConfigureAwait(false);
        if (stored is null || stored.Value.ClaimOwner != held.Owner)
        {
            if (!held.IsLost)
            {
                held.MarkLost();
                LogLostClaim(_logger, held.Checkpoint.BlobName, held.Owner, stored?.Value.ClaimOwner ?? "nobody");
            }

            return false;
        }

        held.Stored = stored;
        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Claim of {Blob} by {PreviousOwner} lapsed at {Expires}; {Owner} takes over from byte {Offset}")]
    private static partial void LogLapsedClaim(ILogger logger, string blob, string previousOwner, DateTimeOffset? expires, string owner, long offset);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Claim of {Blob} by {Owner} was lost (now held by {Holder}); this process stops reading it")]
    private static partial void LogLostClaim(ILogger logger, string blob, string owner, string holder);
}
