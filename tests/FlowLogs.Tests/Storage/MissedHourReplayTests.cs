using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Azure.Data.Tables;
using System.Globalization;
using FlowLogs.BlobSource;
using FlowLogs.Checkpoints;
using FlowLogs.Parsing;
using FlowLogs.Processing;
using FlowLogs.Replay;
using FlowLogs.Simulation;
using FlowLogs.Testing;
using FlowLogs.Tests.Support;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FlowLogs.Tests.Storage;

/// <summary>The missed-hour replay against Azurite: what it catches up, what it remembers, what it never lists.</summary>
[Category("Azurite")]
public class MissedHourReplayTests
{
    // A day ahead of the wall clock: the blobs the tests write (stamped by Azurite's clock) are long quiet by then.
    private static readonly DateTimeOffset Now = HourOf(DateTimeOffset.UtcNow).AddDays(1).AddMinutes(30);

    [Test]
    public async Task TheFirstRunCatchesUpItsLookbackAndMarksHoursThatAreOverComplete()
    {
        Scenario s = await Scenario.CreateAsync();

        // Eight hours of flow logs no trigger ever processed; the first run looks back six.
        for (int h = -7; h <= 0; h++)
        {
            await s.WriteHourAsync(Now.AddHours(h), minutes: 2);
        }

        ReplayReport report = await s.Replay(firstRunLookbackHours: 6).RunAsync(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(report.From, Is.EqualTo(HourOf(Now).AddHours(-5)));
            Assert.That(report.ResourcePrefixes, Is.EqualTo(4), "two NICs, both kinds");
            Assert.That(report.BlobsChecked, Is.EqualTo(6 * 4));
            Assert.That(report.BlobsBehind, Is.EqualTo(6 * 4), "missed whole blobs");
            Assert.That(report.EventsCaughtUp, Is.EqualTo(s.TuplesFrom(Now.AddHours(-5))));
            Assert.That(s.Sink.EventIds.Distinct().Count(), Is.EqualTo(s.Sink.EventIds.Count));
            Assert.That(report.HoursCompleted, Is.EqualTo(5 * 4), "the current hour is not over");
            Assert.That(report.OldestUnreadAge, Is.GreaterThan(TimeSpan.FromHours(5)));
        });
        s.AssertNoWholeContainerListing();
    }

    [Test]
    public async Task LaterRunsSkipCompleteHoursAndCatchUpMissedAppends()
    {
        Scenario s = await Scenario.CreateAsync();
        for (int h = -2; h <= 0; h++)
        {
            await s.WriteHourAsync(Now.AddHours(h), minutes: 2);
        }

        MissedHourReplay replay = s.Replay(firstRunLookbackHours: 3, windowHours: 3);
        await replay.RunAsync(CancellationToken.None);
        long firstEvents = s.Sink.EventIds.Count;

        // Azure goes on appending to the current hour; nothing triggers the processor.
        await s.WriteHourAsync(Now, minutes: 3, firstMinute: 2);
        s.Listings.Clear();
        ReplayReport report = await replay.RunAsync(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(report.HoursSkippedComplete, Is.EqualTo(2 * 4), "10:00 and 11:00 are over and read");
            Assert.That(report.HourListings, Is.EqualTo(4), "only the current hour is listed, once per resource folder");
            Assert.That(s.Listings, Has.Count.EqualTo(4));
            Assert.That(report.BlobsBehind, Is.EqualTo(4), "missed appends");
            Assert.That(report.EventsCaughtUp, Is.EqualTo(s.Sink.EventIds.Count - firstEvents));
            Assert.That(s.Sink.EventIds.Distinct().Count(), Is.EqualTo(s.Simulator.TuplesWritten));
        });

        ReplayReport quiet = await replay.RunAsync(CancellationToken.None);
        Assert.That(quiet.BlobsBehind, Is.Zero);
        Assert.That(quiet.EventsCaughtUp, Is.Zero);
        Assert.That(quiet.OldestUnreadAge, Is.EqualTo(TimeSpan.Zero));
        s.AssertNoWholeContainerListing();
    }

    [Test]
    public async Task ABackfillCoversTheHoursAskedFor()
    {
        Scenario s = await Scenario.CreateAsync();
        for (int h = -30; h <= -28; h++)
        {
            await s.WriteHourAsync(Now.AddHours(h), minutes: 1);
        }

        ReplayReport report = await s.Replay(firstRunLookbackHours: 2).RunAsync(Now.AddHours(-30), Now.AddHours(-28), CancellationToken.None);

        Assert.That(report.BlobsBehind, Is.EqualTo(3 * 4));
        Assert.That(s.Sink.EventIds.Distinct().Count(), Is.EqualTo(s.Simulator.TuplesWritten));
    }

    [Test]
    public async Task AnOutageLongerThanTheWindowIsReadToTheEnd()
    {
        Scenario s = await Scenario.CreateAsync();

        // A run ten hours ago, then the app is stopped; Azure writes into hours the window (3) no longer covers.
        await s.Replay(firstRunLookbackHours: 1, now: Now.AddHours(-10)).RunAsync(CancellationToken.None);
        foreach (int h in new[] { -9, -7, -5, -2 })
        {
            await s.WriteHourAsync(Now.AddHours(h), minutes: 2);
        }

        ReplayReport report = await s.Replay(firstRunLookbackHours: 1).RunAsync(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(s.Sink.EventIds, Has.Count.EqualTo(s.Simulator.TuplesWritten), "hours -9, -7 and -5 are outside the window");
            Assert.That(s.Sink.EventIds.Distinct().Count(), Is.EqualTo(s.Sink.EventIds.Count));
            Assert.That(report.From, Is.EqualTo(HourOf(Now).AddHours(-11)), "from the last run's unfinished hour, and the hour before the last discovery for the folders found since");
            Assert.That(report.OldestUnreadAge, Is.GreaterThan(TimeSpan.FromHours(9)), "lag names the oldest unread hour, wherever it is");
            Assert.That(report.ResumeFrom, Is.EqualTo(HourOf(Now)), "every hour before the current one is complete");
        });
    }

    [Test]
    public async Task ARunWithFailuresDoesNotMoveOnAndALaterRunCatchesUpEverythingItMissed()
    {
        Scenario s = await Scenario.CreateAsync();
        await s.WriteHourAsync(Now.AddHours(-12), minutes: 2);

        // The intake is down: the triggers' invocations failed and were poisoned, and so does this run.
        s.Sink.BeforeAcknowledge = _ => throw new IOException("intake down");
        ReplayReport failed = await s.Replay(firstRunLookbackHours: 2, now: Now.AddHours(-11)).RunAsync(CancellationToken.None);
        Assert.That(failed.BlobsFailed, Is.EqualTo(4));
        Assert.That(failed.ResumeFrom, Is.EqualTo(HourOf(Now).AddHours(-12)));
        Assert.That(await s.State.GetRunStateAsync(CancellationToken.None), Has.Property(nameof(ReplayRunState.LastRunSucceeded)).False);

        // Eleven hours later, with a window of three, the intake is back.
        s.Sink.BeforeAcknowledge = null;
        await s.WriteHourAsync(Now.AddHours(-4), minutes: 1);
        ReplayReport report = await s.Replay(firstRunLookbackHours: 2).RunAsync(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(report.From, Is.EqualTo(HourOf(Now).AddHours(-12)));
            Assert.That(s.Sink.EventIds.Distinct().Count(), Is.EqualTo(s.Simulator.TuplesWritten));
            Assert.That(report.BlobsFailed, Is.Zero);
        });
        Assert.That(await s.State.GetRunStateAsync(CancellationToken.None), Has.Property(nameof(ReplayRunState.LastRunSucceeded)).True);
    }

    [Test]
    public async Task HoursOlderThanTheMaximumLookBackAreNamedInAWarningAndSkipped()
    {
        Scenario s = await Scenario.CreateAsync();
        await s.WriteHourAsync(Now.AddHours(-30), minutes: 1);
        await s.WriteHourAsync(Now.AddHours(-10), minutes: 1);
        await s.State.SaveRunStateAsync(new ReplayRunState(Now.AddHours(-40), null, HourOf(Now).AddHours(-40)), CancellationToken.None);

        ReplayReport report = await s.Replay(firstRunLookbackHours: 2, configure: o => o.MaxLookbackHours = 24).RunAsync(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(report.From, Is.EqualTo(HourOf(Now).AddHours(-23)));
            Assert.That(report.HoursBeyondLookback, Is.EqualTo(17));
            Assert.That(s.Sink.EventIds, Has.Count.EqualTo(s.TuplesOf(Now.AddHours(-10))));
            Assert.That(
                s.Log.Lines.Where(l => l.Level == LogLevel.Warning).Select(l => l.Message),
                Has.One.Contains(HourOf(Now).AddHours(-40).ToString("u", CultureInfo.InvariantCulture)).And.Contains(HourOf(Now).AddHours(-24).ToString("u", CultureInfo.InvariantCulture)).And.Contains("MaxLookbackHours"));
        });
    }

    [Test]
    public async Task ABacklogLargerThanTheListingBudgetIsReadOverSeveralRunsWithoutListingAnyHourTwice()
    {
        Scenario s = await Scenario.CreateAsync();
        for (int h = -20; h <= -14; h++)
        {
            await s.WriteHourAsync(Now.AddHours(h), minutes: 1);
        }

        await s.State.SaveRunStateAsync(new ReplayRunState(Now.AddHours(-21), null, HourOf(Now).AddHours(-21)), CancellationToken.None);

        // 4 resource folders: the window takes 12 listings of the budget of 24, leaving 3 backlog hours a run.
        var runs = new List<ReplayReport>();
        do
        {
            runs.Add(await s.Replay(firstRunLookbackHours: 1, configure: o => o.MaxListingsPerRun = 24).RunAsync(CancellationToken.None));
        }
        while (runs[^1].HoursLeft > 0 && runs.Count < 20);

        string[] backlogListings = [.. s.Listings.Where(l => !IsWindowHour(l))];
        Assert.Multiple(() =>
        {
            Assert.That(runs, Has.Count.EqualTo(7), "19 backlog hours, 3 a run");
            Assert.That(runs.Select(r => r.HourListings), Has.All.LessThanOrEqualTo(24));
            Assert.That(runs.Take(6).Select(r => r.OldestUnreadAge), Has.All.GreaterThan(TimeSpan.FromHours(3)), "the hours not reached count as unread");
            Assert.That(backlogListings, Has.Length.EqualTo(19 * 4));
            Assert.That(backlogListings.Distinct().Count(), Is.EqualTo(backlogListings.Length), "no hour of the backlog is listed twice");
            Assert.That(s.Sink.EventIds.Distinct().Count(), Is.EqualTo(s.Simulator.TuplesWritten));
        });
    }

    [Test]
    public async Task ABacklogMovesEvenWhenTheWindowAloneTakesTheWholeBudget()
    {
        Scenario s = await Scenario.CreateAsync();
        await s.WriteHourAsync(Now.AddHours(-6), minutes: 1);
        await s.WriteHourAsync(Now.AddHours(-5), minutes: 1);
        await s.State.SaveRunStateAsync(new ReplayRunState(Now.AddHours(-6), null, HourOf(Now).AddHours(-6)), CancellationToken.None);

        // 4 folders × 3 window hours = 12 listings, over a budget of 10.
        ReplayReport first = await s.Replay(firstRunLookbackHours: 1, configure: o => o.MaxListingsPerRun = 10).RunAsync(CancellationToken.None);
        ReplayReport second = await s.Replay(firstRunLookbackHours: 1, configure: o => o.MaxListingsPerRun = 10).RunAsync(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(first.ResumeFrom, Is.EqualTo(HourOf(Now).AddHours(-5)), "one backlog hour a run");
            Assert.That(second.ResumeFrom, Is.EqualTo(HourOf(Now).AddHours(-4)));
            Assert.That(s.Sink.EventIds.Distinct().Count(), Is.EqualTo(s.Simulator.TuplesWritten));
            Assert.That(s.Log.Lines.Select(l => l.Message), Has.Some.Contains("FlowLogs:Replay:MaxListingsPerRun is 10"));
        });
    }

    [Test]
    public async Task BlobsWhoseTriggersKeepFailingAreNotLeftToThemAndTheReplayReadsThemOnceTheIntakeIsBack()
    {
        Scenario s = await Scenario.CreateAsync();
        await s.WriteHourAsync(Now.AddHours(-3), minutes: 1);
        await s.Replay(firstRunLookbackHours: 4, now: Now.AddHours(-3).AddMinutes(10)).RunAsync(CancellationToken.None);
        await s.WriteHourAsync(Now.AddHours(-3), minutes: 1, firstMinute: 1);

        // Every trigger since fails (the intake is down): each claims the blob and abandons it, writing the checkpoint.
        s.Sink.BeforeAcknowledge = _ => throw new IOException("intake down");
        BlobProcessor trigger = s.Storage.Processor(s.Sink, time: new FixedTime(Now.AddMinutes(-1)));
        foreach (FlowLogBlob blob in s.Simulator.TuplesPerBlob.Keys.Select(n => FlowLogBlob.TryParse(n, legacyAccount: null, out FlowLogBlob? b) ? b : throw new FormatException(n)))
        {
            Assert.That(async () => await trigger.ProcessAsync(blob, CancellationToken.None), Throws.InstanceOf<IOException>());
        }

        ReplayReport report = await s.Replay(firstRunLookbackHours: 4, configure: o => o.TriggerGrace = TimeSpan.FromMinutes(5)).RunAsync(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(report.BlobsLeftToTriggers, Is.Zero, "a checkpoint written by a failing trigger is no sign of a working one");
            Assert.That(report.BlobsFailed, Is.EqualTo(4));
            Assert.That(report.OldestUnreadAge, Is.GreaterThan(TimeSpan.FromHours(2)), "unread since delivery last moved, hours ago");
        });

        // Their triggers are poisoned by now (five failures each); once the intake is back, the next run reads them all.
        s.Sink.BeforeAcknowledge = null;
        ReplayReport recovered = await s.Replay(firstRunLookbackHours: 4, configure: o => o.TriggerGrace = TimeSpan.FromMinutes(5)).RunAsync(CancellationToken.None);
        Assert.That(recovered.BlobsFailed, Is.Zero);
        Assert.That(s.Sink.EventIds.Distinct().Count(), Is.EqualTo(s.Simulator.TuplesWritten), "every poisoned blob is covered by the replay");
    }

    [Test]
    public async Task ARunCutShortContinuesWhereItStoppedWithoutListingTheHoursItFinished()
    {
        Scenario s = await Scenario.CreateAsync();
        for (int h = -9; h <= -6; h++)
        {
            await s.WriteHourAsync(Now.AddHours(h), minutes: 1);
        }

        await s.State.SaveRunStateAsync(new ReplayRunState(Now.AddHours(-10), null, HourOf(Now).AddHours(-10)), CancellationToken.None);

        // The function timeout strikes while the run lists its fifth hour (-6).
        using var timeout = new CancellationTokenSource();
        var cutting = new RecordingCatalog(new AzureFlowLogBlobStore(s.Storage.Blobs), s.Listings, s.PrefixWalks)
        {
            OnListing = prefix =>
            {
                if (prefix.Contains(HourFolder(Now.AddHours(-6)), StringComparison.Ordinal))
                {
                    timeout.Cancel();
                }
            },
        };
        Assert.That(
            async () => await s.Replay(firstRunLookbackHours: 1, catalog: cutting).RunAsync(timeout.Token),
            Throws.InstanceOf<OperationCanceledException>());
        s.Listings.Clear();

        await s.Replay(firstRunLookbackHours: 1).RunAsync(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(s.Listings.Where(l => l.Contains(HourFolder(Now.AddHours(-7)), StringComparison.Ordinal)), Is.Empty, "hours finished before the cut are not listed again");
            Assert.That(s.Listings.Count(l => l.Contains(HourFolder(Now.AddHours(-6)), StringComparison.Ordinal)), Is.EqualTo(4));
            Assert.That(s.Sink.EventIds.Distinct().Count(), Is.EqualTo(s.Simulator.TuplesWritten));
        });
    }

    [Test]
    public async Task AnHourIsNotCompleteWhileItsBlobsStillChangeSoALateAppendIsNotMissed()
    {
        Scenario s = await Scenario.CreateAsync();
        DateTimeOffset wallClock = DateTimeOffset.UtcNow;
        DateTimeOffset hour = HourOf(wallClock).AddHours(-2);
        await s.WriteHourAsync(hour, minutes: 1);

        // The hour is long over by the replay's clock, but its blobs were committed moments ago.
        await s.Replay(firstRunLookbackHours: 3, now: wallClock.AddMinutes(1)).RunAsync(CancellationToken.None);
        Assert.That(await s.State.GetCompletedAsync(hour, CancellationToken.None), Is.Empty);

        // A late append whose trigger failed.
        await s.WriteHourAsync(hour, minutes: 1, firstMinute: 59);
        ReplayReport second = await s.Replay(firstRunLookbackHours: 3, now: wallClock.AddHours(1)).RunAsync(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(second.BlobsBehind, Is.EqualTo(4));
            Assert.That(s.Sink.EventIds.Distinct().Count(), Is.EqualTo(s.Simulator.TuplesWritten));
        });
        Assert.That(await s.State.GetCompletedAsync(hour, CancellationToken.None), Has.Count.EqualTo(4), "quiet for the grace by then");
    }

    [Test]
    public async Task BlobsAHolderOrAWorkingTriggerIsReadingAreLeftToThemAndTheHourIsLookedAtAgain()
    {
        Scenario s = await Scenario.CreateAsync();
        await s.WriteHourAsync(Now, minutes: 1);
        await s.Replay(firstRunLookbackHours: 1, now: Now.AddMinutes(-10)).RunAsync(CancellationToken.None);
        await s.WriteHourAsync(Now, minutes: 1, firstMinute: 1);

        // One blob is claimed by a trigger's process right now; the others were checkpointed a minute ago.
        string claimed = new FlowLogBlob(AzuriteServer.Account, s.VNetContainer, FlowLogSimulator.BlobFor(AzuriteServer.Account, FlowLogKind.VirtualNetwork, s.Storage.Nic(0), HourOf(Now)).Name).FullName;
        StoredCheckpoint stored = (await s.Storage.Store.GetAsync(claimed, CancellationToken.None))!;
        await s.Storage.Store.TryReplaceAsync(stored.Value with { ClaimOwner = "trigger", ClaimExpires = Now.AddMinutes(-5) }, stored.ETag, CancellationToken.None);
        long before = s.Sink.EventIds.Count;

        ReplayReport report = await s.Replay(firstRunLookbackHours: 1, now: Now.AddMinutes(-9), configure: o => o.TriggerGrace = TimeSpan.FromMinutes(5)).RunAsync(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(report.BlobsLeftToTriggers, Is.EqualTo(4));
            Assert.That(report.BlobsFailed, Is.Zero, "a blob another process reads is no failure");
            Assert.That(s.Sink.EventIds, Has.Count.EqualTo(before), "nothing competed for");
            Assert.That(report.OldestUnreadAge, Is.GreaterThan(TimeSpan.Zero), "still unread, so still counted in the lag");
        });

        // Once the trigger's checkpoint is older than the grace and the claim lapsed, the replay reads them.
        ReplayReport later = await s.Replay(firstRunLookbackHours: 1, now: Now, configure: o => o.TriggerGrace = TimeSpan.FromMinutes(5)).RunAsync(CancellationToken.None);
        Assert.That(later.BlobsBehind, Is.EqualTo(4));
        Assert.That(s.Sink.EventIds.Distinct().Count(), Is.EqualTo(s.Simulator.TuplesWritten));
    }

    private static string HourFolder(DateTimeOffset hour) => string.Create(CultureInfo.InvariantCulture, $"y={hour:yyyy}/m={hour:MM}/d={hour:dd}/h={hour:HH}/");

    private static bool IsWindowHour(string listing) => Enumerable.Range(0, 3).Any(h => listing.Contains(HourFolder(Now.AddHours(-h)), StringComparison.Ordinal));

    /// <summary>Two NICs writing both kinds into containers of this test's own, a replay over them, a collecting sink.</summary>
    private sealed class Scenario
    {
        private readonly Dictionary<DateTimeOffset, long> _tuplesByHour = [];

        private Scenario(StorageHarness storage, string vnet, string nsg, TableReplayStateStore state)
        {
            Storage = storage;
            VNetContainer = vnet;
            NsgContainer = nsg;
            State = state;
            Simulator = new FlowLogSimulator(storage.Blobs, seed: 6, tuplesPerRecord: 5, vnet, nsg);
        }

        public StorageHarness Storage { get; }

        public string VNetContainer { get; }

        public string NsgContainer { get; }

        public TableReplayStateStore State { get; }

        public FlowLogSimulator Simulator { get; }

        public CollectingSink Sink { get; } = new();

        public ConcurrentQueue<string> Listings { get; } = new();

        public ConcurrentQueue<string> PrefixWalks { get; } = new();

        public static async Task<Scenario> CreateAsync()
        {
            StorageHarness storage = await StorageHarness.CreateAsync();
            string id = Guid.NewGuid().ToString("N")[..10];
            var state = new TableReplayStateStore(new TableClient(AzuriteFixture.Server.ConnectionString, $"replay{id}"), legacyAccount: AzuriteServer.Account);
            await state.CreateIfNotExistsAsync(CancellationToken.None);
            return new Scenario(storage, $"vnet-{id}", $"nsg-{id}", state);
        }

        public async Task WriteHourAsync(DateTimeOffset hour, int minutes, int firstMinute = 0)
        {
            var start = new DateTimeOffset(hour.Year, hour.Month, hour.Day, hour.Hour, 0, 0, TimeSpan.Zero);
            long before = Simulator.TuplesWritten;
            for (int m = firstMinute; m < firstMinute + minutes; m++)
            {
                for (int nic = 0; nic < 2; nic++)
                {
                    await Simulator.AppendMinuteAsync(FlowLogKind.VirtualNetwork, Storage.Nic(nic), start.AddMinutes(m), CancellationToken.None);
                    await Simulator.AppendMinuteAsync(FlowLogKind.NetworkSecurityGroup, Storage.Nic(nic), start.AddMinutes(m), CancellationToken.None);
                }
            }

            _tuplesByHour[start] = _tuplesByHour.GetValueOrDefault(start) + Simulator.TuplesWritten - before;
        }

        public long TuplesFrom(DateTimeOffset hour) => _tuplesByHour.Where(h => h.Key >= new DateTimeOffset(hour.Year, hour.Month, hour.Day, hour.Hour, 0, 0, TimeSpan.Zero)).Sum(h => h.Value);

        public CapturingLogger<MissedHourReplay> Log { get; } = new();

        public MissedHourReplay Replay(int firstRunLookbackHours, int windowHours = 3, DateTimeOffset? now = null, Action<ReplayOptions>? configure = null, IFlowLogBlobCatalog? catalog = null)
        {
            var time = new FixedTime(now ?? Now);
            var options = new ReplayOptions { FirstRunLookbackHours = firstRunLookbackHours, WindowHours = windowHours, TriggerGrace = TimeSpan.Zero };
            options.Containers.Clear();
            options.Containers.Add(VNetContainer);
            options.Containers.Add(NsgContainer);
            configure?.Invoke(options);
            BlobProcessor processor = Storage.Processor(Sink, time: time);
            catalog ??= new RecordingCatalog(new AzureFlowLogBlobStore(Storage.Blobs), Listings, PrefixWalks);
            return new MissedHourReplay(catalog, State, Storage.Store, processor, Options.Create(options), time, Log);
        }

        public long TuplesOf(params DateTimeOffset[] hours) => hours.Sum(h => _tuplesByHour.GetValueOrDefault(HourOf(h)));

        public void AssertNoWholeContainerListing()
        {
            Assert.That(Listings, Is.Not.Empty);
            Assert.That(Listings, Has.All.Matches<string>(p => p.Contains("/y=", StringComparison.Ordinal) && p.Contains("/h=", StringComparison.Ordinal)), "flat listings are always of one hour of one resource");
        }
    }

    private static DateTimeOffset HourOf(DateTimeOffset time) => new(time.Year, time.Month, time.Day, time.Hour, 0, 0, TimeSpan.Zero);

    /// <summary>Records every listing the replay makes.</summary>
    private sealed class RecordingCatalog(IFlowLogBlobCatalog inner, ConcurrentQueue<string> listings, ConcurrentQueue<string> walks) : IFlowLogBlobCatalog
    {
        public Action<string>? OnListing { get; init; }

        public IReadOnlyList<string> Accounts => inner.Accounts;

        public IAsyncEnumerable<string> ListChildPrefixesAsync(string account, string container, string prefix, CancellationToken cancellationToken)
        {
            walks.Enqueue(prefix);
            return inner.ListChildPrefixesAsync(account, container, prefix, cancellationToken);
        }

        public async IAsyncEnumerable<CatalogBlob> ListBlobsAsync(string account, string container, string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            listings.Enqueue(prefix);
            OnListing?.Invoke(prefix);
            await foreach (CatalogBlob blob in inner.ListBlobsAsync(account, container, prefix, cancellationToken))
            {
                yield return blob;
            }
        }
    }
}
