using FlowLogs.Diagnostics;
using Microsoft.Extensions.Logging;

namespace FlowLogs.Clock;

/// <summary>
/// The storage service's time, as this instance reads it off the <c>Date</c> header of the service's answers: what
/// every "over", "quiet" and age is judged by, so that instances (and <c>flowlogs</c> replicas) whose clocks disagree
/// still agree on which hours Azure is done writing.
/// </summary>
/// <remarks>
/// The instance's own clock is used only between two answers, to move the time on: its rate is trusted, its reading is
/// not. Before the first answer the time is the instance's. Every answer also measures the instance's skew, which is
/// exported (<c>flowlogs.clock.skew</c>) and warned about past <see cref="SkewWarning"/>.
/// </remarks>
internal sealed partial class StorageClock : TimeProvider
{
    /// <summary>An instance whose clock is off by more than this says so (a warning, at most every ten minutes).</summary>
    public static readonly TimeSpan SkewWarning = TimeSpan.FromMinutes(1);

    // The Date header has whole seconds and the answer takes time to arrive: a reading replaces the offset only when it
    // differs by more than this, so the time never steps back and forth by a second.
    private static readonly TimeSpan Tolerance = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan WarningInterval = TimeSpan.FromMinutes(10);

    private readonly TimeProvider _local;
    private readonly ILogger<StorageClock> _logger;
    private long _offsetTicks;
    private int _observed;
    private long _lastWarning;

    /// <summary>A clock on <paramref name="local"/>'s rate, corrected by each answer observed.</summary>
    public StorageClock(TimeProvider local, ILogger<StorageClock> logger)
    {
        _local = local ?? throw new ArgumentNullException(nameof(local));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    /// <summary>How far this instance's clock runs ahead of the storage service's (negative: behind); null before the first answer.</summary>
    public TimeSpan? Skew => Volatile.Read(ref _observed) == 0 ? null : -TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    /// <inheritdoc/>
    public override DateTimeOffset GetUtcNow() => _local.GetUtcNow().AddTicks(Interlocked.Read(ref _offsetTicks));

    /// <inheritdoc/>
    public override long GetTimestamp() => _local.GetTimestamp();

    /// <inheritdoc/>
    public override long TimestampFrequency => _local.TimestampFrequency;

    /// <inheritdoc/>
    public override TimeZoneInfo LocalTimeZone => _local.LocalTimeZone;

    /// <inheritdoc/>
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) => _local.CreateTimer(callback, state, dueTime, period);

    /// <summary>Takes in the service's time from an answer's <c>Date</c> header (whole seconds), received now.</summary>
    public void Observe(DateTimeOffset serviceDate)
    {
        // The service's time lies somewhere in the second the header names: its middle is the best guess.
        long offset = (serviceDate.AddMilliseconds(500) - _local.GetUtcNow()).Ticks;
        long current = Interlocked.Read(ref _offsetTicks);
        if (Interlocked.Exchange(ref _observed, 1) == 0 || Math.Abs(offset - current) > Tolerance.Ticks)
        {
            Interlocked.Exchange(ref _offsetTicks, offset);
            current = offset;
        }

        TimeSpan skew = -TimeSpan.FromTicks(current);
        FlowLogMetrics.RecordClockSkew(skew);
        if (skew.Duration() > SkewWarning)
        {
            long now = _local.GetTimestamp();
            long last = Interlocked.Read(ref _lastWarning);
            if ((last == 0 || _local.GetElapsedTime(last, now) >= WarningInterval) && Interlocked.CompareExchange(ref _lastWarning, now, last) == last)
            {
                LogSkew(_logger, Environment.MachineName, skew.TotalSeconds);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The clock of {Instance} is {SkewSeconds:F0} s off the storage service's (positive: ahead). Hours and ages are judged by the service's time, so nothing is lost, but fix the instance's time synchronisation")]
    private static partial void LogSkew(ILogger logger, string instance, double skewSeconds);
}
