using FlowLogs.BlobSource;
using FlowLogs.Parsing;
using FlowLogs.Testing;
using FlowLogs.WorkerHost;

namespace FlowLogs.Functions.Tests;

[Category("Azurite")]
public class ReplayTimerTests
{
    [Test]
    public async Task TheTimerRunsTheReplayWhichCatchesUpABlobNoTriggerAnnounced()
    {
        const string Key = "timer-test-key";
        Scenario scenario = Scenario.Create(seed: 21);
        await using LoopbackIntake intake = await LoopbackIntake.StartAsync(Key);
        await using WorkerProtocolHost worker = await WorkerProtocolHost.StartAsync(FunctionsApp.BuildDirectory, AppSettings.For(scenario.Storage, intake, Key), CancellationToken.None);

        // This hour, so inside the replay's window; no invocation of a blob trigger announces it.
        DateTimeOffset now = DateTimeOffset.UtcNow;
        var hour = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero);
        FlowLogBlob vnet = null!;
        FlowLogBlob nsg = null!;
        for (int minute = 0; minute < 2; minute++)
        {
            vnet = await scenario.Simulator.AppendMinuteAsync(FlowLogKind.VirtualNetwork, scenario.Nic(0), hour.AddMinutes(minute), CancellationToken.None);
            nsg = await scenario.Simulator.AppendMinuteAsync(FlowLogKind.NetworkSecurityGroup, scenario.Nic(1), hour.AddMinutes(minute), CancellationToken.None);
        }

        InvocationResult result = await worker.InvokeTimerAsync("ReplayMissedHours", CancellationToken.None);

        Assert.That(result.Succeeded, Is.True, result.Exception);
        Assert.That(Scenario.EventIds(intake, vnet), Has.Count.EqualTo(scenario.Tuples(vnet)).And.Count.EqualTo(24).And.Unique);
        Assert.That(Scenario.EventIds(intake, nsg), Has.Count.EqualTo(scenario.Tuples(nsg)).And.Count.EqualTo(24).And.Unique);
        Assert.That((await scenario.Checkpoints.GetAsync(vnet.FullName, CancellationToken.None))!.Value.EventsDelivered, Is.EqualTo(24));
        Assert.That(result.Logs.Select(l => l.Message), Has.Some.Contains("replay").IgnoreCase, "the replay's run is logged against the invocation");

        int before = intake.Events.Count;
        InvocationResult again = await worker.InvokeTimerAsync("ReplayMissedHours", CancellationToken.None);
        Assert.That(again.Succeeded, Is.True, again.Exception);
        Assert.That(intake.Events, Has.Count.EqualTo(before), "a second run finds nothing behind");
    }
}
