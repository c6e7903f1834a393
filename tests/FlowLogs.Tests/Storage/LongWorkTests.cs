using System.Text;
using Azure;
using FlowLogs.BlobSource;
using FlowLogs.Checkpoints;
using FlowLogs.Processing;
using FlowLogs.Testing;
using FlowLogs.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using static FlowLogs.Tests.Support.FlowLogBuilder;

namespace FlowLogs.Tests.Storage;

/// <summary>
/// Work that outlasts a claim (a slow intake, a chunk of corrupt tuples), a holder that lost its claim, records split
/// across many blocks, and the failure paths around them, against Azurite with time injected where time matters.
/// </summary>
[Category("Azurite")]
public class LongWorkTests
{
    private static readonly TimeSpan Claim = TimeSpan.FromMinutes(5);

    [Test]
    public async Task ADeliverySlowerThanTheClaimKeepsItByRenewalSoNoOtherProcessReadsTheBlobMeanwhile()
    {
        StorageHarness storage = await StorageHarness.CreateAsync();
        FlowLogBlob blob = await WriteAsync(storage, "slow", "{\"records\":[", Record(1), "," + Record(2), "]}");
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = new BlobProcessorOptions { ClaimDuration = Claim };
        var delivering = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        var sink = new CollectingSink();
        sink.BeforeAcknowledge = async _ =>
        {
            delivering.TrySetResult();
            await release.Task;
        };

        Task<BlobProcessResult> slow = storage.Processor(sink, options, time: time).ProcessAsync(blob, CancellationToken.None);
        await delivering.Task;

        // The intake takes three claim durations; the holder renews every third of one, and a trigger comes each time.
        var others = new List<BlobProcessOutcome>();
        for (int step = 1; step <= 9; step++)
        {
            DateTimeOffset before = (await storage.Store.GetAsync(blob.FullName, CancellationToken.None))!.Value.ClaimExpires!.Value;
            time.Advance(Claim / 3);
            await WaitUntilAsync(async () => (await storage.Store.GetAsync(blob.FullName, CancellationToken.None))!.Value.ClaimExpires > before);
            others.Add((await storage.Processor(new CollectingSink(), options, time: time).ProcessAsync(blob, CancellationToken.None)).Outcome);
        }

        release.SetResult();
        BlobProcessResult result = await slow;

        Assert.Multiple(() =>
        {
            Assert.That(others, Has.All.EqualTo(BlobProcessOutcome.ClaimedElsewhere), "the claim never lapsed");
            Assert.That(result.Outcome, Is.EqualTo(BlobProcessOutcome.CaughtUp));
            Assert.That(sink.EventIds, Has.Count.EqualTo(2));
        });
    }

    [Test]
    public async Task AHolderWhoseClaimWasTakenStopsAtOnceWithOneWarning()
    {
        StorageHarness storage = await StorageHarness.CreateAsync();
        FlowLogBlob blob = await WriteAsync(storage, "taken", "{\"records\":[", Record(1), "," + Record(2), "]}");
        var delivering = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        var sink = new CollectingSink();
        sink.BeforeAcknowledge = async _ =>
        {
            delivering.TrySetResult();
            await release.Task;
        };

        Task<BlobProcessResult> holder = storage.Processor(sink).ProcessAsync(blob, CancellationToken.None);
        await delivering.Task;

        // Meanwhile (a GC pause, a clock skew between instances) another process took the blob and moved on.
        StoredCheckpoint stored = (await storage.Store.GetAsync(blob.FullName, CancellationToken.None))!;
        await storage.Store.TryReplaceAsync(stored.Value with { ClaimOwner = "another-process", ClaimExpires = DateTimeOffset.UtcNow.AddMinutes(5) }, stored.ETag, CancellationToken.None);
        long requestsBefore = storage.Requests;
        release.SetResult();

        Task finished = await Task.WhenAny(holder, Task.Delay(TimeSpan.FromSeconds(20)));
        Assert.That(finished, Is.SameAs(holder), "the holder stopped instead of looping");
        BlobProcessResult result = await holder;
        Assert.Multiple(() =>
        {
            Assert.That(result.Outcome, Is.EqualTo(BlobProcessOutcome.ClaimLost));
            Assert.That(storage.Requests - requestsBefore, Is.LessThanOrEqualTo(6), "list, plan, one refused write, one read: then nothing");
            Assert.That(storage.ClaimLog.Lines.Count(l => l.Message.Contains("was lost", StringComparison.Ordinal)), Is.EqualTo(1));
            Assert.That(sink.EventIds, Has.Count.EqualTo(2), "nothing of the new holder's was re-delivered");
        });
        Assert.That((await storage.Store.GetAsync(blob.FullName, CancellationToken.None))!.Value.ClaimOwner, Is.EqualTo("another-process"));
    }

    [Test]
    public async Task AChunkOfThousandsOfCorruptTuplesIsDeadLetteredInAFewWritesAndItsGoodEventsDeliveredOnce()
    {
        StorageHarness storage = await StorageHarness.CreateAsync();
        string[] tuples = [.. Enumerable.Range(0, 2400).Select(i => i % 40 == 0 ? VNetTuple(sport: 1000 + i) : "1663146003599,10.0.0.6,bad")];
        FlowLogBlob blob = await WriteAsync(storage, "corrupt", "{\"records\":[", SimpleVNet(tuples).ToJsonString(), "]}");
        var sink = new CollectingSink();

        long before = storage.BlobRequests.Count;
        BlobProcessResult result = await storage.Processor(sink).ProcessAsync(blob, CancellationToken.None);
        long blobRequests = storage.BlobRequests.Count - before;

        var letters = new List<string>();
        await foreach (Azure.Storage.Blobs.Models.BlobItem item in storage.DeadLetters.GetBlobsAsync())
        {
            letters.Add(item.Name);
        }

        int items = 0;
        foreach (string letter in letters)
        {
            using var json = System.Text.Json.JsonDocument.Parse((await storage.DeadLetters.GetBlobClient(letter).DownloadContentAsync()).Value.Content.ToMemory());
            items += json.RootElement.GetProperty("items").GetArrayLength();
        }

        Assert.Multiple(() =>
        {
            Assert.That(result.DeadLettered, Is.EqualTo(2340));
            Assert.That(items, Is.EqualTo(2340));
            Assert.That(letters, Has.Count.LessThanOrEqualTo(2));
            Assert.That(blobRequests, Is.LessThanOrEqualTo(6), "block lists, one ranged read, the dead letters");
            Assert.That(sink.EventIds, Has.Count.EqualTo(60));
            Assert.That(storage.ProcessorLog.Lines.Count(l => l.Message.StartsWith("Dead-lettered", StringComparison.Ordinal)), Is.LessThanOrEqualTo(6), "a few lines, not thousands");
        });
    }

    [Test]
    public async Task RecordsSplitAcrossEveryBlockAreReadOnceInBoundedMemory()
    {
        StorageHarness storage = await StorageHarness.CreateAsync();

        // 150 records written so that every block boundary falls inside a record (a writer that is not Azure).
        string data = string.Join(",", Enumerable.Range(0, 150).Select(Record));
        var blocks = new List<string> { "{\"records\":[" };
        for (int at = 0; at < data.Length; at += 977)
        {
            blocks.Add(data.Substring(at, Math.Min(977, data.Length - at)));
        }

        blocks.Add("]}");
        FlowLogBlob blob = await WriteAsync(storage, "split", [.. blocks]);
        long length = blocks.Sum(b => (long)Encoding.UTF8.GetByteCount(b));
        var sink = new CollectingSink();

        BlobProcessResult result = await storage.Processor(sink, new BlobProcessorOptions { MaxChunkBytes = 4 * 1024 }).ProcessAsync(blob, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(sink.EventIds.Distinct().Count(), Is.EqualTo(150));
            Assert.That(result.DeadLettered, Is.Zero);
            Assert.That(result.BytesRead, Is.EqualTo(length), "every byte read once");
            Assert.That(result.Anomalies.Count(a => a.StartsWith("record-spans-blocks", StringComparison.Ordinal)), Is.GreaterThan(0));
        });
    }

    [Test]
    public async Task ARecordSpanningManySmallChunksIsReadOnce()
    {
        StorageHarness storage = await StorageHarness.CreateAsync();
        string record = SimpleVNet([.. Enumerable.Range(0, 2000).Select(i => VNetTuple(sport: 1000 + i))]).ToJsonString();
        var blocks = new List<string> { "{\"records\":[" };
        for (int at = 0; at < record.Length; at += 4096)
        {
            blocks.Add(record.Substring(at, Math.Min(4096, record.Length - at)));
        }

        blocks.Add("]}");
        FlowLogBlob blob = await WriteAsync(storage, "long-record", [.. blocks]);
        var sink = new CollectingSink();

        BlobProcessResult result = await storage.Processor(sink, new BlobProcessorOptions { MaxChunkBytes = 4096 }).ProcessAsync(blob, CancellationToken.None);

        Assert.That(sink.EventIds.Distinct().Count(), Is.EqualTo(2000));
        Assert.That(result.BytesRead, Is.EqualTo(blocks.Sum(b => (long)b.Length)), $"{blocks.Count} blocks of one record");
    }

    [Test]
    public async Task ADocumentCutShortAtTheEndOfAFinishedHourIsDeadLetteredButWaitedForWhileTheHourLasts()
    {
        StorageHarness storage = await StorageHarness.CreateAsync();
        string cut = "," + Record(2)[..40];
        FlowLogBlob blob = await WriteAsync(storage, "cut", "{\"records\":[" + Record(1) + cut);
        DateTimeOffset hourEnd = new(2026, 11, 23, 11, 0, 0, TimeSpan.Zero);

        // While the hour lasts, the record may still be completed: nothing is dead-lettered, the checkpoint waits at it.
        var sink = new CollectingSink();
        BlobProcessResult during = await storage.Processor(sink, time: new FixedTime(hourEnd.AddMinutes(-10))).ProcessAsync(blob, CancellationToken.None);
        Assert.That(during.DeadLettered, Is.Zero);
        Assert.That(during.Anomalies, Has.Some.StartWith("framing:"));

        // Long after the hour (and the blob's last change): the cut record is dead-lettered and said once.
        BlobProcessResult after = await storage.Processor(sink, time: new FixedTime(DateTimeOffset.UtcNow.AddHours(2))).ProcessAsync(blob, CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(after.DeadLettered, Is.EqualTo(1));
            Assert.That(after.Anomalies, Has.Some.StartWith("cut-short:"));
            Assert.That(sink.EventIds, Has.Count.EqualTo(1));
        });
        StoredCheckpoint checkpoint = (await storage.Store.GetAsync(blob.FullName, CancellationToken.None))!;
        Assert.That(checkpoint.Value.Offset, Is.EqualTo(checkpoint.Value.BlobLength), "the checkpoint moved past the cut record");
    }

    [Test]
    public async Task AFailureIsReportedAsItselfEvenWhenLettingGoOfTheClaimFailsToo()
    {
        StorageHarness storage = await StorageHarness.CreateAsync();
        FlowLogBlob blob = await WriteAsync(storage, "abandon", "{\"records\":[", Record(1), "]}");
        var store = new FailingAfterClaimStore(storage.Store);
        var sink = new CollectingSink();
        sink.BeforeAcknowledge = _ =>
        {
            store.Fail = true;
            throw new IOException("the intake is unreachable");
        };

        Assert.That(
            async () => await storage.Processor(sink, store: store).ProcessAsync(blob, CancellationToken.None),
            Throws.InstanceOf<IOException>().With.Message.EqualTo("the intake is unreachable"));
        Assert.That(storage.ProcessorLog.Lines, Has.Some.Matches<(Microsoft.Extensions.Logging.LogLevel Level, string Message)>(l => l.Message.StartsWith("Could not let go", StringComparison.Ordinal)));
    }

    [Test]
    public async Task AClaimThatCannotBeRenewedStopsTheWorkBeforeItLapses()
    {
        StorageHarness storage = await StorageHarness.CreateAsync();
        FlowLogBlob blob = await WriteAsync(storage, "unrenewable", "{\"records\":[", Record(1), "]}");
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var store = new FailingAfterClaimStore(storage.Store);
        var delivering = new TaskCompletionSource();
        var sink = new CollectingSink();
        sink.BeforeAcknowledge = async _ =>
        {
            delivering.TrySetResult();
            await Task.Delay(Timeout.Infinite, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        };

        // The delivery hangs and the table cannot be written: after two thirds of the claim (a third still to spare
        // before it could lapse and another process take the blob) the work is cut short.
        var processing = Task.Run(() => storage.Processor(new CancellingSink(sink), new BlobProcessorOptions { ClaimDuration = Claim }, store, time).ProcessAsync(blob, CancellationToken.None));
        await delivering.Task;
        store.Fail = true;
        for (int i = 0; i < 2 && !processing.IsCompleted; i++)
        {
            await Task.Delay(200);
            time.Advance(Claim / 3);
            await Task.WhenAny(processing, Task.Delay(1000));
        }

        Assert.That(processing.IsCompleted, Is.True, "stopped at two thirds of the claim, before it lapsed");
        BlobProcessResult result = await processing;
        Assert.That(result.Outcome, Is.EqualTo(BlobProcessOutcome.ClaimLost));
        Assert.That(storage.ProcessorLog.Lines, Has.Some.Matches<(Microsoft.Extensions.Logging.LogLevel Level, string Message)>(l => l.Message.Contains("could not be renewed in time", StringComparison.Ordinal)));
    }

    private static string Record(int port) => SimpleVNet(VNetTuple(sport: port)).ToJsonString();

    private static async Task<FlowLogBlob> WriteAsync(StorageHarness storage, string name, params string[] blocks)
    {
        var blob = new FlowLogBlob(AzuriteServer.Account, FlowLogBlob.VNetContainer, $"flowLogResourceID=/{storage.SubscriptionId}/{name}/y=2026/m=11/d=23/h=10/m=00/macAddress=AA/PT1H.json");
        await storage.WriteBlocksAsync(blob, blocks);
        return blob;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        for (int i = 0; i < 200; i++)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(25);
        }

        Assert.Fail("the condition was not met within 5 s");
    }

    /// <summary>A checkpoint store whose writes fail (storage unreachable) once <see cref="Fail"/> is set.</summary>
    private sealed class FailingAfterClaimStore(ICheckpointStore inner) : ICheckpointStore
    {
        public volatile bool Fail;

        public Task<StoredCheckpoint?> GetAsync(string blobName, CancellationToken cancellationToken) => inner.GetAsync(blobName, cancellationToken);

        public Task<StoredCheckpoint?> TryAddAsync(BlobCheckpoint checkpoint, CancellationToken cancellationToken) => inner.TryAddAsync(checkpoint, cancellationToken);

        public Task<StoredCheckpoint?> TryReplaceAsync(BlobCheckpoint checkpoint, ETag ifMatch, CancellationToken cancellationToken)
            => Fail ? throw new RequestFailedException(503, "the table service is unreachable") : inner.TryReplaceAsync(checkpoint, ifMatch, cancellationToken);

        public IAsyncEnumerable<BlobCheckpoint> ListHourAsync(DateTimeOffset hour, CancellationToken cancellationToken) => inner.ListHourAsync(hour, cancellationToken);
    }

    /// <summary>A sink that gives up when its delivery is cancelled, as the HTTP sink does.</summary>
    private sealed class CancellingSink(CollectingSink inner) : FlowLogs.Sinks.IEventSink
    {
        public FlowLogs.Sinks.EventBatchBuilder CreateBatch() => inner.CreateBatch();

        public async ValueTask<FlowLogs.Sinks.DeliveryReceipt> DeliverAsync(FlowLogs.Sinks.EventBatch batch, CancellationToken cancellationToken)
            => await inner.DeliverAsync(batch, cancellationToken).AsTask().WaitAsync(cancellationToken);
    }
}
