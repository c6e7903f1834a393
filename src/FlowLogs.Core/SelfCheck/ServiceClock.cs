namespace FlowLogs.SelfCheck;

/// <summary>
/// The storage service's time, as the self-check's storage answers gave it (their Date headers), with this machine's
/// time at the middle of each request and a monotonic timestamp: enough to tell the service's time later without
/// trusting this machine's clock, and to compare the two clocks.
/// </summary>
internal sealed class ServiceClock(TimeProvider time)
{
    private readonly Lock _gate = new();
    private (DateTimeOffset Service, DateTimeOffset LocalMiddle, long Timestamp)? _latest;

    /// <summary>The latest answer's Date, this machine's time in the middle of its request; null before any.</summary>
    public (DateTimeOffset Service, DateTimeOffset LocalMiddle)? Latest
    {
        get
        {
            lock (_gate)
            {
                return _latest is { } l ? (l.Service, l.LocalMiddle) : null;
            }
        }
    }

    /// <summary>The service's time now: the latest Date (taken as the middle of its second) plus the time elapsed since, on this machine's monotonic timer.</summary>
    public DateTimeOffset? Now
    {
        get
        {
            lock (_gate)
            {
                return _latest is { } l ? l.Service + TimeSpan.FromMilliseconds(500) + time.GetElapsedTime(l.Timestamp) : null;
            }
        }
    }

    /// <summary>Runs <paramref name="ask"/> and keeps its answer's Date with this machine's time at the middle of the request.</summary>
    public async Task<StorageAnswer> SampleAsync(Func<Task<StorageAnswer>> ask)
    {
        ArgumentNullException.ThrowIfNull(ask);
        DateTimeOffset before = time.GetUtcNow();
        StorageAnswer answer = await ask().ConfigureAwait(false);
        if (answer.ServiceTime is { } service)
        {
            DateTimeOffset after = time.GetUtcNow();
            lock (_gate)
            {
                _latest = (service, before + ((after - before) / 2), time.GetTimestamp());
            }
        }

        return answer;
    }
}

/// <summary>An <see cref="IStorageProbe"/> whose every answer's Date goes to a <see cref="ServiceClock"/>.</summary>
internal sealed class SampledStorageProbe(IStorageProbe inner, ServiceClock clock) : IStorageProbe
{
    /// <inheritdoc/>
    public string? AccountName(string connection) => inner.AccountName(connection);

    /// <inheritdoc/>
    public Task<StorageAnswer> ListContainerAsync(string connection, string container, CancellationToken cancellationToken)
        => clock.SampleAsync(() => inner.ListContainerAsync(connection, container, cancellationToken));

    /// <inheritdoc/>
    public Task<StorageAnswer> QueryTableAsync(string connection, string table, CancellationToken cancellationToken)
        => clock.SampleAsync(() => inner.QueryTableAsync(connection, table, cancellationToken));

    /// <inheritdoc/>
    public Task<StorageAnswer> GetQueueAsync(string connection, string queue, CancellationToken cancellationToken)
        => clock.SampleAsync(() => inner.GetQueueAsync(connection, queue, cancellationToken));
}
