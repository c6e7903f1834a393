using System.Diagnostics.Metrics;
using FlowLogs.Diagnostics;

namespace FlowLogs.Tests.Diagnostics;

/// <summary>The lag gauge reports what this instance's last replay saw, and stops once that is too old to be true.</summary>
public class FlowLogMetricsTests
{
    [Test]
    public void TheLagIsReportedForHalfAnHourAfterTheReplayThatMeasuredItAndThenNoMore()
    {
        FlowLogMetrics.RecordLag(TimeSpan.FromMinutes(7));
        long measured = Environment.TickCount64;

        Measurement<long>[] fresh = [.. FlowLogMetrics.LagMeasurements(measured + (long)TimeSpan.FromMinutes(29).TotalMilliseconds)];
        Measurement<long>[] stale = [.. FlowLogMetrics.LagMeasurements(measured + (long)TimeSpan.FromMinutes(31).TotalMilliseconds)];

        Assert.That(fresh.Select(m => m.Value), Is.EqualTo(new[] { 420L }));
        Assert.That(stale, Is.Empty, "an instance whose replay ran long ago no longer speaks for the lag");
    }
}
