using System.Diagnostics.Metrics;
using FlowLogs.Clock;
using FlowLogs.Diagnostics;
using FlowLogs.Tests.Support;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace FlowLogs.Tests.Clock;

/// <summary>The storage service's time as an instance reads it: corrected by every answer, warned about past a minute.</summary>
public class StorageClockTests
{
    private static readonly DateTimeOffset ServiceNow = new(2031, 3, 4, 12, 0, 0, TimeSpan.Zero);

    [Test]
    public void BeforeAnyAnswerItIsTheInstancesClockAndAfterOneTheServicesMovedOnByTheInstancesRate()
    {
        var local = new FakeTimeProvider(ServiceNow.AddMinutes(70));
        var clock = new StorageClock(local, new CapturingLogger<StorageClock>());
        Assert.That((clock.GetUtcNow(), clock.Skew), Is.EqualTo((ServiceNow.AddMinutes(70), (TimeSpan?)null)));

        clock.Observe(ServiceNow);
        local.Advance(TimeSpan.FromMinutes(3));

        Assert.That(clock.GetUtcNow(), Is.EqualTo(ServiceNow.AddMinutes(3)).Within(TimeSpan.FromSeconds(1)));
        Assert.That(clock.Skew, Is.EqualTo(TimeSpan.FromMinutes(70)).Within(TimeSpan.FromSeconds(1)));
    }

    [Test]
    public void ReadingsWithinTwoSecondsDoNotMoveItSoItNeverStepsBackAndForth()
    {
        var local = new FakeTimeProvider(ServiceNow);
        var clock = new StorageClock(local, new CapturingLogger<StorageClock>());
        clock.Observe(ServiceNow);
        DateTimeOffset before = clock.GetUtcNow();

        clock.Observe(ServiceNow.AddSeconds(-1));
        Assert.That(clock.GetUtcNow(), Is.EqualTo(before), "a reading a second off is the header's rounding");

        clock.Observe(ServiceNow.AddSeconds(-3));
        Assert.That(clock.GetUtcNow(), Is.EqualTo(before.AddSeconds(-3)), "past the tolerance, the service's time wins");
    }

    [Test]
    public void AnInstanceOffByMoreThanAMinuteIsWarnedAboutAtMostEveryTenMinutesAndExported()
    {
        var local = new FakeTimeProvider(ServiceNow.AddSeconds(59));
        var log = new CapturingLogger<StorageClock>();
        var clock = new StorageClock(local, log);
        var measured = new List<double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == FlowLogMetrics.MeterName && instrument.Name == "flowlogs.clock.skew")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, value, _, _) => measured.Add(value));
        listener.Start();

        clock.Observe(ServiceNow.AddSeconds(-1));
        Assert.That(Warnings(log), Is.Zero, "59.5 s: inside the minute");

        local.Advance(TimeSpan.FromSeconds(2));
        clock.Observe(ServiceNow.AddSeconds(-2));
        clock.Observe(ServiceNow.AddSeconds(-2));
        Assert.That(Warnings(log), Is.EqualTo(1), "past the minute, said once");

        local.Advance(TimeSpan.FromMinutes(9));
        clock.Observe(ServiceNow.AddMinutes(9).AddSeconds(-2));
        Assert.That(Warnings(log), Is.EqualTo(1));
        local.Advance(TimeSpan.FromMinutes(1));
        clock.Observe(ServiceNow.AddMinutes(10).AddSeconds(-2));
        Assert.That(Warnings(log), Is.EqualTo(2), "ten minutes later, said again");

        listener.RecordObservableInstruments();
        Assert.That(measured, Has.Some.EqualTo(62.5).Within(0.01), "seconds ahead of the service");
    }

    private static int Warnings(CapturingLogger<StorageClock> log) => log.Lines.Count(l => l.Level == LogLevel.Warning);
}
