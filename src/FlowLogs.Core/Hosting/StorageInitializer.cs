using Azure.Storage.Queues;
using FlowLogs.BlobSource;
using FlowLogs.Checkpoints;
using FlowLogs.DeadLetters;
using FlowLogs.Replay;
using Microsoft.Extensions.Hosting;

namespace FlowLogs.Hosting;

/// <summary>
/// Creates the checkpoint table, the replay table, the dead-letter container and the events queue (queue delivery's)
/// at start if they are missing, and builds the flow-log accounts, so a wrong account setting stops the start naming
/// it, not every event later. After an upgrade it also checks that the first account is the one the older version
/// read, whose state it inherits.
/// </summary>
internal sealed class StorageInitializer(TableCheckpointStore checkpoints, TableReplayStateStore replay, BlobDeadLetterStore deadLetters, Func<QueueClient> events, Func<FlowLogAccounts> accounts) : IHostedService
{
    // Folders of the older version looked for: a few tell where they are.
    private const int LegacyFoldersLookedFor = 3;

    /// <inheritdoc/>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        FlowLogAccounts flowLogs = accounts();
        await checkpoints.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
        await replay.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
        await deadLetters.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
        await events().CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        if (await FolderOfLegacyStateElsewhereAsync(flowLogs, cancellationToken).ConfigureAwait(false) is { } elsewhere)
        {
            throw new InvalidOperationException(
                $"the checkpoints and replay state written before blob names carried their account belong to the first flow-log account ('{flowLogs.Accounts[0]}'), " +
                $"but their resource folders are in '{elsewhere}': list '{elsewhere}' first in FlowLogs:Storage:FlowLogConnections (the template's flowLogAccounts), or its open hours would be read and sent again");
        }
    }

    // An account other than the first that holds the older version's folders while the first holds none of them.
    private async Task<string?> FolderOfLegacyStateElsewhereAsync(FlowLogAccounts flowLogs, CancellationToken cancellationToken)
    {
        if (flowLogs.Accounts.Count < 2)
        {
            return null;
        }

        IReadOnlyList<(string Container, string Prefix)> legacy = await replay.GetLegacyPrefixesAsync(LegacyFoldersLookedFor, cancellationToken).ConfigureAwait(false);
        string? elsewhere = null;
        foreach ((string container, string prefix) in legacy)
        {
            if (await HasFolderAsync(flowLogs, flowLogs.Accounts[0], container, prefix, cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            foreach (string other in flowLogs.Accounts.Skip(1))
            {
                if (elsewhere is null && await HasFolderAsync(flowLogs, other, container, prefix, cancellationToken).ConfigureAwait(false))
                {
                    elsewhere = other;
                }
            }
        }

        return elsewhere;
    }

    private static async Task<bool> HasFolderAsync(FlowLogAccounts flowLogs, string account, string container, string prefix, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (string _ in flowLogs.ListChildPrefixesAsync(account, container, prefix + "/", cancellationToken).ConfigureAwait(false))
            {
                return true;
            }
        }
        catch (Azure.RequestFailedException)
        {
            // An account that cannot be listed now tells nothing either way.
        }

        return false;
    }

    /// <inheritdoc/>
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
