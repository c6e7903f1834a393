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
