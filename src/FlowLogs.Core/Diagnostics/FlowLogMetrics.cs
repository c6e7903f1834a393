using System.Diagnostics.Metrics;

namespace FlowLogs.Diagnostics;

/// <summary>
/// The pipeline's metrics, on the meter <c>FlowLogs</c> (System.Diagnostics.Metrics: exported by OpenTelemetry or
/// Application Insights, watched locally with <c>dotnet-counters monitor -n flowlogs --counters FlowLogs</c>).
/// </summary>
public static class FlowLogMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "FlowLogs";

    private static readonly Meter Meter = new(MeterName, "1.0");
    // An instance reports the lag its own last replay saw, and only for so long: with several instances, one that ran
    // the replay hours ago must not keep exporting a lag the backlog no longer has.
    private static readonly TimeSpan LagReportedFor = TimeSpan.FromMinutes(30);
    private static long s_lastLagSeconds;
    private static long s_lastLagAt;
    private static long s_clockSkewMilliseconds;
    private static long s_storageThrottled;
    private static int s_clockSkewMeasured;

    /// <summary>Events acknowledged by the sink.</summary>
    public static Counter<long> EventsDelivered { get; } = Meter.CreateCounter<long>("flowlogs.events.delivered", "{event}", "Events acknowledged by the sink");

    /// <summary>Blob bytes read.</summary>
    public static Counter<long> BytesRead { get; } = Meter.CreateCounter<long>("flowlogs.bytes.read", "By", "Flow-log blob bytes read");

    /// <summary>Skipped input and unsendable events written to the dead-letter store.</summary>
    public static Counter<long> DeadLettered { get; } = Meter.CreateCounter<long>("flowlogs.deadlettered", "{item}", "Items written to the dead-letter store");

    /// <summary>Intake requests retried.</summary>
    public static Counter<long> IntakeRetries { get; } = Meter.CreateCounter<long>("flowlogs.intake.retries", "{request}", "Intake requests retried after a transient failure");

    /// <summary>Failed processing calls (the data is retried by the next trigger or the replay).</summary>
    public static Counter<long> ProcessingFailures { get; } = Meter.CreateCounter<long>("flowlogs.processing.failures", "{call}", "Blob processing calls that failed");

    /// <summary>Storage answers refused for load (503 Server Busy, 500 Operation Timed Out), each retried by the client.</summary>
    public static Counter<long> StorageThrottled { get; } = Meter.CreateCounter<long>("flowlogs.storage.throttled", "{answer}", "Storage answers refused for load (503, 500), retried with backoff");

    /// <summary>Storage answers refused for load by this process so far: a run's share is the difference across it.</summary>
    public static long StorageThrottledTotal => Interlocked.Read(ref s_storageThrottled);

    /// <summary>Checks that failed in the app's self-checks (at start and with each replay run): 0 while everything passes.</summary>
    public static Counter<long> ChecksFailed { get; } = Meter.CreateCounter<long>("flowlogs.checks.failed", "{check}", "Checks that failed in the app's self-checks");

    /// <summary>Time to read, parse and deliver one chunk (the replay's <c>flowlogs.lag</c> tells how far behind delivery is).</summary>
    public static Histogram<double> DeliveryDuration { get; } = Meter.CreateHistogram<double>("flowlogs.chunk.duration", "s", "Time to read, parse and deliver one chunk");

    /// <summary>Sets the lag the last replay saw (age of the oldest unread byte).</summary>
    public static void RecordLag(TimeSpan lag)
    {
        Interlocked.Exchange(ref s_lastLagSeconds, (long)lag.TotalSeconds);
        Interlocked.Exchange(ref s_lastLagAt, Environment.TickCount64);
    }

    /// <summary>Counts one storage answer refused for load.</summary>
    public static void RecordStorageThrottled()
    {
        Interlocked.Increment(ref s_storageThrottled);
        StorageThrottled.Add(1);
    }

    /// <summary>Sets how far this instance's clock runs ahead of the storage service's (negative: behind).</summary>
    public static void RecordClockSkew(TimeSpan skew)
    {
        Interlocked.Exchange(ref s_clockSkewMilliseconds, (long)skew.TotalMilliseconds);
        Volatile.Write(ref s_clockSkewMeasured, 1);
    }

    // The lag measurement at `now` (Environment.TickCount64), if this process measured it within LagReportedFor.
    internal static IEnumerable<Measurement<long>> LagMeasurements(long now)
    {
        long at = Interlocked.Read(ref s_lastLagAt);
        return at != 0 && now - at <= (long)LagReportedFor.TotalMilliseconds
            ? [new Measurement<long>(Interlocked.Read(ref s_lastLagSeconds))]
            : [];
    }

    static FlowLogMetrics()
    {
        Meter.CreateObservableGauge(
            "flowlogs.clock.skew",
            () => Volatile.Read(ref s_clockSkewMeasured) == 0 ? [] : new[] { new Measurement<double>(Interlocked.Read(ref s_clockSkewMilliseconds) / 1000.0) },
            "s",
            "How far this instance's clock runs ahead of the storage service's (negative: behind); ages and hours are judged by the service's");
        Meter.CreateObservableGauge("flowlogs.lag", () => LagMeasurements(Environment.TickCount64), "s", "Age of the oldest unread byte at this instance's last replay (reported for 30 min after it)");
    }
}
