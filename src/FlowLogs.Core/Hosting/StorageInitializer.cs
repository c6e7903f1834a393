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
/// it, not every event later.
/// </summary>
internal sealed class StorageInitializer(TableCheckpointStore checkpoints, TableReplayStateStore replay, BlobDeadLetterStore deadLetters, Func<QueueClient> events, Func<FlowLogAccounts> accounts) : IHostedService
{
    /// <inheritdoc/>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _ = accounts();
        await checkpoints.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
        await replay.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
        await deadLetters.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
        await events().CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
