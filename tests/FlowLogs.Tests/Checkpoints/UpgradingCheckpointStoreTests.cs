using FlowLogs.Checkpoints;
using FlowLogs.Testing;

namespace FlowLogs.Tests.Checkpoints;

/// <summary>Checkpoints written before blob names carried their account keep working after the upgrade.</summary>
public class UpgradingCheckpointStoreTests
{
    private const string Legacy = "insights-logs-flowlogflowevent/flowLogResourceID=/X/y=2026/m=11/d=23/h=10/m=00/macAddress=AA/PT1H.json";
    private const string Account = "weuflowlogs";
    private static readonly DateTimeOffset Hour = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);

    [Test]
    public async Task AnOlderCheckpointIsCopiedToItsNewKeyOnFirstReadAndOnlyOnce()
    {
        var inner = new MemoryCheckpointStore();
        await inner.TryAddAsync(BlobCheckpoint.New(Legacy, Hour) with { Offset = 5000, BlocksConsumed = 7, EventsDelivered = 120 }, CancellationToken.None);
        // Several processes read it at once: every one finds no new entity, then all copy; one copy wins, every reader
        // gets it (the store lets no copy through until all eight have read, so the losing branch is taken).
        var racing = new RacingStore(inner, readers: 8);
        var store = new UpgradingCheckpointStore(racing, Account);

        StoredCheckpoint?[] read = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => store.GetAsync($"{Account}/{Legacy}", CancellationToken.None))));

        Assert.Multiple(() =>
        {
            Assert.That(read.Select(r => (r!.Value.BlobName, r.Value.Offset, r.Value.BlocksConsumed)), Has.All.EqualTo(($"{Account}/{Legacy}", 5000L, 7)));
            Assert.That(read.Select(r => r!.ETag).Distinct().Count(), Is.EqualTo(1), "one copy, the others read it");
            Assert.That(racing.CopiesRefused, Is.EqualTo(7));
        });

        // Written on, the new entity moves; the old one stays as the older version left it.
        StoredCheckpoint moved = (await store.TryReplaceAsync(read[0]!.Value with { Offset = 6000 }, read[0]!.ETag, CancellationToken.None))!;
        Assert.Multiple(async () =>
        {
            Assert.That(moved, Is.Not.Null);
            Assert.That((await store.GetAsync($"{Account}/{Legacy}", CancellationToken.None))!.Value.Offset, Is.EqualTo(6000));
            Assert.That((await inner.GetAsync(Legacy, CancellationToken.None))!.Value.Offset, Is.EqualTo(5000));
        });
    }

    [Test]
    public async Task OtherAccountsNeverTakeAnOlderCheckpoint()
    {
        var inner = new MemoryCheckpointStore();
        await inner.TryAddAsync(BlobCheckpoint.New(Legacy, Hour) with { Offset = 5000 }, CancellationToken.None);

        Assert.Multiple(async () =>
        {
            Assert.That(await new UpgradingCheckpointStore(inner, Account).GetAsync($"neuflowlogs/{Legacy}", CancellationToken.None), Is.Null);
            Assert.That(await new UpgradingCheckpointStore(inner, legacyAccount: null).GetAsync($"{Account}/{Legacy}", CancellationToken.None), Is.Null);
        });
    }

    [Test]
    public async Task AnHoursListShowsOlderCheckpointsUnderTheirNewNamesOnce()
    {
        const string Other = "insights-logs-flowlogflowevent/flowLogResourceID=/Y/y=2026/m=11/d=23/h=10/m=00/macAddress=BB/PT1H.json";
        var inner = new MemoryCheckpointStore();
        await inner.TryAddAsync(BlobCheckpoint.New(Legacy, Hour) with { Offset = 5000 }, CancellationToken.None);
        await inner.TryAddAsync(BlobCheckpoint.New(Other, Hour) with { Offset = 10 }, CancellationToken.None);
        await inner.TryAddAsync(BlobCheckpoint.New($"{Account}/{Other}", Hour) with { Offset = 900 }, CancellationToken.None);
        await inner.TryAddAsync(BlobCheckpoint.New($"neuflowlogs/{Other}", Hour) with { Offset = 77 }, CancellationToken.None);
        var store = new UpgradingCheckpointStore(inner, Account);

        var listed = new List<BlobCheckpoint>();
        await foreach (BlobCheckpoint checkpoint in store.ListHourAsync(Hour, CancellationToken.None))
        {
            listed.Add(checkpoint);
        }

        Assert.That(listed.Select(c => (c.BlobName, c.Offset)).OrderBy(c => c.BlobName), Is.EqualTo(new[]
        {
            ($"neuflowlogs/{Other}", 77L),
            ($"{Account}/{Legacy}", 5000L),
            ($"{Account}/{Other}", 900L),
        }.OrderBy(c => c.Item1)));
    }

    /// <summary>Holds every insert until <c>readers</c> inserts are waiting, so concurrent first reads all race.</summary>
    private sealed class RacingStore(ICheckpointStore inner, int readers) : ICheckpointStore
    {
        private readonly TaskCompletionSource _allWaiting = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _waiting;
        private int _refused;

        public int CopiesRefused => Volatile.Read(ref _refused);

        public Task<StoredCheckpoint?> GetAsync(string blobName, CancellationToken cancellationToken) => inner.GetAsync(blobName, cancellationToken);

        public async Task<StoredCheckpoint?> TryAddAsync(BlobCheckpoint checkpoint, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _waiting) == readers)
            {
                _allWaiting.SetResult();
            }

            await _allWaiting.Task.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
            StoredCheckpoint? added = await inner.TryAddAsync(checkpoint, cancellationToken);
            if (added is null)
            {
                Interlocked.Increment(ref _refused);
            }

            return added;
        }

        public Task<StoredCheckpoint?> TryReplaceAsync(BlobCheckpoint checkpoint, Azure.ETag ifMatch, CancellationToken cancellationToken) => inner.TryReplaceAsync(checkpoint, ifMatch, cancellationToken);

        public IAsyncEnumerable<BlobCheckpoint> ListHourAsync(DateTimeOffset hour, CancellationToken cancellationToken) => inner.ListHourAsync(hour, cancellationToken);
    }
}
