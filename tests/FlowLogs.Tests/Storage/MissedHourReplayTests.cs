using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Azure.Data.Tables;
using FlowLogs.BlobSource;
using FlowLogs.Parsing;
using FlowLogs.Processing;
using FlowLogs.Replay;
using FlowLogs.Simulation;
using FlowLogs.Testing;
using FlowLogs.Tests.Support;
using Microsoft.Extensions.Options;

namespace FlowLogs.Tests.Storage;

/// <summary>The missed-hour replay against Azurite: what it catches up, what it remembers, what it never lists.</summary>
public class MissedHourReplayTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 30, 0, TimeSpan.Zero);

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
            Assert.That(report.From, Is.EqualTo(new DateTimeOffset(2026, 11, 23, 7, 0, 0, TimeSpan.Zero)));
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
            var state = new TableReplayStateStore(new TableClient(AzuriteFixture.Server.ConnectionString, $"replay{id}"));
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

        public MissedHourReplay Replay(int firstRunLookbackHours, int windowHours = 3)
        {
            var time = new FixedTime(Now);
            var options = new ReplayOptions { FirstRunLookbackHours = firstRunLookbackHours, WindowHours = windowHours };
            options.Containers.Clear();
            options.Containers.Add(VNetContainer);
            options.Containers.Add(NsgContainer);
            BlobProcessor processor = Storage.Processor(Sink, time: time);
            var catalog = new RecordingCatalog(new AzureFlowLogBlobStore(Storage.Blobs), Listings, PrefixWalks);
            return new MissedHourReplay(catalog, State, Storage.Store, processor, Options.Create(options), time, new CapturingLogger<MissedHourReplay>());
        }

        public void AssertNoWholeContainerListing()
        {
            Assert.That(Listings, Is.Not.Empty);
            Assert.That(Listings, Has.All.Matches<string>(p => p.Contains("/y=", StringComparison.Ordinal) && p.Contains("/h=", StringComparison.Ordinal)), "flat listings are always of one hour of one resource");
        }
    }

    /// <summary>Records every listing the replay makes.</summary>
    private sealed class RecordingCatalog(IFlowLogBlobCatalog inner, ConcurrentQueue<string> listings, ConcurrentQueue<string> walks) : IFlowLogBlobCatalog
    {
        public IAsyncEnumerable<string> ListChildPrefixesAsync(string container, string prefix, CancellationToken cancellationToken)
        {
            walks.Enqueue(prefix);
            return inner.ListChildPrefixesAsync(container, prefix, cancellationToken);
        }

        public async IAsyncEnumerable<CatalogBlob> ListBlobsAsync(string container, string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            listings.Enqueue(prefix);
            await foreach (CatalogBlob blob in inner.ListBlobsAsync(container, prefix, cancellationToken))
            {
                yield return blob;
            }
        }
    }
}
