using FlowLogs.BlobSource;
using FlowLogs.Checkpoints;
using FlowLogs.Replay;

namespace FlowLogs.Tests.Replay;

/// <summary>The replay's pure rules: which hours a run plans, what a folder's hour needs, where a listed blob stands.</summary>
public class ReplayRulesTests
{
    private static readonly DateTimeOffset Now = new(2031, 3, 4, 12, 30, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset H = BlobPath.HourOf(Now);
    private static readonly ReplayOptions Options = new() { WindowHours = 3, FirstRunLookbackHours = 24, MaxLookbackHours = 48 };

    [Test]
    public void TheFirstRunLooksBackAsFarAsConfiguredAndLaterRunsFromWhereTheLastLeftOff()
    {
        ReplayPlan first = ReplayPlan.Scheduled(Now, null, null, Options);
        ReplayPlan later = ReplayPlan.Scheduled(Now, new ReplayRunState(Now, H.AddHours(-7)), null, Options);
        ReplayPlan caughtUp = ReplayPlan.Scheduled(Now, new ReplayRunState(Now, H.AddHours(1)), null, Options);

        Assert.Multiple(() =>
        {
            Assert.That((first.From, first.To, first.WindowStart), Is.EqualTo((H.AddHours(-23), H, H.AddHours(-2))));
            Assert.That(later.From, Is.EqualTo(H.AddHours(-7)));
            Assert.That(caughtUp.From, Is.EqualTo(H.AddHours(-2)), "the window, always");
            Assert.That(later.Hours.ToList(), Has.Count.EqualTo(8).And.Ordered);
            Assert.That((later.IsBacklog(H.AddHours(-3)), later.IsBacklog(H.AddHours(-2))), Is.EqualTo((true, false)));
        });
    }

    [Test]
    public void AFolderFoundNowIsReadBackFromItsAccountsLastWalkOrAsFarAsAFirstRunForANewAccount()
    {
        var walked = new AccountWalk("a", Now.AddDays(-3), Now.AddMinutes(-40));
        var neverWalked = new AccountWalk("b", Now.AddHours(-2), null);

        Assert.Multiple(() =>
        {
            Assert.That(ReplayPlan.ReadBackFor(walked, Options), Is.EqualTo(BlobPath.HourOf(Now.AddMinutes(-40)).AddHours(-1)));
            Assert.That(ReplayPlan.ReadBackFor(neverWalked, Options), Is.EqualTo(H.AddHours(-2 - 23)), "from when it was first set out to be walked");
            Assert.That(ReplayPlan.Scheduled(Now, new ReplayRunState(Now, H), H.AddHours(-9), Options).From, Is.EqualTo(H.AddHours(-9)));
        });
    }

    [Test]
    public void HoursPastTheMaximumLookBackAreCountedAndLeftAlone()
    {
        ReplayPlan plan = ReplayPlan.Scheduled(Now, new ReplayRunState(Now, H.AddHours(-60)), null, Options);
        Assert.That((plan.From, plan.HoursBeyondLookback), Is.EqualTo((H.AddHours(-47), 13)));
    }

    [Test]
    public void ABackfillIsExactlyTheHoursAskedForAndHasNoBacklog()
    {
        ReplayPlan plan = ReplayPlan.Backfill(Now.AddDays(-40), Now.AddDays(-39));
        Assert.That((plan.From, plan.To, plan.HourCount, plan.IsBackfill), Is.EqualTo((H.AddDays(-40), H.AddDays(-39), 25, true)));
        Assert.That(plan.IsBacklog(plan.From), Is.False, "a backfill is never cut by the budget");
    }

    [TestCase(0, 100, 12, 10, ExpectedResult = true)]
    [TestCase(1, 0, 12, 10, ExpectedResult = false)]
    [TestCase(1, 3, 6, 10, ExpectedResult = true)]
    [TestCase(1, 4, 6, 10, ExpectedResult = false)]
    public bool TheFirstBacklogHourOfARunAlwaysGoesOnTheOthersWithinTheBudget(int begun, int listings, int window, int budget)
        => ReplayPlan.BacklogGoesOn(begun, listings, window, budget);

    [Test]
    public void AFolderHourIsListedUntilCompleteThenWaitsForItsRecheckThenIsDone()
    {
        TimeSpan recheck = TimeSpan.FromHours(1);
        var complete = new HourMark(Now, Rechecked: false);

        Assert.Multiple(() =>
        {
            Assert.That(FolderHour.Next(null, Now, recheck), Is.EqualTo(FolderHourStep.List));
            Assert.That(FolderHour.Next(complete, Now.AddMinutes(59), recheck), Is.EqualTo(FolderHourStep.Waiting));
            Assert.That(FolderHour.Next(complete, Now.AddMinutes(60), recheck), Is.EqualTo(FolderHourStep.Recheck), "the bound crossed");
            Assert.That(FolderHour.Next(complete with { Rechecked = true }, Now.AddDays(9), recheck), Is.EqualTo(FolderHourStep.Done));

            Assert.That(FolderHour.After(FolderHourStep.List, null, hourOver: true, settled: true, Now, recheck), Is.EqualTo(complete));
            Assert.That(FolderHour.After(FolderHourStep.List, null, hourOver: true, settled: true, Now, TimeSpan.Zero), Is.EqualTo(complete with { Rechecked = true }), "no recheck: done at once");
            Assert.That(FolderHour.After(FolderHourStep.List, null, hourOver: false, settled: true, Now, recheck), Is.Null);
            Assert.That(FolderHour.After(FolderHourStep.List, null, hourOver: true, settled: false, Now, recheck), Is.Null);
            Assert.That(FolderHour.After(FolderHourStep.Recheck, complete, hourOver: true, settled: true, Now.AddHours(2), recheck), Is.EqualTo(complete with { Rechecked = true }), "completed when first found so");
            Assert.That(FolderHour.After(FolderHourStep.Recheck, complete, hourOver: true, settled: false, Now.AddHours(2), recheck), Is.Null, "a late blob not quiet yet: rechecked again next run");
        });
    }

    [Test]
    public void ABlobIsFinalOnlyOnceItsHourIsOverAndItWasQuietForTheGraceByTheServicesTime()
    {
        var options = new ReplayOptions { CompletionGrace = TimeSpan.FromMinutes(20) };
        DateTimeOffset hour = H.AddHours(-1);
        CatalogBlob blob = Listed(hour, length: 100, modified: H.AddMinutes(5));

        Assert.Multiple(() =>
        {
            Assert.That(BlobReview.Of(blob, hour, null, H.AddMinutes(24), options).Final, Is.False, "quiet for 19 minutes");
            Assert.That(BlobReview.Of(blob, hour, null, H.AddMinutes(25), options).Final, Is.True);
            Assert.That(BlobReview.Of(Listed(hour, 100, hour.AddMinutes(30)), hour, null, H.AddMinutes(19), options).Final, Is.False, "the hour is over by 19 minutes");
            Assert.That(BlobReview.Of(Listed(hour, 100, hour.AddMinutes(30)), hour, null, H.AddMinutes(20), options).Final, Is.True);
        });
    }

    [Test]
    public void ABlobBehindIsLeftToItsHolderUntilTheClaimLapsesAndToAWorkingTriggerForTheGrace()
    {
        var options = new ReplayOptions { TriggerGrace = TimeSpan.FromMinutes(5) };
        CatalogBlob blob = Listed(H, length: 200, modified: Now);
        BlobCheckpoint read = BlobCheckpoint.New(blob.Blob.FullName, H) with { BlobLength = 100, Progressed = Now.AddMinutes(-5) };

        Assert.Multiple(() =>
        {
            Assert.That(BlobReview.Of(blob, H, null, Now, options), Is.EqualTo(new BlobReview(BlobStanding.Behind, false, H)), "never read: unread since its hour began");
            Assert.That(BlobReview.Of(blob, H, read with { BlobLength = 200 }, Now, options).Standing, Is.EqualTo(BlobStanding.UpToDate));
            Assert.That(BlobReview.Of(blob, H, read, Now.AddSeconds(-1), options).Standing, Is.EqualTo(BlobStanding.LeftToTrigger));
            Assert.That(BlobReview.Of(blob, H, read, Now, options).Standing, Is.EqualTo(BlobStanding.Behind), "the trigger grace crossed");
            Assert.That(BlobReview.Of(blob, H, read with { Progressed = Now.AddSeconds(1) }, Now, new ReplayOptions { TriggerGrace = TimeSpan.Zero }).Standing, Is.EqualTo(BlobStanding.Behind), "no grace, even for a progress another instance's clock puts a second ahead");

            BlobCheckpoint held = read with { ClaimOwner = "other", ClaimExpires = Now.AddMinutes(3) };
            Assert.That(BlobReview.Of(blob, H, held, Now, options), Is.EqualTo(new BlobReview(BlobStanding.Held, false, Now.AddMinutes(-5), Now.AddMinutes(3))));
            Assert.That(BlobReview.Of(blob, H, held with { BlobLength = 200 }, Now, options).Standing, Is.EqualTo(BlobStanding.Held), "held, even if up to date: its holder may be reading a commit");
            Assert.That(BlobReview.Of(blob, H, held, Now.AddMinutes(3), options).Standing, Is.EqualTo(BlobStanding.Behind), "the claim lapsed");
        });
    }

    private static CatalogBlob Listed(DateTimeOffset hour, long length, DateTimeOffset modified)
        => new(new FlowLogBlob("acct", FlowLogBlob.VNetContainer, $"r/{BlobPath.HourFolder(hour)}m=00/macAddress=AA/PT1H.json"), length, modified);
}
