using Azure.Storage.Blobs;
using FlowLogs.Checkpoints;
using FlowLogs.DeadLetters;
using FlowLogs.Replay;
using Microsoft.Extensions.Hosting;

namespace FlowLogs.Hosting;

/// <summary>Creates the checkpoint table, the replay table and the dead-letter container at start if they are missing.</summary>
internal sealed class StorageInitializer(TableCheckpointStore checkpoints, TableReplayStateStore replay, BlobDeadLetterStore deadLetters) : IHostedService
{
    /// <inheritdoc/>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await checkpoints.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
        await replay.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
        await deadLetters.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
