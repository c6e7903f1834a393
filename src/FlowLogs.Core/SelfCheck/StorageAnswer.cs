using System.Net.Sockets;
using System.Security.Authentication;
using Azure;
using Azure.Identity;
using FlowLogs.Hosting;

namespace FlowLogs.SelfCheck;

/// <summary>Why a storage request got no HTTP answer.</summary>
internal enum StorageFault
{
    /// <summary>The service answered (<see cref="StorageAnswer.Status"/>).</summary>
    None,

    /// <summary>Nothing answered: name resolution, connection, TLS or time-out.</summary>
    Unreachable,

    /// <summary>The connection's settings are missing or not a connection string or endpoint.</summary>
    NotConfigured,

    /// <summary>No identity could get a token for the endpoint.</summary>
    NoIdentity,
}

/// <summary>
/// What one storage request came back with: the status and the service's error code (<c>x-ms-error-code</c>), the
/// service's time (the response's Date header), or why there was no answer. Never holds a key.
/// </summary>
/// <param name="Status">The HTTP status; 0 without an answer.</param>
/// <param name="ErrorCode">The storage error code, e.g. <c>AuthorizationPermissionMismatch</c>.</param>
/// <param name="ServiceTime">The response's Date header.</param>
/// <param name="Fault">Why there was no answer.</param>
/// <param name="Message">What the client said when there was no answer (no key, no query string).</param>
/// <param name="Count">What the request counted, when it counts (messages in a queue).</param>
internal sealed record StorageAnswer(int Status, string? ErrorCode = null, DateTimeOffset? ServiceTime = null, StorageFault Fault = StorageFault.None, string? Message = null, long? Count = null)
{
    /// <summary>A 2xx answer.</summary>
    public bool Succeeded => Fault == StorageFault.None && Status is >= 200 and < 300;

    /// <summary>No answer, for <paramref name="fault"/>.</summary>
    public static StorageAnswer Without(StorageFault fault, string message) => new(0, Fault: fault, Message: message);

    /// <summary>
    /// What a storage request that threw <paramref name="exception"/> came back with: the service's status and code, or
    /// why there was none; null when the exception says nothing about storage. Decided on the exception's type, status
    /// and code; its message is kept only where it is the app's own (<see cref="StorageConnectionException"/>), never the
    /// client's, which may hold a request URL (with a SAS) or a piece of a connection string.
    /// </summary>
    public static StorageAnswer? From(Exception exception) => exception switch
    {
        null => throw new ArgumentNullException(nameof(exception)),
        RequestFailedException { Status: not 0 } failed => new StorageAnswer(failed.Status, failed.ErrorCode, failed.GetRawResponse()?.Headers.Date),

        // Before the network errors: both derive from AuthenticationException, as a failed TLS handshake does.
        CredentialUnavailableException or AuthenticationFailedException => Without(StorageFault.NoIdentity, exception.GetType().Name),
        RequestFailedException or HttpRequestException or AggregateException or SocketException or AuthenticationException or IOException => Without(StorageFault.Unreachable, NetworkReason(exception)),
        StorageConnectionException => Without(StorageFault.NotConfigured, exception.Message),

        // The clients' parsers of connection strings and endpoints throw these; the table client's parser an
        // InvalidOperationException, which from anywhere else is a fault of the program, not of the settings.
        FormatException or ArgumentException => NotAConnection,
        InvalidOperationException when exception.Source?.StartsWith("Azure.", StringComparison.Ordinal) == true => NotAConnection,
        _ => null,
    };

    private static StorageAnswer NotAConnection => Without(StorageFault.NotConfigured, "not a valid storage connection string or blob endpoint (e.g. UseDevelopmentStorage=true, DefaultEndpointsProtocol=https;AccountName=…;AccountKey=…, or https://<account>.blob.core.windows.net/)");

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

/// <summary>The storage requests the self-check makes: one cheap read per resource, each naming its connection.</summary>
internal interface IStorageProbe
{
    /// <summary>The account behind <paramref name="connection"/>, or null when the connection is not configured.</summary>
    string? AccountName(string connection);

    /// <summary>Lists at most one blob of <paramref name="container"/>.</summary>
    Task<StorageAnswer> ListContainerAsync(string connection, string container, CancellationToken cancellationToken);

    /// <summary>Reads at most one entity of <paramref name="table"/>.</summary>
    Task<StorageAnswer> QueryTableAsync(string connection, string table, CancellationToken cancellationToken);

    /// <summary>Reads the properties of <paramref name="queue"/> (its approximate message count in <see cref="StorageAnswer.Count"/>).</summary>
    Task<StorageAnswer> GetQueueAsync(string connection, string queue, CancellationToken cancellationToken);
}
