using System.Globalization;
using System.Text.RegularExpressions;
using Azure.Storage.Blobs.Models;
using FlowLogs.BlobSource;
using FlowLogs.Checkpoints;
using FlowLogs.Parsing;
using FlowLogs.Processing;
using FlowLogs.Simulation;
using FlowLogs.Testing;
using FlowLogs.Tests.Support;

namespace FlowLogs.Tests.Storage;

/// <summary>
/// docs/scale.md's per-commit figures, measured against Azurite with the request counters the benchmarks use: the
/// model cannot drift from the code without this failing.
/// </summary>
[Category("Azurite")]
public partial class ScaleModelTests
{
    private static readonly Lazy<string> Model = new(() => File.ReadAllText(Path.Combine(RepositoryRoot.Path, "docs", "scale.md")));

    [Test]
    public async Task AOneMinuteDeltaAndAnAnnouncedCommitAlreadyReadCostWhatTheModelSays()
    {
        StorageHarness storage = await StorageHarness.CreateAsync();
        var sink = new CollectingSink();
        BlobProcessor processor = storage.Processor(sink);
        FlowLogSimulator simulator = storage.Simulator(seed: 5, tuplesPerRecord: 6);
        var hour = new DateTimeOffset(2031, 5, 6, 7, 0, 0, TimeSpan.Zero);
        FlowLogBlob blob = await simulator.AppendMinuteAsync(FlowLogKind.VirtualNetwork, storage.Nic(0), hour, CancellationToken.None);
        await processor.ProcessAsync(blob, CancellationToken.None);

        var deltas = new List<(long Table, long Blob)>();
        for (int minute = 1; minute <= 5; minute++)
        {
            await simulator.AppendMinuteAsync(FlowLogKind.VirtualNetwork, storage.Nic(0), hour.AddMinutes(minute), CancellationToken.None);
            (long table, long blobs) = (storage.TableRequests.Count, storage.BlobRequests.Count);
            await processor.ProcessAsync(blob, CancellationToken.None);
            deltas.Add((storage.TableRequests.Count - table, storage.BlobRequests.Count - blobs));
        }

        // Event Grid announces the last commit again (at least once): its length and ETag, as data.contentLength and data.eTag say them.
        BlobProperties properties = (await storage.Blobs.GetBlobContainerClient(blob.Container).GetBlobClient(blob.Name).GetPropertiesAsync()).Value;
        var handler = new BlobCreatedHandler(new FlowLogAccounts([new AzureFlowLogBlobStore(storage.Blobs)]), processor, new CapturingLogger<BlobCreatedHandler>());
        string url = storage.Blobs.GetBlobContainerClient(blob.Container).GetBlobClient(blob.Name).Uri.AbsoluteUri;
        string repeated = $$"""{"eventType":"Microsoft.Storage.BlobCreated","topic":"/subscriptions/s/providers/Microsoft.Storage/storageAccounts/{{blob.Account}}","data":{"url":"{{url}}","contentLength":{{properties.ContentLength}},"eTag":"{{properties.ETag.ToString().Trim((char)34)}}"} }""";
        (long tableBefore, long blobBefore) = (storage.TableRequests.Count, storage.BlobRequests.Count);
        IReadOnlyList<BlobProcessResult> results = await handler.HandleAsync(repeated, CancellationToken.None);
        (long repeatedTable, long repeatedBlob) = (storage.TableRequests.Count - tableBefore, storage.BlobRequests.Count - blobBefore);

        Match delta = DeltaRow().Match(Model.Value);
        Match alreadyRead = AlreadyReadRow().Match(Model.Value);
        Match spread = SpreadText().Match(Model.Value);
        Assert.That((delta.Success, alreadyRead.Success, spread.Success), Is.EqualTo((true, true, true)), "docs/scale.md states the figures this test checks");
        Assert.Multiple(() =>
        {
            Assert.That(deltas, Has.All.EqualTo((Number(delta, "table"), Number(delta, "blob"))), "table and blob requests of each one-minute delta");
            Assert.That(Number(delta, "table") + Number(delta, "blob"), Is.EqualTo(Number(delta, "total")));
            Assert.That(results.Single().Outcome, Is.EqualTo(BlobProcessOutcome.AlreadyRead));
            Assert.That(repeatedTable + repeatedBlob, Is.EqualTo(Number(alreadyRead, "total")), "a repeated announcement");
            Assert.That(repeatedBlob, Is.Zero);
            Assert.That(Number(spread, "spread"), Is.EqualTo(CheckpointKeys.Spread));
        });
    }

    [Test]
    public async Task NinetySixBlobsOfOneHourLeaveNoCheckpointPartitionWithMoreThanAFifthOfThem()
    {
        StorageHarness storage = await StorageHarness.CreateAsync();
        BlobProcessor processor = storage.Processor(new CollectingSink());
        FlowLogSimulator simulator = storage.Simulator(seed: 9, tuplesPerRecord: 1);
        var hour = new DateTimeOffset(2031, 5, 6, 8, 0, 0, TimeSpan.Zero);
        for (int nic = 0; nic < 96; nic++)
        {
            FlowLogBlob blob = await simulator.AppendMinuteAsync(nic % 2 == 0 ? FlowLogKind.VirtualNetwork : FlowLogKind.NetworkSecurityGroup, storage.Nic(nic), hour, CancellationToken.None);
            await processor.ProcessAsync(blob, CancellationToken.None);
        }

        var perPartition = new Dictionary<string, int>(StringComparer.Ordinal);
        await foreach (Azure.Data.Tables.TableEntity entity in storage.Table.QueryAsync<Azure.Data.Tables.TableEntity>(select: ["PartitionKey"]))
        {
            perPartition[entity.PartitionKey] = perPartition.GetValueOrDefault(entity.PartitionKey) + 1;
        }

        Assert.That(perPartition.Values.Sum(), Is.EqualTo(96));
        Assert.That(perPartition.Values.Max(), Is.LessThanOrEqualTo(96 / 5), string.Join(", ", perPartition.Select(p => $"{p.Key}: {p.Value}")));
        int listed = 0;
        await foreach (BlobCheckpoint _ in storage.Store.ListHourAsync(hour, CancellationToken.None))
        {
            listed++;
        }

        Assert.That(listed, Is.EqualTo(96), "the replay's one range query reads them all");
    }

    private static long Number(Match match, string group) => long.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"\| storage requests, a one-minute delta \| (?<total>\d+): (?<table>\d+) table [^|]*?, (?<blob>\d+) blob")]
    private static partial Regex DeltaRow();

    [GeneratedRegex(@"\| storage requests, an announced commit already read[^|]*\| (?<total>\d+):")]
    private static partial Regex AlreadyReadRow();

    [GeneratedRegex(@"over its (?<spread>\d+) partitions")]
    private static partial Regex SpreadText();
}
