using FlowLogs.BlobSource;
using Microsoft.Extensions.Logging;

namespace FlowLogs.Replay;

/// <summary>What a discovery found.</summary>
/// <param name="Prefixes">Every resource prefix known of the configured accounts, the new ones included.</param>
/// <param name="ReadBackTo">The oldest hour a folder found now may hold unread blobs of; null when none was found.</param>
/// <param name="AccountsUnlisted">Accounts whose walk failed (they are walked again next run).</param>
internal sealed record DiscoveryResult(IReadOnlyList<ResourcePrefix> Prefixes, DateTimeOffset? ReadBackTo, int AccountsUnlisted);

/// <summary>
/// Finds the resource folders of every flow-log account: walks its containers with delimiter listings down to the
/// folders just above <c>y=</c>, remembering each folder as it is found and, once every container was walked to its
/// end, the walk. An account whose walk never ran to its end is walked again at the next run, and read back from when
/// it was first set out to be walked; an account that refuses its listings is counted, the others go on.
/// </summary>
/// <remarks>
/// The walks go by <see cref="ReplayOptions.DiscoveryInterval"/>; folders found are read back to an hour before the
/// account's last complete walk (<see cref="ReplayPlan.ReadBackFor"/>).
/// </remarks>
internal sealed partial class ResourceDiscovery(IFlowLogBlobCatalog catalog, IReplayStateStore state, ReplayOptions options, ILogger logger)
{
    private const int MaxDepth = 32;

    /// <summary>
    /// Walks the accounts whose walk is due at <paramref name="now"/> (the storage service's time). Before the first
    /// folder of an account is saved, <paramref name="owe"/> is told how far back that account must be read: whatever
    /// stops the run after that (a kill, the function timeout) leaves the read-back owed.
    /// </summary>
    public async Task<DiscoveryResult> DiscoverAsync(IReadOnlyList<ResourcePrefix> known, IReadOnlyList<AccountWalk> walks, DateTimeOffset now, Func<DateTimeOffset, CancellationToken, Task> owe, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(owe);
        var all = new HashSet<ResourcePrefix>(known);
        DateTimeOffset? readBackTo = null;
        int unlisted = 0;
        foreach (string account in catalog.Accounts)
        {
            // An account with no folder known yet (flow logs just turned on) is walked at every run: it costs a listing
            // per container, and its first blobs are found at once.
            AccountWalk? walk = walks.FirstOrDefault(w => string.Equals(w.Account, account, StringComparison.Ordinal));
            // No interval is no interval: two instances' readings of the service's time differ by a second or so.
            if (walk?.LastWalked is { } last && options.DiscoveryInterval > TimeSpan.Zero && now - last < options.DiscoveryInterval
                && known.Any(p => string.Equals(p.Account, account, StringComparison.Ordinal)))
            {
                continue;
            }

            if (walk is null)
            {
                walk = new AccountWalk(account, now, null);
                await state.SaveWalkAsync(walk, cancellationToken).ConfigureAwait(false);
            }

            // An account never walked to its end (new, cut short, or back in the settings after it was left out) is read
            // back whatever its walk finds; any other, only when the walk finds a folder it did not know.
            DateTimeOffset back = ReplayPlan.ReadBackFor(walk, options);
            bool owed = false;
            async Task OweAsync()
            {
                if (!owed)
                {
                    owed = true;
                    await owe(back, cancellationToken).ConfigureAwait(false);
                    readBackTo = readBackTo is { } earlier && earlier <= back ? earlier : back;
                }
            }

            if (walk.LastWalked is null)
            {
                await OweAsync().ConfigureAwait(false);
            }

            try
            {
                foreach (string container in options.FlowLogContainers)
                {
                    await WalkAsync(account, container, all, OweAsync, cancellationToken).ConfigureAwait(false);
                }

                await state.SaveWalkAsync(walk with { LastWalked = now }, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogWalkFailed(logger, ex, account, ex.Message);
                unlisted++;
            }
        }

        return new DiscoveryResult([.. all], readBackTo, unlisted);
    }

    private async Task WalkAsync(string account, string container, HashSet<ResourcePrefix> all, Func<Task> owe, CancellationToken cancellationToken)
    {
        var pending = new Stack<(string Prefix, int Depth)>();
        pending.Push((string.Empty, 0));
        while (pending.Count > 0)
        {
            (string prefix, int depth) = pending.Pop();
            await foreach (string child in catalog.ListChildPrefixesAsync(account, container, prefix, cancellationToken).ConfigureAwait(false))
            {
                string segment = child[prefix.Length..].TrimEnd('/');
                if (segment.StartsWith("y=", StringComparison.Ordinal))
                {
                    var found = new ResourcePrefix(account, container, prefix.TrimEnd('/'));
                    if (!all.Contains(found))
                    {
                        // Owed before the folder is known: once saved, it is no longer new to the next run.
                        await owe().ConfigureAwait(false);
                        await state.AddPrefixAsync(found, cancellationToken).ConfigureAwait(false);
                        all.Add(found);
                        LogNewPrefix(logger, found.Key);
                    }

                    break;
                }

                if (depth < MaxDepth)
                {
                    pending.Push((child, depth + 1));
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Replay could not walk the flow-log account {Account} for resource folders: {Reason}; the other accounts go on, this one is walked again next run")]
    private static partial void LogWalkFailed(ILogger logger, Exception exception, string account, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Replay found a new resource folder {Prefix}")]
    private static partial void LogNewPrefix(ILogger logger, string prefix);
}
