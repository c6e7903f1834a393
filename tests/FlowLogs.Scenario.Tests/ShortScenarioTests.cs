using FlowLogs.Scenario;

namespace FlowLogs.Scenario.Tests;

/// <summary>
/// The end-to-end fault scenario, short: an outage longer than the replay window before it, its own Azurite restarted
/// midway, processor processes killed with SIGKILL, triggers duplicated and out of order, an intake failing some
/// requests and acknowledging some only after longer than a claim lasts, a bad block, storage refusing requests past
/// its rates, instance clocks 70 minutes ahead and behind, a record split across commits and a late blob, then the
/// replay.
/// </summary>
[Category("Azurite")]
public class ShortScenarioTests
{
    [Test]
    [CancelAfter(300_000)]
    public async Task NothingIsLost()
    {
        var options = new ScenarioOptions
        {
            Nics = 2,
            Minutes = 6,
            Workers = 2,
            TuplesPerRecord = 15,
            Interval = TimeSpan.FromMilliseconds(500),
            KillEvery = TimeSpan.FromSeconds(2),
            BadBlockEvery = 10,
            SlowAcknowledgementRate = 0.1,
            ThrottleAccountPerSecond = 20,
            ThrottlePartitionPerSecond = 6,
        };

        Audit audit = await ScenarioRunner.RunAsync(options, TestContext.Out);

        Assert.Multiple(() =>
        {
            Assert.That(audit.Lost, Is.Zero, "lost");
            Assert.That(audit.Unexpected, Is.Zero, "ids that no written tuple has");
            Assert.That(audit.Unique, Is.EqualTo(audit.Expected));
            Assert.That(audit.Expected, Is.EqualTo(audit.TuplesWritten), "every tuple the simulator wrote is valid; bad blocks come on top");
            Assert.That(audit.DeadLettered, Is.EqualTo(audit.BadBlocksWritten));
            Assert.That(audit.ProcessorsKilled, Is.GreaterThan(0));
            Assert.That(audit.AzuriteRestarts, Is.EqualTo(1));
            Assert.That(audit.IntakeFaults, Is.GreaterThan(0));
            Assert.That(audit.SlowAcknowledgements, Is.GreaterThan(0), "some deliveries outlived the claim");
            Assert.That(audit.ClaimsTakenFromLiveHolders, Is.Zero, "renewal kept every claim its holder was alive to use");
            Assert.That(audit.OutageTuples, Is.GreaterThan(0), "an outage longer than the replay window");
            Assert.That(audit.StorageRefused, Is.GreaterThan(0), "storage refused requests past its rates, and they were retried");
            Assert.That((audit.SplitRecords, audit.LateBlobs, audit.ClockSkewMinutes), Is.EqualTo((1, 1, 70)), "late writes and clocks off the service's");
        });
    }
}
