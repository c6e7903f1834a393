using System.Runtime.CompilerServices;
using Azure;
using FlowLogs.BlobSource;

namespace FlowLogs.Checkpoints;

/// <summary>
/// Checkpoints keyed by <c>account/container/name</c> that also find those written before blob names carried their
/// account (<c>container/name</c>, all of the first flow-log account): such a checkpoint is copied to its new key on
/// first read, by a conditional insert, so concurrent readers agree on one copy and the blob is never read again from
/// its start. The old entity is left as it was, so an older version of the app still finds its own.
/// </summary>
internal sealed class UpgradingCheckpointStore(ICheckpointStore inner, string? legacyAccount) : ICheckpointStore
{
    private readonly ICheckpointStore _inner = inner ?? throw new ArgumentNullException(nameof(inner));

    /// <inheritdoc/>
    public async Task<StoredCheckpoint?> GetAsync(string blobName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blobName);
        StoredCheckpoint? stored = await _inner.GetAsync(blobName, cancellationToken).ConfigureAwait(false);
        if (stored is not null || LegacyName(blobName) is not { } legacyName)
        {
            return stored;
        }

        StoredCheckpoint? legacy = await _inner.GetAsync(legacyName, cancellationToken).ConfigureAwait(false);
        if (legacy is null)
        {
            return null;
        }

        StoredCheckpoint? copied = await _inner.TryAddAsync(legacy.Value with { BlobName = blobName }, cancellationToken).ConfigureAwait(false);
        return copied ?? await _inner.GetAsync(blobName, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public Task<StoredCheckpoint?> TryAddAsync(BlobCheckpoint checkpoint, CancellationToken cancellationToken) => _inner.TryAddAsync(checkpoint, cancellationToken);

    /// <inheritdoc/>
    public Task<StoredCheckpoint?> TryReplaceAsync(BlobCheckpoint checkpoint, ETag ifMatch, CancellationToken cancellationToken) => _inner.TryReplaceAsync(checkpoint, ifMatch, cancellationToken);

    /// <inheritdoc/>
    public async IAsyncEnumerable<BlobCheckpoint> ListHourAsync(DateTimeOffset hour, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Old entities are reported under their new names, unless a copy there exists already (it is the newer).
        var current = new Dictionary<string, BlobCheckpoint>(StringComparer.Ordinal);
        var legacy = new List<BlobCheckpoint>();
        await foreach (BlobCheckpoint checkpoint in _inner.ListHourAsync(hour, cancellationToken).ConfigureAwait(false))
        {
            if (FlowLogBlob.TryParse(checkpoint.BlobName, legacyAccount: null, out _))
            {
                current[checkpoint.BlobName] = checkpoint;
            }
            else if (legacyAccount is not null)
            {
                legacy.Add(checkpoint with { BlobName = $"{legacyAccount}/{checkpoint.BlobName}" });
            }
        }

        foreach (BlobCheckpoint checkpoint in current.Values)
        {
            yield return checkpoint;
        }

        foreach (BlobCheckpoint checkpoint in legacy)
        {
            if (!current.ContainsKey(checkpoint.BlobName))
            {
                yield return checkpoint;
            }
        }
    }

    // The name the blob's checkpoint had before names carried the account, if it is of the account that wrote them.
    private string? LegacyName(string blobName)
        => legacyAccount is not null && blobName.Length > legacyAccount.Length + 1
            && blobName.StartsWith(legacyAccount, StringComparison.Ordinal) && blobName[legacyAccount.Length] == '/'
            ? blobName[(legacyAccount.Length + 1)..]
            : null;
}
