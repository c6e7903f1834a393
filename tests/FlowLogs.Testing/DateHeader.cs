using FlowLogs.Clock;

namespace FlowLogs.Testing;

/// <summary>What every answer of a storage service tells the caller's clock, as the clients' pipeline policy hears it.</summary>
internal static class DateHeader
{
    /// <summary>Gives <paramref name="clock"/>, if any, the service's time as a Date header would: in whole seconds.</summary>
    public static void Tell(StorageClock? clock, TimeProvider service)
    {
        if (clock is not null)
        {
            DateTimeOffset now = service.GetUtcNow();
            clock.Observe(now.AddTicks(-(now.Ticks % TimeSpan.TicksPerSecond)));
        }
    }
}
