using System.Text;
using System.Threading.Channels;
using Azure.Storage.Blobs.Specialized;
using FlowLogs.BlobSource;
using FlowLogs.Checkpoints;
using FlowLogs.Parsing;
using FlowLogs.Processing;
using FlowLogs.Simulation;
using FlowLogs.Testing;
using static FlowLogs.Tests.Support.FlowLogBuilder;

namespace FlowLogs.Tests.Storage;

/// <summary>The block-delta reader against Azurite: exactly-once delivery, alone and with many processors at once.</summary>
[Category("Azurite")]
// Its own tables and blob names on the shared Azurite, nothing listed account-wide: runs beside the other
// self-contained fixtures.
[Parallelizable(ParallelScope.Self)]
public class BlobProcessorTests
{
    private static readonly DateTimeOffset Hour = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);

    [Test]
    public async Task SixtyMinutesOfAppendsToManyBlobsDeliverEveryTupleOnceWithAtMostFiveRequestsADelta()
    {
        StorageHarness storage = await StorageHarness.CreateAsync();
        var sink = new CollectingSink();
        BlobProcessor processor = storage.Processor(sink);
        FlowLogSimulator simulator = storage.Simulator();
        SimulatedNic[] nics = [.. Enumerable.Range(0, 4).Select(storage.Nic)];
        long maxRequests = 0;

        for (int minute = 0; minute < 60; minute++)
        {
            foreach (SimulatedNic nic in nics)
            {
                foreach (FlowLogKind kind in new[] { FlowLogKind.VirtualNetwork, FlowLogKind.NetworkSecurityGroup })
                {
                    FlowLogBlob blob = await simulator.AppendMinuteAsync(kind, nic, Hour.AddMinutes(minute), CancellationToken.None);
                    long before = storage.Requests;
                    BlobProcessResult result = await processor.ProcessAsync(blob, CancellationToken.None);
                    Assert.That(result.Outcome, Is.EqualTo(BlobProcessOutcome.CaughtUp));
                    if (minute > 0)
                    {
                        maxRequests = Math.Max(maxRequests, storage.Requests - before);
                    }
                }
            }
        }

        Assert.That(sink.EventIds, Has.Count.EqualTo(simulator.TuplesWritten));
        Assert.That(sink.EventIds.Distinct().Count(), Is.EqualTo(sink.EventIds.Count));
        Assert.That(maxRequests, Is.LessThanOrEqualTo(5), "storage requests for a one-minute delta: claim read and write, block list, ranged read, release");
        Assert.That(storage.ProcessorLog.Lines.Where(l => l.Level >= Microsoft.Extensions.Logging.LogLevel.Warning), Is.Empty);
    }

    [Test]
    public async Task EightConcurrentProcessorsOnTwentyBlobsDeliverEveryTupleOnce()
    {
        StorageHarness storage = await StorageHarness.CreateAsync();
        var sink = new CollectingSink();
        FlowLogSimulator simulator = storage.Simulator(seed: 2, tuplesPerRecord: 10);
        SimulatedNic[] nics = [.. Enumerable.Range(0, 10).Select(storage.Nic)];

        // Event Grid: every commit raises an event, delivered at least once, in any order, to any instance.
        var triggers = Channel.CreateUnbounded<FlowLogBlob>();
        var random = new Random(5);
        Task writer = Task.Run(async () =>
        {
            for (int minute = 0; minute < 12; minute++)
            {
                foreach (SimulatedNic nic in nics)
                {
                    foreach (FlowLogKind kind in new[] { FlowLogKind.VirtualNetwork, FlowLogKind.NetworkSecurityGroup })
                    {
                        FlowLogBlob blob = await simulator.AppendMinuteAsync(kind, nic, Hour.AddMinutes(minute), CancellationToken.None);
                        int copies = random.Next(1, 4);
                        for (int c = 0; c < copies; c++)
                        {
                            await triggers.Writer.WriteAsync(blob);
                        }
                    }
                }
            }

            triggers.Writer.Complete();
        });

        var outcomes = new System.Collections.Concurrent.ConcurrentBag<BlobProcessOutcome>();
        Task[] workers = [.. Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            BlobProcessor processor = storage.Processor(sink);
            await foreach (FlowLogBlob blob in triggers.Reader.ReadAllAsync())
            {
                outcomes.Add((await processor.ProcessAsync(blob, CancellationToken.None)).Outcome);
            }
        }))];
        await writer;
        await Task.WhenAll(workers);

        Assert.That(sink.EventIds.Distinct().Count(), Is.EqualTo(sink.EventIds.Count), "no event delivered twice");
        Assert.That(sink.EventIds, Has.Count.EqualTo(simulator.TuplesWritten), "every tuple delivered, without a final sweep");
        Assert.That(outcomes, Has.Some.EqualTo(BlobProcessOutcome.ClaimedElsewhere), "the run did exercise contention");
        Assert.That(outcomes, Has.None.EqualTo(BlobProcessOutcome.ClaimLost));
    }

    [Test]
    public async Task AProcessorThatDiesBetweenDeliveryAndCheckpointCostsAtMostThatChunkWithTheSameIds()
    {
        StorageHarness storage = await StorageHarness.CreateAsync();
        FlowLogSimulator simulator = storage.Simulator(seed: 3, tuplesPerRecord: 20);
        FlowLogBlob blob = null!;
        for (int minute = 0; minute < 10; minute++)
        {
            blob = await simulator.AppendMinuteAsync(FlowLogKind.VirtualNetwork, storage.Nic(0), Hour.AddMinutes(minute), CancellationToken.None);
        }

        var options = new BlobProcessorOptions { MaxChunkBytes = 8 * 1024, ClaimDuration = TimeSpan.FromSeconds(2) };
        var sink = new CollectingSink();
        var batches = new List<string[]>();
        sink.AfterAcknowledge = batch => batches.Add([.. batch.Events().Select(e => System.Text.Json.JsonDocument.Parse(e).RootElement.GetProperty("event").GetProperty("id").GetString()!)]);

        // The first process dies for good at its third checkpoint write: chunks 1 and 2 are checkpointed, chunk 3 was
        // delivered and acknowledged but its checkpoint is never written.
        var dying = new DyingCheckpointStore(storage.Store, writesBeforeDeath: 2);
        Assert.That(async () => await storage.Processor(sink, options, dying).ProcessAsync(blob, CancellationToken.None), Throws.InstanceOf<ProcessDiedException>());
        Assert.That(batches, Has.Count.EqualTo(3));
        string[] lostCheckpoint = batches[^1];

        // Its claim lapses; the next process re-delivers exactly the chunk whose checkpoint was never written.
        await Task.Delay(options.ClaimDuration + TimeSpan.FromMilliseconds(500));
        BlobProcessResult result = await storage.Processor(sink, options).ProcessAsync(blob, CancellationToken.None);

        Assert.That(result.Outcome, Is.EqualTo(BlobProcessOutcome.CaughtUp));
        string[] duplicates = [.. sink.EventIds.GroupBy(id => id).Where(g => g.Count() > 1).Select(g => g.Key)];
        Assert.That(duplicates, Is.EquivalentTo(lostCheckpoint));
        Assert.That(sink.EventIds.Distinct().Count(), Is.EqualTo(simulator.TuplesWritten));
        Assert.That(batches.Count, Is.GreaterThan(3), "the blob was read in several chunks");
    }

    [Test]
    public async Task ARewrittenBlobIsReadAgainFromTheStartWithOneWarning()
    {
        StorageHarness storage = await StorageHarness.CreateAsync();
        FlowLogBlob blob = NewBlob(storage);
        await storage.WriteBlocksAsync(blob, "{\"records\":[", Record(1), "," + Record(2), "]}");
        var sink = new CollectingSink();
        BlobProcessor processor = storage.Processor(sink);
        await processor.ProcessAsync(blob, CancellationToken.None);

        await storage.WriteBlocksAsync(blob, "{\"records\":[", Record(7), "," + Record(8), "," + Record(9), "]}");
        BlobProcessResult result = await processor.ProcessAsync(blob, CancellationToken.None);

        Assert.That(result.Anomalies.Single(), Does.StartWith("rewritten:"));
        Assert.That(result.Events, Is.EqualTo(3));
        Assert.That(WarningsAbout(storage, "rewritten"), Is.EqualTo(1));
        Assert.That(sink.EventIds, Has.Count.EqualTo(5));
        StoredCheckpoint? checkpoint = await storage.Store.GetAsync(blob.FullName, CancellationToken.None);
        Assert.That(checkpoint!.Value.Restarts, Is.EqualTo(1));
    }

    [Test]
    public async Task ABlobShorterThanItsCheckpointIsReadAgainFromTheStart()
    {
        StorageHarness storage = await StorageHarness.CreateAsync();
        FlowLogBlob blob = NewBlob(storage);
        string[] ids = await storage.WriteBlocksAsync(blob, "{\"records\":[", Record(1), "," + Record(2), "," + Record(3), "]}");
        var sink = new CollectingSink();
        BlobProcessor processor = storage.Processor(sink);
        await processor.ProcessAsync(blob, CancellationToken.None);

        await Client(storage, blob).CommitBlockListAsync([ids[0], ids[1], ids[^1]]);
        BlobProcessResult result = await processor.ProcessAsync(blob, CancellationToken.None);

        Assert.That(result.Anomalies.Single(), Does.Contain("shorter than its checkpoint"));
        Assert.That(result.Events, Is.EqualTo(1));
        Assert.That(sink.EventIds.Distinct().Count(), Is.EqualTo(3), "the re-read tuple repeats its event id");
    }

    [Test]
    public async Task UnexpectedFramingIsReadAsADocumentWithoutLossOrDuplicates()
    {
        StorageHarness storage = await StorageHarness.CreateAsync();
        FlowLogBlob blob = NewBlob(storage);

        // The first record shares the head block: not Azure's framing.
        string[] ids = await storage.WriteBlocksAsync(blob, "{\"records\":[" + Record(1), "," + Record(2), "]}");
        var sink = new CollectingSink();
        BlobProcessor processor = storage.Processor(sink);
        BlobProcessResult first = await processor.ProcessAsync(blob, CancellationToken.None);
        Assert.That(first.Anomalies.Single(), Does.StartWith("framing:").And.Contain("head block"));

        // Appends go on: the blob stays in document mode and only the new record is delivered.
        string extra = await StageAsync(storage, blob, "," + Record(3));
        await Client(storage, blob).CommitBlockListAsync([ids[0], ids[1], extra, ids[2]]);
        BlobProcessResult second = await processor.ProcessAsync(blob, CancellationToken.None);

        Assert.That(first.Events + second.Events, Is.EqualTo(3));
        Assert.That(sink.EventIds, Has.Count.EqualTo(3));
        Assert.That(sink.EventIds.Distinct().Count(), Is.EqualTo(3));
        StoredCheckpoint? checkpoint = await storage.Store.GetAsync(blob.FullName, CancellationToken.None);
        Assert.That(checkpoint!.Value.DocumentMode, Is.True);
    }

    [Test]
    public async Task ADeletedOrEmptyBlobEndsCleanlyWithOneWarning()
    {
        StorageHarness storage = await StorageHarness.CreateAsync();
        FlowLogBlob blob = NewBlob(storage);
        await storage.WriteBlocksAsync(blob, "{\"records\":[", Record(1), "]}");
        var sink = new CollectingSink();
        BlobProcessor processor = storage.Processor(sink);
        await processor.ProcessAsync(blob, CancellationToken.None);

        await Client(storage, blob).DeleteAsync();
        Assert.That((await processor.ProcessAsync(blob, CancellationToken.None)).Outcome, Is.EqualTo(BlobProcessOutcome.NotFound));
        Assert.That((await processor.ProcessAsync(blob, CancellationToken.None)).Outcome, Is.EqualTo(BlobProcessOutcome.NotFound));
        Assert.That(WarningsAbout(storage, "deleted"), Is.EqualTo(1), "a lasting state is logged once");

        FlowLogBlob empty = NewBlob(storage, "empty");
        await Client(storage, empty).CommitBlockListAsync([]);
        BlobProcessResult result = await processor.ProcessAsync(empty, CancellationToken.None);
        Assert.That(result.Outcome, Is.EqualTo(BlobProcessOutcome.CaughtUp));
        Assert.That(result.Anomalies.Single(), Does.StartWith("empty:"));
        Assert.That(sink.EventIds, Has.Count.EqualTo(1));
    }

    [Test]
    public async Task ARecordSplitAcrossBlocksIsReadWhole()
    {
        StorageHarness storage = await StorageHarness.CreateAsync();
        FlowLogBlob blob = NewBlob(storage);
        string record = "," + Record(2);
        int half = record.Length / 2;
        await storage.WriteBlocksAsync(blob, "{\"records\":[", Record(1), record[..half], record[half..], "," + Record(3), "]}");

        var sink = new CollectingSink();
        int firstBlocks = 12 + Record(1).Length;
        BlobProcessResult result = await storage.Processor(sink, new BlobProcessorOptions { MaxChunkBytes = firstBlocks + half }).ProcessAsync(blob, CancellationToken.None);

        Assert.That(result.Events, Is.EqualTo(3));
        Assert.That(result.DeadLettered, Is.Zero);
        Assert.That(result.Anomalies, Has.Some.StartWith("record-spans-blocks:"));
        Assert.That(sink.EventIds.Distinct().Count(), Is.EqualTo(3));
    }

    [Test]
    public async Task BadBytesGoToTheDeadLetterContainerAndTheCheckpointMovesPastThem()
    {
        StorageHarness storage = await StorageHarness.CreateAsync();
        FlowLogBlob blob = NewBlob(storage);
        await storage.WriteBlocksAsync(blob, "{\"records\":[", Record(1), ",this is not json", "," + Record(2), "]}");

        var sink = new CollectingSink();
        BlobProcessor processor = storage.Processor(sink);
        BlobProcessResult result = await processor.ProcessAsync(blob, CancellationToken.None);
        BlobProcessResult again = await processor.ProcessAsync(blob, CancellationToken.None);

        Assert.That(result.Events, Is.EqualTo(2));
        Assert.That(result.DeadLettered, Is.EqualTo(1));
        Assert.That(again.Events + again.DeadLettered, Is.Zero, "the checkpoint moved past the bad bytes");
        StoredCheckpoint? checkpoint = await storage.Store.GetAsync(blob.FullName, CancellationToken.None);
        Assert.That(checkpoint!.Value.DeadLettered, Is.EqualTo(1));

        var letters = new List<string>();
        await foreach (Azure.Storage.Blobs.Models.BlobItem item in storage.DeadLetters.GetBlobsAsync())
        {
            letters.Add(item.Name);
        }

        string letter = (await storage.DeadLetters.GetBlobClient(letters.Single()).DownloadContentAsync()).Value.Content.ToString();
        using var json = System.Text.Json.JsonDocument.Parse(letter);
        System.Text.Json.JsonElement issue = json.RootElement.GetProperty("items").EnumerateArray().Single();
        Assert.That(issue.GetProperty("kind").GetString(), Is.EqualTo("UnexpectedBytes"));
        Assert.That(json.RootElement.GetProperty("source").GetString(), Is.EqualTo(blob.FullName));
        Assert.That(Encoding.UTF8.GetString(issue.GetProperty("bytes").GetBytesFromBase64()), Is.EqualTo("this is not json"));
        Assert.That(letters.Single(), Does.StartWith($"{blob.Account}/{blob.Container}/"));
    }

    [TestCase("odd #name? with %percent and ünïcödé")]
    [TestCase("very-long")]
    public async Task LongAndOddBlobNamesGetValidKeys(string kind)
    {
        StorageHarness storage = await StorageHarness.CreateAsync();
        string middle = kind == "very-long" ? string.Join('/', Enumerable.Repeat("a-rather-long-resource-segment", 25)) : kind;
        var blob = new FlowLogBlob(AzuriteServer.Account, FlowLogBlob.VNetContainer, $"flowLogResourceID=/{storage.SubscriptionId}/{middle}/y=2026/m=11/d=23/h=10/m=00/macAddress=AA/PT1H.json");
        await storage.WriteBlocksAsync(blob, "{\"records\":[", Record(1), "]}");
        var sink = new CollectingSink();

        BlobProcessResult result = await storage.Processor(sink).ProcessAsync(blob, CancellationToken.None);

        Assert.That(result.Outcome, Is.EqualTo(BlobProcessOutcome.CaughtUp));
        Assert.That(result.Events, Is.EqualTo(1));
        StoredCheckpoint? checkpoint = await storage.Store.GetAsync(blob.FullName, CancellationToken.None);
        Assert.That(checkpoint!.Value.BlobName, Is.EqualTo(blob.FullName));
        Assert.That(checkpoint.Value.ClaimOwner, Is.Null);
        var hour = new List<BlobCheckpoint>();
        await foreach (BlobCheckpoint c in storage.Store.ListHourAsync(Hour, CancellationToken.None))
        {
            hour.Add(c);
        }

        Assert.That(hour.Select(c => c.BlobName), Is.EquivalentTo(new[] { blob.FullName }));
    }

    [Test]
    public async Task NamesThatAreNotHourBlobsAreIgnored()
    {
        StorageHarness storage = await StorageHarness.CreateAsync();
        var sink = new CollectingSink();
        long before = storage.Requests;
        BlobProcessResult result = await storage.Processor(sink).ProcessAsync(new FlowLogBlob(AzuriteServer.Account, FlowLogBlob.VNetContainer, "some/other.json"), CancellationToken.None);
        Assert.That(result.Outcome, Is.EqualTo(BlobProcessOutcome.Ignored));
        Assert.That(storage.Requests, Is.EqualTo(before), "not even a storage request");
    }

    private static string Record(int port) => SimpleVNet(VNetTuple(sport: port)).ToJsonString();

    private static FlowLogBlob NewBlob(StorageHarness storage, string name = "blob")
        => new(AzuriteServer.Account, FlowLogBlob.VNetContainer, $"flowLogResourceID=/{storage.SubscriptionId}/{name}/y=2026/m=11/d=23/h=10/m=00/macAddress=AA/PT1H.json");

    private static BlockBlobClient Client(StorageHarness storage, FlowLogBlob blob)
        => storage.Blobs.GetBlobContainerClient(blob.Container).GetBlockBlobClient(blob.Name);

    private static async Task<string> StageAsync(StorageHarness storage, FlowLogBlob blob, string content)
    {
        string id = Convert.ToBase64String(Guid.NewGuid().ToByteArray());
        await storage.Blobs.GetBlobContainerClient(blob.Container).CreateIfNotExistsAsync();
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(content));
        await Client(storage, blob).StageBlockAsync(id, stream);
        return id;
    }


    private static int WarningsAbout(StorageHarness storage, string word)
        => storage.ProcessorLog.Lines.Count(l => l.Level == Microsoft.Extensions.Logging.LogLevel.Warning && l.Message.Contains(word, StringComparison.Ordinal));

    /// <summary>A checkpoint store whose process "dies" after some writes: every later call fails, nothing is cleaned up.</summary>
    private sealed class DyingCheckpointStore(ICheckpointStore inner, int writesBeforeDeath) : ICheckpointStore
    {
        private int _writes;

        private bool Dead => _writes > writesBeforeDeath;

        public Task<StoredCheckpoint?> GetAsync(string blobName, CancellationToken cancellationToken)
            => Dead ? throw new ProcessDiedException() : inner.GetAsync(blobName, cancellationToken);

        public Task<StoredCheckpoint?> TryAddAsync(BlobCheckpoint checkpoint, CancellationToken cancellationToken)
            => Dead ? throw new ProcessDiedException() : inner.TryAddAsync(checkpoint, cancellationToken);

        public Task<StoredCheckpoint?> TryReplaceAsync(BlobCheckpoint checkpoint, Azure.ETag ifMatch, CancellationToken cancellationToken)
        {
            if (++_writes > writesBeforeDeath)
            {
                throw new ProcessDiedException();
            }

            return inner.TryReplaceAsync(checkpoint, ifMatch, cancellationToken);
        }

        public IAsyncEnumerable<BlobCheckpoint> ListHourAsync(DateTimeOffset hour, CancellationToken cancellationToken) => inner.ListHourAsync(hour, cancellationToken);
    }

    private sealed class ProcessDiedException() : Exception("the process died");
}
