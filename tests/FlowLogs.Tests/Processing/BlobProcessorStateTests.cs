using FlowLogs.BlobSource;
using FlowLogs.Checkpoints;
using FlowLogs.Processing;
using FlowLogs.Testing;
using FlowLogs.Tests.Support;
using Microsoft.Extensions.Options;
using static FlowLogs.Tests.Support.FlowLogBuilder;

namespace FlowLogs.Tests.Processing;

/// <summary>
/// The processor's state rules on the in-memory stores (which keep Azure's ETag and conditional semantics, proved by the
/// store contract tests): appends, rewrites, shorter blobs, framing, split records, claims, concurrent holders.
/// </summary>
public class BlobProcessorStateTests
{
    private static readonly FlowLogBlob Blob = new(AzuriteServer.Account, FlowLogBlob.VNetContainer, "flowLogResourceID=/SUB/FL/y=2026/m=11/d=23/h=10/m=00/macAddress=AA/PT1H.json");

    [Test]
    public async Task EveryAppendIsReadOnceAndOnlyTheNewBlocksAreRead()
    {
        var p = new Pipeline();
        p.Blobs.Write(Blob, "{\"records\":[", Record(0), "]}");
        long expected = 1;
        for (int minute = 1; minute <= 30; minute++)
        {
            BlobProcessResult result = await p.Processor().ProcessAsync(Blob, CancellationToken.None);
            Assert.That(result.Outcome, Is.EqualTo(BlobProcessOutcome.CaughtUp));
            Assert.That(result.BytesRead, Is.LessThanOrEqualTo(minute == 1 ? 2000 : Record(minute).Length + 3), "only the new block, with the tail");
            p.Blobs.InsertBeforeTail(Blob, "," + Record(minute));
            expected++;
        }

        await p.Processor().ProcessAsync(Blob, CancellationToken.None);
        Assert.That(p.Sink.EventIds, Has.Count.EqualTo(expected));
        Assert.That(p.Sink.EventIds.Distinct().Count(), Is.EqualTo(expected));
        Assert.That((await p.Checkpoints.GetAsync(Blob.FullName, CancellationToken.None))!.Value.ClaimOwner, Is.Null, "let go");
    }

    [Test]
    public async Task AnEventTheSinkRefusesIsDeadLetteredByTheProcessorWithItsRangeAndTheBlobStillCatchesUp()
    {
        var p = new Pipeline();
        p.Sink.Refuse = e => e.Contains("1002", StringComparison.Ordinal) ? "the receiver refused this event (400): bad field" : null;
        p.Blobs.Write(Blob, "{\"records\":[", Record(1), "," + Record(2), "," + Record(3), "]}");

        BlobProcessResult result = await p.Processor().ProcessAsync(Blob, CancellationToken.None);

        BlobCheckpoint checkpoint = (await p.Checkpoints.GetAsync(Blob.FullName, CancellationToken.None))!.Value;
        Assert.Multiple(() =>
        {
            Assert.That(result.Outcome, Is.EqualTo(BlobProcessOutcome.CaughtUp));
            Assert.That((result.Events, result.DeadLettered), Is.EqualTo((2L, 1)), "acknowledged and refused counted apart");
            Assert.That(p.Sink.EventIds, Has.Count.EqualTo(2));
            (string source, long start, long end, int length, string reason) = p.DeadLetters.Events.Single();
            Assert.That((source, reason), Is.EqualTo((Blob.FullName, "the receiver refused this event (400): bad field")));
            Assert.That(start, Is.LessThan(end));
            Assert.That(length, Is.GreaterThan(0));
            Assert.That((checkpoint.EventsDelivered, checkpoint.DeadLettered), Is.EqualTo((2L, 1L)));
        });

        // Read again, nothing is sent or dead-lettered twice.
        BlobProcessResult again = await p.Processor().ProcessAsync(Blob, CancellationToken.None);
        Assert.That((again.Events, again.DeadLettered, p.DeadLetters.Events.Count), Is.EqualTo((0L, 0, 1)));
    }

    [Test]
    public async Task ARewrittenBlobIsReadAgainFromByteZeroWithTheRestartCounted()
    {
        var p = new Pipeline();
        p.Blobs.Write(Blob, "{\"records\":[", Record(1), "]}");
        await p.Processor().ProcessAsync(Blob, CancellationToken.None);
        p.Blobs.Write(Blob, "{\"records\":[", Record(1), "," + Record(2), "]}");

        BlobProcessResult result = await p.Processor().ProcessAsync(Blob, CancellationToken.None);

        Assert.That(result.Anomalies, Has.One.StartWith("rewritten:"));
        Assert.That(result.Events, Is.EqualTo(2));
        Assert.That(p.Sink.EventIds.Distinct().Count(), Is.EqualTo(2), "the unchanged tuple keeps its event id");
        Assert.That((await p.Checkpoints.GetAsync(Blob.FullName, CancellationToken.None))!.Value.Restarts, Is.EqualTo(1));
    }

    [Test]
    public async Task ABlobNotFramedAsAzureFramesItIsReadAsADocumentAndItsAppendsToo()
    {
        var p = new Pipeline();
        p.Blobs.Write(Blob, "{ \"records\" : [ " + Record(1), "," + Record(2), "] }\n");

        BlobProcessResult first = await p.Processor().ProcessAsync(Blob, CancellationToken.None);
        Assert.That(first.Events, Is.EqualTo(2));
        p.Blobs.Write(Blob, "{ \"records\" : [ " + Record(1), "," + Record(2), "," + Record(3), "] }\n");
        BlobProcessResult second = await p.Processor().ProcessAsync(Blob, CancellationToken.None);

        Assert.That(first.Anomalies, Has.Some.StartWith("framing:"));
        Assert.That((await p.Checkpoints.GetAsync(Blob.FullName, CancellationToken.None))!.Value.DocumentMode, Is.True);
        Assert.That(second.Events, Is.EqualTo(1), "from the last record boundary on");
        Assert.That(p.Sink.EventIds.Distinct().Count(), Is.EqualTo(3));
    }

    [Test]
    public async Task ADocumentShorterThanItsCheckpointIsReadAgainFromTheStart()
    {
        var p = new Pipeline();
        p.Blobs.Write(Blob, "[" + Record(1), "," + Record(2), "]");
        await p.Processor().ProcessAsync(Blob, CancellationToken.None);
        p.Blobs.Write(Blob, "[" + Record(3) + "]");

        BlobProcessResult result = await p.Processor().ProcessAsync(Blob, CancellationToken.None);

        Assert.That(result.Anomalies, Has.Some.StartWith("shorter:"));
        Assert.That(p.Sink.EventIds.Distinct().Count(), Is.EqualTo(3));
    }

    [Test]
    public async Task RecordsCutByEveryChunkBoundaryAreCarriedAndEveryByteIsReadOnce()
    {
        var p = new Pipeline();
        string data = string.Join(",", Enumerable.Range(0, 40).Select(Record));
        var blocks = new List<string> { "{\"records\":[" };
        for (int at = 0; at < data.Length; at += 300)
        {
            blocks.Add(data.Substring(at, Math.Min(300, data.Length - at)));
        }

        blocks.Add("]}");
        p.Blobs.Write(Blob, [.. blocks]);

        BlobProcessResult result = await p.Processor(new BlobProcessorOptions { MaxChunkBytes = 4096 }).ProcessAsync(Blob, CancellationToken.None);

        Assert.That(p.Sink.EventIds.Distinct().Count(), Is.EqualTo(40));
        Assert.That(p.Sink.EventIds, Has.Count.EqualTo(40));
        Assert.That(result.BytesRead, Is.EqualTo(blocks.Sum(b => (long)b.Length)));
        Assert.That(p.DeadLetters.Issues, Is.Empty);
    }

    [Test]
    public async Task ACommitInTheMiddleOfACarriedRecordNeverSendsAcknowledgedEventsAgain()
    {
        var p = new Pipeline();
        string data = string.Join(",", Enumerable.Range(0, 12).Select(i => SimpleVNet([.. Enumerable.Range(0, 5).Select(t => VNetTuple(sport: (i * 10) + t))]).ToJsonString()));
        var blocks = new List<string> { "{\"records\":[" };
        for (int at = 0; at < data.Length; at += 700)
        {
            blocks.Add(data.Substring(at, Math.Min(700, data.Length - at)));
        }

        blocks.Add("]}");
        p.Blobs.Write(Blob, [.. blocks]);

        // Azure commits a new block while the third batch is delivered: the next ranged read fails and the runs are
        // planned again from the checkpoint, where the first cut record is met again.
        int batches = 0;
        p.Sink.AfterAcknowledge = _ =>
        {
            if (++batches == 3)
            {
                p.Blobs.InsertBeforeTail(Blob, "," + Record(99));
            }
        };

        await p.Processor(new BlobProcessorOptions { MaxChunkBytes = 1024, MaxBatchBytes = 1 }).ProcessAsync(Blob, CancellationToken.None);

        Assert.That(p.Sink.EventIds, Has.Count.EqualTo((12 * 5) + 1), "every event once, each batch acknowledged once");
        Assert.That(p.Sink.EventIds.Distinct().Count(), Is.EqualTo((12 * 5) + 1));
    }

    [Test]
    public async Task ARecordSplitAcrossTwoCommitsIsDeliveredOnceWhenTheSecondFinishesItAndNothingIsDeadLettered()
    {
        // The hour is over, but the blob changed moments ago (by the storage service's clock): Azure may still finish it.
        var service = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 11, 30, 0, TimeSpan.Zero));
        var p = new Pipeline(service);
        p.Blobs.Write(Blob, "{\"records\":[", Record(1), "]}");
        await p.Processor(time: service).ProcessAsync(Blob, CancellationToken.None);
        string split = Record(2);

        service.Advance(TimeSpan.FromMinutes(1));
        p.Blobs.InsertBeforeTail(Blob, "," + split[..(split.Length / 2)]);
        BlobProcessResult waiting = await p.Processor(time: service).ProcessAsync(Blob, CancellationToken.None);
        BlobCheckpoint mark = (await p.Checkpoints.GetAsync(Blob.FullName, CancellationToken.None))!.Value;

        service.Advance(TimeSpan.FromMinutes(1));
        p.Blobs.InsertBeforeTail(Blob, split[(split.Length / 2)..]);
        BlobProcessResult finished = await p.Processor(time: service).ProcessAsync(Blob, CancellationToken.None);

        Assert.Multiple(async () =>
        {
            Assert.That((waiting.Outcome, waiting.Events, waiting.WaitingForRecord), Is.EqualTo((BlobProcessOutcome.CaughtUp, 0L, true)));
            Assert.That(waiting.Anomalies, Has.One.StartWith("record-spans-commits:"));
            Assert.That(mark.BlobLength, Is.LessThan((await p.Blobs.GetCommittedBlocksAsync(Blob, CancellationToken.None))!.Length), "kept behind, so the replay comes back");
            Assert.That((finished.Events, finished.WaitingForRecord), Is.EqualTo((1L, false)));
            Assert.That(p.Sink.EventIds, Has.Count.EqualTo(2).And.Unique, "each record once");
            Assert.That(p.DeadLetters.Issues, Is.Empty, "neither half is taken for bad bytes");
            Assert.That((await p.Checkpoints.GetAsync(Blob.FullName, CancellationToken.None))!.Value.BlobLength, Is.EqualTo((await p.Blobs.GetCommittedBlocksAsync(Blob, CancellationToken.None))!.Length));
        });
    }

    [Test]
    public async Task ARecordCutByTheLastCommitIsDeadLetteredOnceTheBlobIsFinalAndNotBefore()
    {
        var service = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 11, 0, 0, TimeSpan.Zero));
        var p = new Pipeline(service);
        string cut = Record(2)[..40];
        p.Blobs.Write(Blob, "{\"records\":[", Record(1), "," + cut, "]}");
        var options = new BlobProcessorOptions { CompletionGrace = TimeSpan.FromMinutes(20) };

        // 19 minutes after the hour (and the last commit): not final.
        service.Advance(TimeSpan.FromMinutes(19));
        BlobProcessResult waiting = await p.Processor(options, service).ProcessAsync(Blob, CancellationToken.None);
        BlobProcessResult again = await p.Processor(options, service).ProcessAsync(Blob, CancellationToken.None);

        // 20 minutes: final; the cut record is bad bytes like any other.
        service.Advance(TimeSpan.FromMinutes(1));
        BlobProcessResult final = await p.Processor(options, service).ProcessAsync(Blob, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That((waiting.Events, waiting.DeadLettered, waiting.WaitingForRecord), Is.EqualTo((1L, 0, true)));
            Assert.That((again.Events, again.DeadLettered, again.WaitingForRecord), Is.EqualTo((0L, 0, true)));
            Assert.That((final.Events, final.DeadLettered, final.WaitingForRecord), Is.EqualTo((0L, 1, false)));
            Assert.That(final.Anomalies, Has.One.StartWith("cut-short:"));
            Assert.That(p.DeadLetters.Issues.Single().Issue.Kind, Is.EqualTo(FlowLogs.Parsing.ParseIssueKind.TruncatedRecord));
        });
    }

    [Test]
    public async Task ADeletedBlobEndsCleanlyAndKeepsItsCheckpoint()
    {
        var p = new Pipeline();
        p.Blobs.Write(Blob, "{\"records\":[", Record(1), "]}");
        await p.Processor().ProcessAsync(Blob, CancellationToken.None);
        p.Blobs.Delete(Blob);

        BlobProcessResult result = await p.Processor().ProcessAsync(Blob, CancellationToken.None);

        Assert.That(result.Outcome, Is.EqualTo(BlobProcessOutcome.NotFound));
        Assert.That((await p.Checkpoints.GetAsync(Blob.FullName, CancellationToken.None))!.Value.EventsDelivered, Is.EqualTo(1));
    }

    [Test]
    public async Task AProcessThatFindsTheBlobHeldLeavesItToTheHolderWhichLooksAgainBeforeLettingGo()
    {
        var p = new Pipeline();
        p.Blobs.Write(Blob, "{\"records\":[", Record(1), "]}");
        var delivering = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        p.Sink.BeforeAcknowledge = async _ =>
        {
            if (delivering.TrySetResult())
            {
                await release.Task;
            }
        };

        Task<BlobProcessResult> holder = p.Processor().ProcessAsync(Blob, CancellationToken.None);
        await delivering.Task;

        // A commit arrives while the holder delivers; its trigger finds the blob held.
        p.Blobs.InsertBeforeTail(Blob, "," + Record(2));
        BlobProcessResult second = await p.Processor().ProcessAsync(Blob, CancellationToken.None);
        release.SetResult();
        BlobProcessResult first = await holder;

        Assert.That(second.Outcome, Is.EqualTo(BlobProcessOutcome.ClaimedElsewhere));
        Assert.That(first.Outcome, Is.EqualTo(BlobProcessOutcome.CaughtUp));
        Assert.That(first.Events, Is.EqualTo(2), "the holder read the commit it was told about");
    }

    [Test]
    public async Task ManyProcessorsOnOneBlobWhileItGrowsDeliverEveryTupleOnce()
    {
        var p = new Pipeline();
        p.Blobs.Write(Blob, "{\"records\":[", Record(0), "]}");
        var random = new Random(5);
        for (int minute = 1; minute <= 40; minute++)
        {
            p.Blobs.InsertBeforeTail(Blob, "," + Record(minute));
            await Task.WhenAll(Enumerable.Range(0, random.Next(1, 6)).Select(_ => Task.Run(() => p.Processor().ProcessAsync(Blob, CancellationToken.None))));
        }

        await p.Processor().ProcessAsync(Blob, CancellationToken.None);
        Assert.That(p.Sink.EventIds, Has.Count.EqualTo(41));
        Assert.That(p.Sink.EventIds.Distinct().Count(), Is.EqualTo(41));
    }

    [Test]
    public async Task AHolderWhoseClaimIsTakenMidwayStopsWithoutWritingAgain()
    {
        var p = new Pipeline();
        p.Blobs.Write(Blob, "{\"records\":[", Record(1), "," + Record(2), "]}");
        p.Sink.BeforeAcknowledge = async _ =>
        {
            // Another process takes the blob over while this one delivers.
            StoredCheckpoint stored = (await p.Checkpoints.GetAsync(Blob.FullName, CancellationToken.None))!;
            await p.Checkpoints.TryReplaceAsync(stored.Value with { ClaimOwner = "other", ClaimExpires = DateTimeOffset.MaxValue }, stored.ETag, CancellationToken.None);
        };

        BlobProcessResult result = await p.Processor().ProcessAsync(Blob, CancellationToken.None);
        long writes = p.Checkpoints.Writes;
        await Task.Delay(50);

        Assert.That(result.Outcome, Is.EqualTo(BlobProcessOutcome.ClaimLost));
        Assert.That(p.Checkpoints.Writes, Is.EqualTo(writes));
        Assert.That((await p.Checkpoints.GetAsync(Blob.FullName, CancellationToken.None))!.Value.ClaimOwner, Is.EqualTo("other"));
    }

    [Test]
    public async Task ABadTupleIsDeadLetteredAndTheGoodOnesAroundItDelivered()
    {
        var p = new Pipeline();
        p.Blobs.Write(Blob, "{\"records\":[", SimpleVNet(VNetTuple(sport: 1), "1663146003599,10.0.0.6,bad", VNetTuple(sport: 2)).ToJsonString(), "]}");

        BlobProcessResult result = await p.Processor().ProcessAsync(Blob, CancellationToken.None);

        Assert.That(result.Events, Is.EqualTo(2));
        Assert.That(p.DeadLetters.Issues.Single().Issue.Kind, Is.EqualTo(FlowLogs.Parsing.ParseIssueKind.InvalidTuple));
        Assert.That((await p.Checkpoints.GetAsync(Blob.FullName, CancellationToken.None))!.Value.DeadLettered, Is.EqualTo(1));
    }

    [Test]
    public async Task TheSameBlobNameInTwoAccountsHasTwoCheckpointsAndIsReadInEach()
    {
        var p = new Pipeline();
        FlowLogBlob second = Blob with { Account = AzuriteServer.SecondAccount };
        p.Blobs.Write(Blob, "{\"records\":[", Record(1), "," + Record(2), "]}");
        p.Blobs.Write(second, "{\"records\":[", Record(3), "]}");

        BlobProcessResult first = await p.Processor().ProcessAsync(Blob, CancellationToken.None);
        BlobProcessResult other = await p.Processor().ProcessAsync(second, CancellationToken.None);

        Assert.Multiple(async () =>
        {
            Assert.That((first.Events, other.Events), Is.EqualTo((2L, 1L)), "the second account's blob is not taken for the first's");
            Assert.That((await p.Checkpoints.GetAsync(Blob.FullName, CancellationToken.None))!.Value.EventsDelivered, Is.EqualTo(2));
            Assert.That((await p.Checkpoints.GetAsync(second.FullName, CancellationToken.None))!.Value.EventsDelivered, Is.EqualTo(1));
        });
    }

    private static string Record(int port) => SimpleVNet(VNetTuple(sport: 1000 + port)).ToJsonString();

    /// <summary>The processor over the in-memory stores, a collecting sink and an in-memory dead-letter store.</summary>
    private sealed class Pipeline(TimeProvider? service = null)
    {
        public MemoryBlobStore Blobs { get; } = new(service);

        public MemoryCheckpointStore Checkpoints { get; } = new();

        public CollectingSink Sink { get; } = new();

        public MemoryDeadLetterStore DeadLetters { get; } = new();

        public CapturingLogger<BlobProcessor> Log { get; } = new();

        public BlobProcessor Processor(BlobProcessorOptions? options = null, TimeProvider? time = null)
            => new(Blobs, new BlobClaims(Checkpoints, time ?? TimeProvider.System, new CapturingLogger<BlobClaims>()), Sink, DeadLetters, Options.Create(options ?? new BlobProcessorOptions()), Log, time);
    }
}
