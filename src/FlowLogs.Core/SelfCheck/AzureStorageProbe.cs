using System.Net.Sockets;
using System.Security.Authentication;
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
        catch (Exception ex) when (IsConfiguration(ex))
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

    // Every failure becomes an answer: the service's status and code, or why there was none. Messages are the
    // client's own words about the network (never a request URL: a SAS would be in it) or the failing type's name.
    private static async Task<StorageAnswer> AskAsync(Func<Task<StorageAnswer>> ask, CancellationToken cancellationToken)
    {
        try
        {
            return await ask().ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status != 0)
        {
            return new StorageAnswer(ex.Status, ex.ErrorCode, DateFrom(ex));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The client's own network time-out, not the caller's cancellation.
            return StorageAnswer.Without(StorageFault.Unreachable, "no answer within the network time-out");
        }
        catch (Exception ex) when (ex is Azure.Identity.CredentialUnavailableException or Azure.Identity.AuthenticationFailedException)
        {
            // Before the network errors: both derive from AuthenticationException, as a failed TLS handshake does.
            return StorageAnswer.Without(StorageFault.NoIdentity, ex.GetType().Name);
        }
        catch (Exception ex) when (ex is RequestFailedException or HttpRequestException or AggregateException or SocketException or AuthenticationException or IOException)
        {
            return StorageAnswer.Without(StorageFault.Unreachable, NetworkReason(ex));
        }
        catch (Exception ex) when (IsConfiguration(ex))
        {
            // StorageClientFactory names the settings in its own messages; other errors are the connection string's.
            return StorageAnswer.Without(StorageFault.NotConfigured, ex is InvalidOperationException ? ex.Message : "not a valid storage connection string or blob endpoint");
        }
    }

    private static DateTimeOffset? DateFrom(RequestFailedException exception)
        => exception.GetRawResponse() is { } response ? response.Headers.Date : null;

    private static bool IsConfiguration(Exception exception) => exception is FormatException or ArgumentException or InvalidOperationException or UriFormatException;

    // The innermost reason: "Connection refused", "Name or service not known", a certificate the chain does not trust.
    private static string NetworkReason(Exception exception)
    {
        Exception inner = exception;
        while (inner.InnerException is not null)
        {
            inner = inner.InnerException;
        }

        return inner switch
        {
            SocketException socket => socket.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => "connection refused",
                SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => "the host name does not resolve",
                SocketError.TimedOut => "the connection timed out",
                _ => $"network error {socket.SocketErrorCode}",
            },
            AuthenticationException => "the TLS handshake failed (a certificate the machine does not trust, or a proxy in the way)",
            TaskCanceledException or TimeoutException => "no answer within the network time-out",
            _ => inner.GetType().Name,
        };
    }
}
