using Azure;
using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using FlowLogs.Hosting;

namespace FlowLogs.SelfCheck;

/// <summary>
/// <see cref="IStorageProbe"/> against the named connections, as the pipeline builds them (<see cref="StorageClientFactory"/>),
/// with one quick retry and a network time-out of <paramref name="timeout"/>: a check is a snapshot, not a delivery.
/// </summary>
internal sealed class AzureStorageProbe(StorageClientFactory clients, TimeSpan timeout) : IStorageProbe
{
    /// <inheritdoc/>
    public string? AccountName(string connection)
    {
        try
        {
            return clients.Blobs(connection).AccountName;
        }
        catch (Exception ex) when (StorageAnswer.From(ex) is { Fault: StorageFault.NotConfigured })
        {
            return null;
        }
    }

    /// <inheritdoc/>
    public Task<StorageAnswer> ListContainerAsync(string connection, string container, CancellationToken cancellationToken)
        => AskAsync(async () =>
        {
            BlobContainerClient client = clients.Blobs(connection, Configure).GetBlobContainerClient(container);
            return await FirstPageAsync(client.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix: null, cancellationToken)).ConfigureAwait(false);
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<StorageAnswer> QueryTableAsync(string connection, string table, CancellationToken cancellationToken)
        => AskAsync(async () =>
        {
            TableClient client = clients.Tables(connection, Configure).GetTableClient(table);
            return await FirstPageAsync(client.QueryAsync<TableEntity>(maxPerPage: 1, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<StorageAnswer> GetQueueAsync(string connection, string queue, CancellationToken cancellationToken)
        => AskAsync(async () =>
        {
            QueueClient client = clients.Queues(connection, Configure).GetQueueClient(queue);
            Response<QueueProperties> properties = await client.GetPropertiesAsync(cancellationToken).ConfigureAwait(false);
            return Answer(properties.GetRawResponse()) with { Count = properties.Value.ApproximateMessagesCount };
        }, cancellationToken);

    private void Configure(ClientOptions options)
    {
        options.Retry.MaxRetries = 1;
        options.Retry.Delay = TimeSpan.FromMilliseconds(200);
        options.Retry.NetworkTimeout = timeout;
    }

    private static StorageAnswer Answer(Response response) => new(response.Status, ServiceTime: response.Headers.Date);

    // One page of at most one item: the answer to a list or a query is all the check needs.
    private static async Task<StorageAnswer> FirstPageAsync<T>(AsyncPageable<T> items)
        where T : notnull
    {
        await foreach (Page<T> page in items.AsPages(pageSizeHint: 1).ConfigureAwait(false))
        {
            return Answer(page.GetRawResponse());
        }

        return new StorageAnswer(200);
    }

    // Every storage failure becomes an answer (StorageAnswer.From): the service's status and code, or why there was none.
    private static async Task<StorageAnswer> AskAsync(Func<Task<StorageAnswer>> ask, CancellationToken cancellationToken)
    {
        try
        {
            return await ask().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The client's own network time-out, not the caller's cancellation.
            return StorageAnswer.Without(StorageFault.Unreachable, "no answer within the network time-out");
        }
        catch (Exception ex) when (StorageAnswer.From(ex) is { } answer)
        {
            return answer;
        }
    }
}
