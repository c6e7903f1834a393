using FlowLogs.BlobSource;
using FlowLogs.Checkpoints;
using FlowLogs.Cli.Status;
using FlowLogs.Inspection;
using FlowLogs.Replay;

namespace FlowLogs.Tests.Cli;

public class StatusBuilderTests
{
    private const string VNet = FlowLogBlob.VNetContainer + "/flowLogResourceID=/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000001/RESOURCEGROUPS/RG-PROD/PROVIDERS/MICROSOFT.NETWORK/NETWORKWATCHERS/NETWORKWATCHER_WESTEUROPE/FLOWLOGS/FL-WEB";
    private const string Nsg = FlowLogBlob.NsgContainer + "/resourceId=/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000001/RESOURCEGROUPS/RG-PROD/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/NSG-DB";

    private static readonly DateTimeOffset Now = new(2026, 11, 29, 15, 30, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset ThisHour = new(2026, 11, 29, 15, 0, 0, TimeSpan.Zero);

    [Test]
    public void EverythingReadWithARecentSuccessfulReplayIsHealthy()
    {
        FlowLogState state = State(
            [Blob(VNet, ThisHour.AddHours(-1), events: 100), Blob(Nsg, ThisHour, events: 50, listed: 1000)],
            complete: [(ThisHour.AddHours(-1), VNet)]);

        StatusReport report = StatusBuilder.Build(state, StatusThresholds.Default);

        Assert.That(report.Health, Is.EqualTo(Health.Healthy), report.Reason);
        Assert.That(report.Reason, Does.StartWith("2 blobs of 2 resources read"));
        Assert.That(report.EventsDelivered, Is.EqualTo(150));
        Assert.That(report.Rows.Single(r => r.Resource == VNet).Complete, Is.True);
        Assert.That(report.Rows.Single(r => r.Resource == Nsg).Complete, Is.False);
    }

    [Test]
    public void AListingThatFindsMoreThanTheCheckpointKnowsIsBehindByTheDifference()
    {
        BlobState behind = Blob(VNet, ThisHour, events: 10, listed: 1500, read: c => c with { Progressed = Now.AddMinutes(-7) });
        StatusReport report = StatusBuilder.Build(State([behind, Blob(Nsg, ThisHour)]), StatusThresholds.Default);

        Assert.That(report.Health, Is.EqualTo(Health.Behind), report.Reason);
        Assert.That(report.BlobsBehind, Is.EqualTo(1));
        Assert.That(report.BytesBehind, Is.EqualTo(500));
        Assert.That(report.OldestUnreadAge, Is.EqualTo(TimeSpan.FromMinutes(7)));
        Assert.That(report.Reason, Does.StartWith("1 blob behind, 500 B unread, oldest unread byte 7m old"));
    }

    [Test]
    public void ABlobListedShorterThanItsCheckpointWasRewrittenAndIsBehindByAllOfIt()
    {
        StatusReport report = StatusBuilder.Build(State([Blob(VNet, ThisHour, listed: 300)]), StatusThresholds.Default);

        Assert.That(report.BlobsBehind, Is.EqualTo(1));
        Assert.That(report.BytesBehind, Is.EqualTo(300));
    }

    [Test]
    public void AByteUnreadLongerThanTheLagThresholdIsFailingAndNamesTheResource()
    {
        // Found by a listing, never read: unread since its hour began, 2h30m ago.
        const string Name = VNet + "/y=2026/m=11/d=29/h=13/m=00/macAddress=AA/PT1H.json";
        var unread = new BlobState { BlobName = Name, ResourcePrefix = VNet, Hour = ThisHour.AddHours(-2), Listed = Listing(Name, 4096) };
        StatusReport report = StatusBuilder.Build(State([unread, Blob(Nsg, ThisHour)]), StatusThresholds.Default);

        Assert.That(report.Health, Is.EqualTo(Health.Failing));
        Assert.That(report.Reason, Does.Contain("unread for 2h30m").And.Contain("vnet RG-PROD/FL-WEB"));
        Assert.That(report.Rows[0].Health, Is.EqualTo(Health.Failing));
        Assert.That(report.Rows[0].BytesBehind, Is.EqualTo(4096));
    }

    [Test]
    public void AFailedOrStaleReplayIsFailingWhateverTheCheckpointsSay()
    {
        StatusReport failed = StatusBuilder.Build(State([Blob(VNet, ThisHour)]) with { Replay = Run with { LastRunSucceeded = false, ResumeFrom = ThisHour.AddHours(-3) } }, StatusThresholds.Default);
        StatusReport stale = StatusBuilder.Build(State([Blob(VNet, ThisHour)]) with { Replay = Run with { LastRun = Now.AddHours(-5) } }, StatusThresholds.Default);

        Assert.That(failed.Health, Is.EqualTo(Health.Failing));
        Assert.That(failed.Reason, Does.Contain("did not catch up everything, resumes from 2026-11-29 12:00"));
        Assert.That(stale.Health, Is.EqualTo(Health.Failing));
        Assert.That(stale.Reason, Does.Contain("the replay last ran 5h00m ago"));
    }

    [Test]
    public void NoStateAtAllIsFailingNotHealthy()
    {
        StatusReport report = StatusBuilder.Build(State([]) with { Replay = null, ResourcePrefixes = [] }, StatusThresholds.Default);
        Assert.That(report.Health, Is.EqualTo(Health.Failing));
        Assert.That(report.Reason, Does.StartWith("nothing recorded"));
    }

    [Test]
    public void APendingMarkWithoutAHolderAndAFailedFirstReadAreBehindButACurrentClaimIsNot()
    {
        BlobState pending = Blob(VNet, ThisHour, events: 5, read: c => c with { Pending = true }, name: VNet + "/a/PT1H.json");
        BlobState neverRead = Blob(VNet, ThisHour, read: c => c with { BlobLength = 0, Offset = 0, Progressed = null }, name: VNet + "/b/PT1H.json");
        BlobState claimed = Blob(Nsg, ThisHour, read: c => c with { BlobLength = 0, Offset = 0, Progressed = null, ClaimOwner = "host-1/42/abc", ClaimExpires = Now.AddMinutes(3) });
        BlobState lapsed = Blob(Nsg, ThisHour.AddHours(-1), read: c => c with { ClaimOwner = "host-2/7/def", ClaimExpires = Now.AddMinutes(-1) });

        StatusReport report = StatusBuilder.Build(State([pending, neverRead, claimed, lapsed]), StatusThresholds.Default);

        StatusRow vnet = report.Rows.Single(r => r.Resource == VNet);
        Assert.That(vnet.BlobsBehind, Is.EqualTo(2));
        Assert.That(report.Rows.Where(r => r.Resource == Nsg).Sum(r => r.BlobsBehind), Is.Zero);
        Assert.That(report.ClaimsHeld, Is.EqualTo(1), "a lapsed claim is held by nobody");
        Assert.That(report.Rows.Single(r => r.Resource == Nsg && r.Hour == ThisHour).ClaimedBy, Is.EqualTo(new[] { "host-1/42/abc" }));
    }

    [Test]
    public void RowsAreSortedWorstFirst()
    {
        BlobState failing = Blob(Nsg, ThisHour.AddHours(-3), listed: 2000, read: c => c with { Progressed = Now.AddHours(-3) });
        BlobState behindOld = Blob(VNet, ThisHour.AddHours(-1), listed: 2000, read: c => c with { Progressed = Now.AddMinutes(-40) });
        BlobState behindNew = Blob(VNet, ThisHour, listed: 1100, read: c => c with { Progressed = Now.AddMinutes(-2) });
        BlobState deadLetters = Blob(Nsg, ThisHour.AddHours(-2), read: c => c with { DeadLettered = 3 });
        BlobState anomaly = Blob(Nsg, ThisHour.AddHours(-1), read: c => c with { LastAnomaly = "tail block is not ]}" });
        BlobState fine = Blob(Nsg, ThisHour);

        StatusReport report = StatusBuilder.Build(State([fine, anomaly, behindNew, deadLetters, failing, behindOld]), StatusThresholds.Default);

        Assert.That(report.Rows.Select(r => (r.Resource == VNet ? "vnet" : "nsg", r.Hour.Hour)), Is.EqualTo(new[]
        {
            ("nsg", 12), ("vnet", 14), ("vnet", 15), ("nsg", 13), ("nsg", 14), ("nsg", 15),
        }));
        Assert.That(report.Reason, Does.Contain("3 dead letters").And.Contain("1 blob with an anomaly"));
    }

    // Where the replay stood after its last run: four minutes ago, everything caught up.
    private static readonly ReplayRunState Run = new(LastRun: Now.AddMinutes(-4), ResumeFrom: ThisHour.AddHours(-1), LastRunSucceeded: true);

    // A blob of the hour read to 998 of its 1,000 bytes a minute ago, as the processor checkpoints it; read changes the checkpoint.
    private static BlobState Blob(string resource, DateTimeOffset hour, long events = 0, long? listed = null, Func<BlobCheckpoint, BlobCheckpoint>? read = null, string? name = null)
    {
        name ??= $"{resource}/y={hour:yyyy}/m={hour:MM}/d={hour:dd}/h={hour:HH}/m=00/macAddress=00224801E2C3/PT1H.json";
        var checkpoint = new BlobCheckpoint
        {
            BlobName = name,
            Offset = 998,
            BlobLength = 1000,
            EventsDelivered = events,
            FirstSeen = hour,
            Updated = Now.AddMinutes(-1),
            Progressed = Now.AddMinutes(-1),
        };
        return new BlobState
        {
            BlobName = name,
            ResourcePrefix = resource,
            Hour = hour,
            Checkpoint = read is null ? checkpoint : read(checkpoint),
            Listed = listed is { } length ? Listing(name, length) : null,
        };
    }

    private static CatalogBlob Listing(string name, long length) => new(new FlowLogBlob("acct", "c", name), length);

    private static FlowLogState State(BlobState[] blobs, (DateTimeOffset Hour, string Resource)[]? complete = null) => new()
    {
        ReadAt = Now,
        From = ThisHour.AddHours(-23),
        To = ThisHour,
        ResourcePrefixes = [VNet, Nsg],
        Blobs = blobs,
        CompleteHours = (complete ?? []).GroupBy(c => c.Hour).ToDictionary(g => g.Key, g => (IReadOnlySet<string>)g.Select(c => c.Resource).ToHashSet()),
        Replay = Run,
    };
}
