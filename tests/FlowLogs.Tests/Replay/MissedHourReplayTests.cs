using System.Globalization;
using FlowLogs.BlobSource;
using FlowLogs.Checkpoints;
using FlowLogs.Processing;
using FlowLogs.Replay;
using FlowLogs.Testing;
using Microsoft.Extensions.Logging;
using static FlowLogs.Tests.Replay.ReplayWorld;

namespace FlowLogs.Tests.Replay;

/// <summary>
/// The missed-hour replay on the in-memory stores: what it catches up, what it remembers, what it never lists, and
/// that it goes by the storage service's time whatever the instance's clock says.
/// </summary>
public class MissedHourReplayTests
{
    // The storage service's time when a test starts: half past an hour.
    private static readonly DateTimeOffset Start = new(2031, 3, 4, 12, 30, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset H = HourOf(Start);

    [Test]
    public async Task TheFirstRunCatchesUpItsLookbackAndMarksHoursThatAreOverComplete()
    {
        var w = new ReplayWorld(Start.AddHours(-8));
        for (int h = -7; h <= 0; h++)
        {
            w.WriteHour(H.AddHours(h));
        }

        w.At(Start);
        ReplayReport report = await w.Replay(o => o.FirstRunLookbackHours = 6).RunAsync(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(report.From, Is.EqualTo(H.AddHours(-5)));
            Assert.That(report.ResourcePrefixes, Is.EqualTo(2));
            Assert.That(report.BlobsBehind, Is.EqualTo(6 * 2), "missed whole blobs");
            Assert.That(report.EventsCaughtUp, Is.EqualTo(w.TuplesFrom(H.AddHours(-5))));
            Assert.That(w.Sink.EventIds.Distinct().Count(), Is.EqualTo(w.Sink.EventIds.Count));
            Assert.That(report.HoursCompleted, Is.EqualTo(5 * 2), "the current hour is not over");
            Assert.That(report.ResumeFrom, Is.EqualTo(H.AddHours(-5)), "complete hours are done only once rechecked");
            Assert.That(report.OldestUnreadAge, Is.GreaterThan(TimeSpan.FromHours(5)));
            Assert.That(w.Listings, Has.All.Contains("/y=").And.All.Contains("/h="), "flat listings are always of one hour of one resource");
        });
    }

    [Test]
    public async Task LaterRunsSkipCompleteHoursAndCatchUpMissedAppends()
    {
        var w = new ReplayWorld(Start.AddHours(-3));
        for (int h = -2; h <= 0; h++)
        {
            w.WriteHour(H.AddHours(h));
        }

        w.At(Start);
        MissedHourReplay replay = w.Replay(o => o.FirstRunLookbackHours = 3);
        await replay.RunAsync(CancellationToken.None);
        long first = w.Sink.EventIds.Count;

        // Azure goes on appending to the current hour; nothing triggers the processor.
        w.WriteHour(H, minutes: 3, first: 31);
        w.Listings.Clear();
        ReplayReport report = await replay.RunAsync(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(report.HoursSkippedComplete, Is.EqualTo(2 * 2), "the two hours before are over and read");
            Assert.That(report.HourListings, Is.EqualTo(2), "only the current hour is listed, once per resource folder");
            Assert.That(w.Listings, Has.Count.EqualTo(2));
            Assert.That(report.BlobsBehind, Is.EqualTo(2), "missed appends");
            Assert.That(report.EventsCaughtUp, Is.EqualTo(w.Sink.EventIds.Count - first));
            Assert.That(w.Delivered, Is.EqualTo(w.TuplesWritten));
        });

        ReplayReport quiet = await replay.RunAsync(CancellationToken.None);
        Assert.That((quiet.BlobsBehind, quiet.EventsCaughtUp, quiet.OldestUnreadAge), Is.EqualTo((0, 0L, TimeSpan.Zero)));
    }

    [Test]
    public async Task ABackfillCoversTheHoursAskedForAndLeavesTheReplaysProgressAlone()
    {
        var w = new ReplayWorld(Start.AddHours(-31));
        for (int h = -30; h <= -28; h++)
        {
            w.WriteHour(H.AddHours(h), minutes: 1);
        }

        w.At(Start);
        await w.Replay(o => o.FirstRunLookbackHours = 2).RunAsync(CancellationToken.None);
        ReplayRunState before = (await w.State.GetRunStateAsync(CancellationToken.None))!;
        ReplayReport report = await w.Replay().RunAsync(H.AddHours(-30), H.AddHours(-28), null, CancellationToken.None);

        Assert.That(report.BlobsBehind, Is.EqualTo(3 * 2));
        Assert.That(w.Delivered, Is.EqualTo(w.TuplesWritten));
        Assert.That((await w.State.GetRunStateAsync(CancellationToken.None))!.ResumeFrom, Is.EqualTo(before.ResumeFrom));
    }

    [Test]
    public async Task AnOutageLongerThanTheWindowIsReadToTheEnd()
    {
        var w = new ReplayWorld(Start.AddHours(-10));

        // A run ten hours ago, then the app is stopped; Azure writes into hours the window (3) no longer covers.
        await w.Replay(o => o.FirstRunLookbackHours = 1).RunAsync(CancellationToken.None);
        foreach (int h in new[] { -9, -7, -5, -2 })
        {
            w.WriteHour(H.AddHours(h));
        }

        w.At(Start);
        ReplayReport report = await w.Replay(o => o.FirstRunLookbackHours = 1).RunAsync(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(w.Sink.EventIds, Has.Count.EqualTo(w.TuplesWritten), "hours -9, -7 and -5 are outside the window");
            Assert.That(report.From, Is.EqualTo(H.AddHours(-11)), "from the hour before the walk that found the folders");
            Assert.That(report.OldestUnreadAge, Is.GreaterThan(TimeSpan.FromHours(9)), "lag names the oldest unread hour, wherever it is");
        });
    }

    [Test]
    public async Task ARunWithFailuresDoesNotMoveOnAndALaterRunCatchesUpEverythingItMissed()
    {
        var w = new ReplayWorld(Start.AddHours(-12));
        w.WriteHour(H.AddHours(-12));

        // The intake is down: the triggers' invocations failed and were poisoned, and so does this run.
        w.At(Start.AddHours(-11));
        w.Sink.BeforeAcknowledge = _ => throw new IOException("intake down");
        ReplayReport failed = await w.Replay(o => (o.FirstRunLookbackHours, o.RecheckAfter) = (2, TimeSpan.Zero)).RunAsync(CancellationToken.None);
        Assert.That(failed.BlobsFailed, Is.EqualTo(2));
        Assert.That(failed.ResumeFrom, Is.EqualTo(H.AddHours(-12)));
        Assert.That((await w.State.GetRunStateAsync(CancellationToken.None))!.LastRunSucceeded, Is.False);

        // Eleven hours later, with a window of three, the intake is back.
        w.Sink.BeforeAcknowledge = null;
        w.WriteHour(H.AddHours(-4), minutes: 1);
        w.At(Start);
        ReplayReport report = await w.Replay(o => (o.FirstRunLookbackHours, o.RecheckAfter) = (2, TimeSpan.Zero)).RunAsync(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(report.From, Is.EqualTo(H.AddHours(-12)));
            Assert.That(w.Delivered, Is.EqualTo(w.TuplesWritten));
            Assert.That(report.BlobsFailed, Is.Zero);
        });
        Assert.That((await w.State.GetRunStateAsync(CancellationToken.None))!.LastRunSucceeded, Is.True);
    }

    [Test]
    public async Task HoursOlderThanTheMaximumLookBackAreNamedInAWarningAndSkipped()
    {
        var w = new ReplayWorld(Start.AddHours(-40));
        await w.State.SaveRunStateAsync(new ReplayRunState(Start.AddHours(-40), H.AddHours(-40)), CancellationToken.None);
        await w.State.SaveWalkAsync(new AccountWalk(Account, Start.AddHours(-41), Start.AddHours(-40)), CancellationToken.None);
        w.WriteHour(H.AddHours(-30), minutes: 1);
        w.WriteHour(H.AddHours(-10), minutes: 1);
        w.At(Start);

        ReplayReport report = await w.Replay(o => (o.FirstRunLookbackHours, o.MaxLookbackHours) = (2, 24)).RunAsync(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(report.From, Is.EqualTo(H.AddHours(-23)));
            Assert.That(report.HoursBeyondLookback, Is.EqualTo(18), "from the hour before the last walk, -41, to -24");
            Assert.That(w.Sink.EventIds, Has.Count.EqualTo(w.TuplesOf(H.AddHours(-10))));
            Assert.That(
                w.Log.Lines.Where(l => l.Level == LogLevel.Warning).Select(l => l.Message),
                Has.One.Contains(H.AddHours(-41).ToString("u", CultureInfo.InvariantCulture)).And.Contains(H.AddHours(-24).ToString("u", CultureInfo.InvariantCulture)).And.Contains("MaxLookbackHours"));
        });
    }

    [Test]
    public async Task ABacklogLargerThanTheListingBudgetIsReadOverSeveralRunsWithoutListingAnyHourTwice()
    {
        var w = new ReplayWorld(Start.AddHours(-21));
        await w.Replay(o => o.FirstRunLookbackHours = 1).RunAsync(CancellationToken.None);
        for (int h = -20; h <= -14; h++)
        {
            w.WriteHour(H.AddHours(h), minutes: 1);
        }

        w.At(Start);
        w.Listings.Clear();

        // 2 resource folders: the window takes 6 listings of the budget of 12, leaving 3 backlog hours a run; rechecks
        // are turned off so each hour is listed once.
        var runs = new List<ReplayReport>();
        do
        {
            runs.Add(await w.Replay(o => (o.FirstRunLookbackHours, o.MaxListingsPerRun, o.RecheckAfter) = (1, 12, TimeSpan.Zero)).RunAsync(CancellationToken.None));
        }
        while (runs[^1].HoursLeft > 0 && runs.Count < 20);

        string[] window = [.. Enumerable.Range(0, 3).Select(h => BlobPath.HourFolder(H.AddHours(-h)))];
        string[] backlog = [.. w.Listings.Where(l => !window.Any(f => l.Contains(f, StringComparison.Ordinal)))];
        Assert.Multiple(() =>
        {
            Assert.That(runs, Has.Count.EqualTo(7), "20 backlog hours (-22..-3), 3 a run");
            Assert.That(runs.Select(r => r.HourListings), Has.All.LessThanOrEqualTo(12));
            Assert.That(runs.Take(6).Select(r => r.OldestUnreadAge), Has.All.GreaterThan(TimeSpan.FromHours(3)), "the hours not reached count as unread");
            Assert.That(backlog.Distinct().Count(), Is.EqualTo(backlog.Length), "no hour of the backlog is listed twice");
            Assert.That(w.Delivered, Is.EqualTo(w.TuplesWritten));
        });
    }

    [Test]
    public async Task ABacklogMovesEvenWhenTheWindowAloneTakesTheWholeBudget()
    {
        var w = new ReplayWorld(Start.AddHours(-7));
        await Resumed(w, from: H.AddHours(-6), resources: 4);
        w.WriteHour(H.AddHours(-6), minutes: 1, resources: 4);
        w.WriteHour(H.AddHours(-5), minutes: 1, resources: 4);
        w.At(Start);

        // 4 folders × 3 window hours = 12 listings, over a budget of 10.
        Action<ReplayOptions> budget = o => (o.MaxListingsPerRun, o.RecheckAfter) = (10, TimeSpan.Zero);
        ReplayReport first = await w.Replay(budget).RunAsync(CancellationToken.None);
        ReplayReport second = await w.Replay(budget).RunAsync(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(first.ResumeFrom, Is.EqualTo(H.AddHours(-5)), "one backlog hour a run");
            Assert.That(second.ResumeFrom, Is.EqualTo(H.AddHours(-4)));
            Assert.That(w.Delivered, Is.EqualTo(w.TuplesWritten));
            Assert.That(w.Log.Lines.Select(l => l.Message), Has.Some.Contains("FlowLogs:Replay:MaxListingsPerRun is 10"));
        });
    }

    [Test]
    public async Task BlobsWhoseTriggersKeepFailingAreNotLeftToThemAndTheReplayReadsThemOnceTheIntakeIsBack()
    {
        var w = new ReplayWorld(Start.AddHours(-3));
        w.WriteHour(H.AddHours(-3), minutes: 1);
        await w.Replay(o => o.FirstRunLookbackHours = 4).RunAsync(CancellationToken.None);
        w.WriteHour(H.AddHours(-3), minutes: 1, first: 1);

        // Every trigger since fails (the intake is down): each claims the blob and abandons it, writing the checkpoint.
        w.At(Start.AddMinutes(-1));
        w.Sink.BeforeAcknowledge = _ => throw new IOException("intake down");
        foreach (int r in new[] { 0, 1 })
        {
            Assert.That(async () => await w.Processor().ProcessAsync(BlobOf(r, H.AddHours(-3)), CancellationToken.None), Throws.InstanceOf<IOException>());
        }

        w.At(Start);
        ReplayReport report = await w.Replay(o => (o.FirstRunLookbackHours, o.TriggerGrace) = (4, TimeSpan.FromMinutes(5))).RunAsync(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(report.BlobsLeftToTriggers, Is.Zero, "a checkpoint written by a failing trigger is no sign of a working one");
            Assert.That(report.BlobsFailed, Is.EqualTo(2));
            Assert.That(report.OldestUnreadAge, Is.GreaterThan(TimeSpan.FromHours(2)), "unread since delivery last moved, hours ago");
        });

        w.Sink.BeforeAcknowledge = null;
        ReplayReport recovered = await w.Replay(o => (o.FirstRunLookbackHours, o.TriggerGrace) = (4, TimeSpan.FromMinutes(5))).RunAsync(CancellationToken.None);
        Assert.That(recovered.BlobsFailed, Is.Zero);
        Assert.That(w.Delivered, Is.EqualTo(w.TuplesWritten), "every poisoned blob is covered by the replay");
    }

    [Test]
    public async Task ARunCutShortContinuesWhereItStoppedWithoutListingTheHoursItFinished()
    {
        var w = new ReplayWorld(Start.AddHours(-10));
        await Resumed(w, from: H.AddHours(-10), resources: 2);
        for (int h = -9; h <= -6; h++)
        {
            w.WriteHour(H.AddHours(h), minutes: 1);
        }

        w.At(Start);

        // The function timeout strikes while the run lists its fifth hour (-6).
        using var timeout = new CancellationTokenSource();
        var cutting = new RecordingCatalog(w.Blobs, w.Listings)
        {
            OnListing = prefix =>
            {
                if (prefix.Contains(BlobPath.HourFolder(H.AddHours(-6)), StringComparison.Ordinal))
                {
                    timeout.Cancel();
                }
            },
        };
        Assert.That(async () => await w.Replay(o => o.RecheckAfter = TimeSpan.Zero, cutting).RunAsync(null, null, null, timeout.Token), Throws.InstanceOf<OperationCanceledException>());
        w.Listings.Clear();

        await w.Replay(o => o.RecheckAfter = TimeSpan.Zero).RunAsync(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(w.Listings.Where(l => l.Contains(BlobPath.HourFolder(H.AddHours(-7)), StringComparison.Ordinal)), Is.Empty, "hours finished before the cut are not listed again");
            Assert.That(w.Listings.Count(l => l.Contains(BlobPath.HourFolder(H.AddHours(-6)), StringComparison.Ordinal)), Is.EqualTo(2));
            Assert.That(w.Delivered, Is.EqualTo(w.TuplesWritten));
        });
    }

    [Test]
    public async Task AnHourIsNotCompleteWhileItsBlobsStillChangeSoALateAppendIsNotMissed()
    {
        var w = new ReplayWorld(Start);
        DateTimeOffset hour = H.AddHours(-2);

        // Azure is late: it commits to an hour two hours back, just now.
        w.WriteMinute(Start.AddMinutes(1), resources: 2);
        w.Commit(BlobOf(0, hour), Record(hour.AddMinutes(5), 0, 3));
        w.Commit(BlobOf(1, hour), Record(hour.AddMinutes(5), 1, 3));
        await w.Replay().RunAsync(CancellationToken.None);
        Assert.That(await w.State.GetHourMarksAsync(hour, CancellationToken.None), Is.Empty, "over, but changed moments ago");

        // A late append whose trigger failed; twenty minutes after it, the blobs are quiet.
        w.At(Start.AddMinutes(10));
        w.Commit(BlobOf(0, hour), Record(hour.AddMinutes(59), 0, 3));
        w.At(Start.AddMinutes(30));
        ReplayReport second = await w.Replay().RunAsync(CancellationToken.None);

        Assert.Multiple(async () =>
        {
            Assert.That(second.BlobsBehind, Is.EqualTo(1));
            Assert.That(w.Delivered, Is.EqualTo(w.TuplesWritten + 9));
            Assert.That(await w.State.GetHourMarksAsync(hour, CancellationToken.None), Has.Count.EqualTo(2), "quiet for the grace by then");
        });
    }

    [Test]
    public async Task BlobsAHolderOrAWorkingTriggerIsReadingAreLeftToThemAndTheHourIsLookedAtAgain()
    {
        var w = new ReplayWorld(Start.AddMinutes(-30));
        w.WriteHour(H, minutes: 1);
        await w.Replay(o => o.FirstRunLookbackHours = 1).RunAsync(CancellationToken.None);
        w.WriteHour(H, minutes: 1, first: 20);

        // One blob is claimed by a trigger's process right now; the other was checkpointed a minute ago.
        w.At(Start.AddMinutes(-9));
        StoredCheckpoint stored = (await w.Checkpoints.GetAsync(BlobOf(0, H).FullName, CancellationToken.None))!;
        await w.Checkpoints.TryReplaceAsync(stored.Value with { ClaimOwner = "trigger", ClaimExpires = w.Now.AddMinutes(4) }, stored.ETag, CancellationToken.None);
        StoredCheckpoint other = (await w.Checkpoints.GetAsync(BlobOf(1, H).FullName, CancellationToken.None))!;
        await w.Checkpoints.TryReplaceAsync(other.Value with { Progressed = w.Now.AddMinutes(-1) }, other.ETag, CancellationToken.None);
        long before = w.Sink.EventIds.Count;

        ReplayReport report = await w.Replay(o => (o.FirstRunLookbackHours, o.TriggerGrace) = (1, TimeSpan.FromMinutes(5))).RunAsync(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That((report.BlobsHeld, report.BlobsLeftToTriggers), Is.EqualTo((1, 1)));
            Assert.That(report.HeldFor, Is.EqualTo(TimeSpan.FromMinutes(4)).Within(TimeSpan.FromSeconds(1)), "when the holder's claim lapses");
            Assert.That(report.BlobsFailed, Is.Zero, "a blob another process reads is no failure");
            Assert.That(w.Sink.EventIds, Has.Count.EqualTo(before), "nothing competed for");
            Assert.That(report.OldestUnreadAge, Is.GreaterThan(TimeSpan.Zero), "still unread, so still counted in the lag");
        });

        // Once the trigger's checkpoint is older than the grace and the claim lapsed, the replay reads them.
        w.At(Start);
        ReplayReport later = await w.Replay(o => (o.FirstRunLookbackHours, o.TriggerGrace) = (1, TimeSpan.FromMinutes(5))).RunAsync(CancellationToken.None);
        Assert.That(later.BlobsBehind, Is.EqualTo(2));
        Assert.That(w.Delivered, Is.EqualTo(w.TuplesWritten));
    }

    [TestCase(70)]
    [TestCase(-70)]
    public async Task AnInstanceClockOffTheStorageServicesNeverMarksAnHourAzureStillWritesComplete(int skewMinutes)
    {
        // Ten minutes into the hour Azure writes; the instance's clock says 70 minutes more (or less).
        var w = new ReplayWorld(Start);
        w.WriteHour(H, minutes: 10);
        w.Skew = TimeSpan.FromMinutes(skewMinutes);
        ReplayReport skewed = await w.Replay().RunAsync(CancellationToken.None);

        // Azure goes on writing; no trigger fires. The next run is made by an instance whose clock is right.
        w.WriteHour(H, minutes: 29, first: 10);
        w.Skew = TimeSpan.Zero;
        w.At(H.AddMinutes(45));
        ReplayReport right = await w.Replay().RunAsync(CancellationToken.None);

        Assert.Multiple(async () =>
        {
            Assert.That(await w.State.GetHourMarksAsync(H, CancellationToken.None), Is.Empty, "the hour is not over by the service's time");
            Assert.That(skewed.ClockSkew, Is.EqualTo(TimeSpan.FromMinutes(skewMinutes)).Within(TimeSpan.FromSeconds(2)));
            Assert.That((await w.State.GetRunStateAsync(CancellationToken.None))!.ClockSkew, Is.EqualTo(TimeSpan.Zero).Within(TimeSpan.FromSeconds(2)), "the last run's instance");
            Assert.That(right.EventsCaughtUp, Is.GreaterThan(0));
            Assert.That(w.Delivered, Is.EqualTo(w.TuplesWritten), "0 lost");
            Assert.That(w.ClockLog.Lines.Where(l => l.Level == LogLevel.Warning).Select(l => l.Message), Has.One.Contains("off the storage service's"));
        });
    }

    [Test]
    public async Task ABlobCreatedAfterItsHourWasFoundCompleteIsFoundByTheRecheckAndOneCreatedAfterTheRecheckIsLeftToItsTrigger()
    {
        var w = new ReplayWorld(H.AddHours(-1));
        DateTimeOffset hour = H.AddHours(-1);
        w.WriteHour(hour, minutes: 5);
        w.At(H.AddMinutes(25));
        await w.Replay().RunAsync(CancellationToken.None);
        Assert.That((await w.State.GetHourMarksAsync(hour, CancellationToken.None)).Values.ToList(), Has.Count.EqualTo(2).And.All.Property(nameof(HourMark.Rechecked)).False);

        // A NIC attached late to a watched network: Azure creates its blob for that hour after the hour was found complete.
        w.At(H.AddMinutes(40));
        w.Commit(OtherNic(BlobOf(0, hour), "00224871AAAA"), Record(hour.AddMinutes(59), 0, 4));
        ReplayReport waiting = await w.Replay().RunAsync(CancellationToken.None);
        Assert.That(waiting.HourListings, Is.EqualTo(2), "the complete hour waits for its recheck; the current one is listed");
        Assert.That(w.Delivered, Is.EqualTo(w.TuplesWritten));

        // An hour after it was found complete, it is listed once more: the late blob is read, and the hour is done.
        w.At(H.AddMinutes(25) + new ReplayOptions().RecheckAfter);
        ReplayReport rechecked = await w.Replay().RunAsync(CancellationToken.None);
        Assert.Multiple(async () =>
        {
            Assert.That(rechecked.HoursRechecked, Is.GreaterThanOrEqualTo(2));
            Assert.That((await w.State.GetHourMarksAsync(hour, CancellationToken.None)).Values, Has.All.Property(nameof(HourMark.Rechecked)).True);
            Assert.That(rechecked.ResumeFrom, Is.EqualTo(H), "the hour before is done");
            Assert.That(w.Delivered, Is.EqualTo(w.TuplesWritten + 4), "the late blob's tuples");
        });

        // Past the recheck, the replay never lists the hour again: a blob created now is read by its trigger only.
        w.Commit(OtherNic(BlobOf(0, hour), "00224871BBBB"), Record(hour.AddMinutes(59), 0, 4));
        w.At(w.Now.AddHours(2));
        await w.Replay().RunAsync(CancellationToken.None);
        Assert.That(w.Delivered, Is.EqualTo(w.TuplesWritten + 4), "the documented bound (docs/design.md): RecheckAfter after completion");
    }

    [Test]
    public async Task AnAccountWhoseFirstWalkIsCutIsReadAsFarBackAsAFirstRunOnceItsWalkResumes()
    {
        const string Second = AzuriteServer.SecondAccount;
        var w = new ReplayWorld(H.AddHours(-30), Account, Second);

        // The app runs with the first account; the second's four folders hold hours it never read.
        await w.RunBeforeAccountAddedAsync(Second, H.AddHours(-20), hours: 4, resources: 4, Start);

        // The second account is added; its first walk fails (a 503) once it found two of its four folders.
        var cut = new RecordingCatalog(w.Blobs, w.Listings)
        {
            OnWalk = (account, prefix) =>
            {
                if (account == Second && prefix.EndsWith("/FL1/", StringComparison.Ordinal))
                {
                    throw new IOException("503 Server Busy");
                }
            },
        };
        ReplayReport first = await w.Replay(DayBack, cut).RunAsync(CancellationToken.None);
        Assert.That(first.BlobsFailed, Is.EqualTo(1), "the account that could not be walked is counted");
        Assert.That(first.ResourcePrefixes, Is.EqualTo(2), "two folders found before the cut");

        w.At(Start.AddMinutes(10));
        ReplayReport resumed = await w.Replay(DayBack).RunAsync(CancellationToken.None);

        Assert.That(resumed.ResourcePrefixes, Is.EqualTo(4));
        Assert.That(w.Delivered, Is.EqualTo(w.TuplesWritten), "every blob of the added account, the folders its cut walk missed included");
    }

    private static FlowLogBlob OtherNic(FlowLogBlob blob, string mac) => blob with { Name = blob.Name.Replace("macAddress=002248710000", $"macAddress={mac}", StringComparison.Ordinal) };

    // The state a replay that ran up to `from` left: its folders known and walked moments ago, nothing to discover.
    private static async Task Resumed(ReplayWorld w, DateTimeOffset from, int resources)
    {
        await w.State.SaveRunStateAsync(new ReplayRunState(w.Now, from), CancellationToken.None);
        await w.State.SaveWalkAsync(new AccountWalk(Account, from, Start), CancellationToken.None);
        for (int r = 0; r < resources; r++)
        {
            await w.State.AddPrefixAsync(new ResourcePrefix(Account, FlowLogBlob.VNetContainer, PrefixOf(r)), CancellationToken.None);
        }
    }

    /// <summary>A catalog that lists one account only, as an app configured with it alone.</summary>
}
