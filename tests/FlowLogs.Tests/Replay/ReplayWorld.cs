using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using FlowLogs.BlobSource;
using FlowLogs.Checkpoints;
using FlowLogs.Clock;
using FlowLogs.Processing;
using FlowLogs.Replay;
using FlowLogs.Testing;
using FlowLogs.Tests.Support;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using static FlowLogs.Tests.Support.FlowLogBuilder;

namespace FlowLogs.Tests.Replay;

/// <summary>
/// The replay over the in-memory stores: a storage service whose clock the test moves (blobs are committed at its time),
/// an instance whose clock is that plus <see cref="Skew"/>, VNet flow logs of a few resources written as Azure writes
/// them (one block a minute before the tail), a collecting sink, and every listing recorded.
/// </summary>
internal sealed class ReplayWorld
{
    public const string Account = AzuriteServer.Account;

    private readonly Dictionary<string, int> _records = new(StringComparer.Ordinal);
    private readonly Dictionary<DateTimeOffset, long> _tuplesByHour = [];
    private readonly string[] _accounts;

    public ReplayWorld(DateTimeOffset start, params string[] accounts)
    {
        _accounts = accounts.Length > 0 ? accounts : [Account];
        Service = new FakeTimeProvider(start);
        Clock = new StorageClock(new SkewedTime(Service, () => Skew), ClockLog);
        Blobs = new MemoryBlobStore(Service, _accounts) { Clock = Clock };
        State = new MemoryReplayStateStore(Service) { Clock = Clock };
        Checkpoints = new MemoryCheckpointStore(Service) { Clock = Clock };
    }

    /// <summary>The storage service's clock: blobs are committed at its time.</summary>
    public FakeTimeProvider Service { get; }

    /// <summary>How far the instance's clock runs ahead of the service's.</summary>
    public TimeSpan Skew { get; set; }

    public StorageClock Clock { get; }

    public CapturingLogger<StorageClock> ClockLog { get; } = new();

    public MemoryBlobStore Blobs { get; }

    public MemoryCheckpointStore Checkpoints { get; }

    public MemoryReplayStateStore State { get; }

    public CollectingSink Sink { get; } = new();

    public MemoryDeadLetterStore DeadLetters { get; } = new();

    public CapturingLogger<MissedHourReplay> Log { get; } = new();

    public ConcurrentQueue<string> Listings { get; } = new();

    public long TuplesWritten { get; private set; }

    /// <summary>Distinct events delivered.</summary>
    public int Delivered => Sink.EventIds.Distinct().Count();

    public DateTimeOffset Now => Service.GetUtcNow();

    public static DateTimeOffset HourOf(DateTimeOffset time) => BlobPath.HourOf(time);

    /// <summary>The PT1H.json of resource <paramref name="resource"/>'s NIC for <paramref name="hour"/>.</summary>
    public static FlowLogBlob BlobOf(int resource, DateTimeOffset hour, string account = Account)
        => new(account, FlowLogBlob.VNetContainer, $"{PrefixOf(resource)}/{BlobPath.HourFolder(hour)}m=00/macAddress=00224871{resource:X4}/PT1H.json");

    public static string PrefixOf(int resource)
        => $"flowLogResourceID=/SUBSCRIPTIONS/{Subscription}/RESOURCEGROUPS/NETWORKWATCHERRG/PROVIDERS/MICROSOFT.NETWORK/NETWORKWATCHERS/NETWORKWATCHER_WESTEUROPE/FLOWLOGS/FL{resource}";

    /// <summary>Moves the service's clock to <paramref name="time"/> (never back).</summary>
    public void At(DateTimeOffset time)
    {
        if (time > Service.GetUtcNow())
        {
            Service.SetUtcNow(time);
        }
    }

    /// <summary>At the service's time <paramref name="minute"/>, Azure commits one minute of flow logs to each resource's blob of that hour.</summary>
    public void WriteMinute(DateTimeOffset minute, int resources = 2, string account = Account, int tuples = 3, int firstResource = 0)
    {
        At(minute);
        for (int r = firstResource; r < firstResource + resources; r++)
        {
            Commit(BlobOf(r, HourOf(minute), account), Record(minute, r, tuples));
            _tuplesByHour[HourOf(minute)] = _tuplesByHour.GetValueOrDefault(HourOf(minute)) + tuples;
            TuplesWritten += tuples;
        }
    }

    /// <summary>Minutes <paramref name="first"/>.. of <paramref name="hour"/>, <paramref name="minutes"/> of them.</summary>
    public void WriteHour(DateTimeOffset hour, int minutes = 2, int first = 0, int resources = 2, string account = Account)
    {
        for (int m = first; m < first + minutes; m++)
        {
            WriteMinute(HourOf(hour).AddMinutes(m), resources, account);
        }
    }

    /// <summary>Commits <paramref name="block"/> (a record or a piece of one) before the tail of <paramref name="blob"/>, creating it if needed.</summary>
    public void Commit(FlowLogBlob blob, string block)
    {
        bool first = !_records.ContainsKey(blob.FullName);
        _records[blob.FullName] = _records.GetValueOrDefault(blob.FullName) + 1;
        if (first)
        {
            Blobs.Write(blob, "{\"records\":[", block, "]}");
        }
        else
        {
            Blobs.InsertBeforeTail(blob, "," + block);
        }
    }

    public long TuplesOf(params DateTimeOffset[] hours) => hours.Sum(h => _tuplesByHour.GetValueOrDefault(HourOf(h)));

    public long TuplesFrom(DateTimeOffset hour) => _tuplesByHour.Where(h => h.Key >= HourOf(hour)).Sum(h => h.Value);

    /// <summary>A record of one minute with <paramref name="tuples"/> tuples no other record has.</summary>
    public static string Record(DateTimeOffset minute, int resource, int tuples)
    {
        long ms = minute.ToUnixTimeMilliseconds();
        string[] flows = [.. Enumerable.Range(0, tuples).Select(t => VNetTuple(ms: ms + t, sport: 1024 + (resource * 100) + t))];
        return VNetRecord(minute.UtcDateTime.ToString("o", CultureInfo.InvariantCulture), $"00224871{resource:X4}", "abcdef01-2345-6789-0abc-def012345678", ("acl-1", "DefaultRule_AllowInternetOutBound", flows)).ToJsonString();
    }

    public BlobProcessor Processor(BlobProcessorOptions? options = null)
        => new(Blobs, new BlobClaims(Checkpoints, Clock, new CapturingLogger<BlobClaims>()), Sink, DeadLetters, Options.Create(options ?? new BlobProcessorOptions()), new CapturingLogger<BlobProcessor>(), Clock);

    /// <summary>Replay options where a first run looks back a day and a complete hour is never listed again.</summary>
    public static void DayBack(ReplayOptions options) => (options.FirstRunLookbackHours, options.RecheckAfter) = (24, TimeSpan.Zero);

    /// <summary>Listings of <see cref="Account"/> alone, recorded: the settings before another account is added.</summary>
    public RecordingCatalog FirstAccountOnly() => new(Blobs, Listings) { Accounts = [Account] };

    /// <summary>
    /// The app runs with <see cref="Account"/> alone (<see cref="DayBack"/>) while <paramref name="added"/>, not yet in
    /// its settings, gets <paramref name="resources"/> folders holding <paramref name="hours"/> hours from
    /// <paramref name="first"/>; then it runs once more at <paramref name="now"/>.
    /// </summary>
    public async Task RunBeforeAccountAddedAsync(string added, DateTimeOffset first, int hours, int resources, DateTimeOffset now)
    {
        RecordingCatalog firstOnly = FirstAccountOnly();
        await Replay(DayBack, firstOnly).RunAsync(CancellationToken.None);
        for (int h = 0; h < hours; h++)
        {
            WriteHour(first.AddHours(h), minutes: 1, resources: resources, account: added);
        }

        At(now);
        await Replay(DayBack, firstOnly).RunAsync(CancellationToken.None);
    }

    public MissedHourReplay Replay(Action<ReplayOptions>? configure = null, IFlowLogBlobCatalog? catalog = null, BlobProcessor? processor = null)
    {
        var options = new ReplayOptions { FirstRunLookbackHours = 6, WindowHours = 3, TriggerGrace = TimeSpan.Zero };
        configure?.Invoke(options);
        return new MissedHourReplay(catalog ?? new RecordingCatalog(Blobs, Listings), State, Checkpoints, processor ?? Processor(), Options.Create(options), Clock, Log);
    }

    /// <summary>An instance clock: the service's plus a skew.</summary>
    private sealed class SkewedTime(TimeProvider service, Func<TimeSpan> skew) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => service.GetUtcNow() + skew();

        public override long GetTimestamp() => service.GetTimestamp();

        public override long TimestampFrequency => service.TimestampFrequency;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) => service.CreateTimer(callback, state, dueTime, period);
    }
}

/// <summary>Records every hour listing the replay makes; can throw or cut a walk or a listing short.</summary>
internal sealed class RecordingCatalog(IFlowLogBlobCatalog inner, ConcurrentQueue<string> listings) : IFlowLogBlobCatalog
{
    public Action<string>? OnListing { get; init; }

    /// <summary>Called at each folder the walk lists, with the account: throw from it to cut the walk.</summary>
    public Action<string, string>? OnWalk { get; set; }

    /// <summary>The accounts in the settings: the inner catalog's unless set (before another account is added).</summary>
    public IReadOnlyList<string> Accounts { get; init; } = inner.Accounts;

    public async IAsyncEnumerable<string> ListChildPrefixesAsync(string account, string container, string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        OnWalk?.Invoke(account, prefix);
        await foreach (string child in inner.ListChildPrefixesAsync(account, container, prefix, cancellationToken))
        {
            yield return child;
        }
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
