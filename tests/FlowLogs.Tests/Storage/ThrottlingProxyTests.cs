using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using Azure.Storage.Queues;
using FlowLogs.Testing;

namespace FlowLogs.Tests.Storage;

/// <summary>The scenario's throttling proxy: transparent under its rates, Azure's answers past them.</summary>
[Category("Azurite")]
public class ThrottlingProxyTests
{
    [Test]
    public async Task UnderItsRatesEveryServiceWorksThroughItAsDirectly()
    {
        await using ThrottlingProxy proxy = await ThrottlingProxy.StartAsync(AzuriteFixture.Server, ThrottleLimits.None);
        string cs = proxy.ConnectionStringOf(AzuriteServer.Account);
        string name = $"proxy{Guid.NewGuid():N}"[..20];

        BlobContainerClient container = new BlobServiceClient(cs).GetBlobContainerClient(name);
        await container.CreateAsync();
        await container.GetBlobClient("a/b.json").UploadAsync(BinaryData.FromString("{\"x\":1}"));
        var table = new TableClient(cs, name);
        await table.CreateAsync();
        await table.AddEntityAsync(new TableEntity("p-1", "r") { ["V"] = 7 });
        Response<TableEntity> entity = await table.GetEntityAsync<TableEntity>("p-1", "r");
        await table.UpdateEntityAsync(new TableEntity("p-1", "r") { ["V"] = 8 }, entity.Value.ETag, TableUpdateMode.Replace);
        var queue = new QueueClient(cs, name);
        await queue.CreateAsync();
        await queue.SendMessageAsync("hello");

        Azure.Storage.Blobs.Specialized.BlockBlobClient block = container.GetBlockBlobClient("a/c.json");
        await block.StageBlockAsync("YWFh", new MemoryStream("{\"y\":2}"u8.ToArray()));
        await block.CommitBlockListAsync(["YWFh"]);
        Response<Azure.Storage.Blobs.Models.BlockList> list = await block.GetBlockListAsync();
        Response<Azure.Storage.Blobs.Models.BlobDownloadStreamingResult> ranged = await block.DownloadStreamingAsync(new Azure.Storage.Blobs.Models.BlobDownloadOptions
        {
            Range = new HttpRange(1, 3),
            Conditions = new Azure.Storage.Blobs.Models.BlobRequestConditions { IfMatch = list.GetRawResponse().Headers.ETag },
        });
        using var rangedText = new StreamReader(ranged.Value.Content);
        Azure.Storage.Queues.Models.QueueMessage[] received = (await queue.ReceiveMessagesAsync(8, TimeSpan.FromSeconds(30))).Value;

        Assert.Multiple(async () =>
        {
            Assert.That(await rangedText.ReadToEndAsync(), Is.EqualTo("\"y\""));
            Assert.That(received.Select(m => m.Body.ToString()), Is.EqualTo(new[] { "hello" }));
            Assert.That(await table.QueryAsync<TableEntity>(e => e.PartitionKey == "p-1").CountAsync(), Is.EqualTo(1));
            Assert.That((await container.GetBlobClient("a/b.json").DownloadContentAsync()).Value.Content.ToString(), Is.EqualTo("{\"x\":1}"));
            Assert.That((await table.GetEntityAsync<TableEntity>("p-1", "r")).Value.GetInt32("V"), Is.EqualTo(8));
            Assert.That(proxy.Refused, Is.Zero);
        });
    }

    [Test]
    public async Task TheProcessorReadsAndCheckpointsThroughIt()
    {
        await using AzuriteServer azurite = await AzuriteServer.StartAsync();
        await using ThrottlingProxy proxy = await ThrottlingProxy.StartAsync(azurite, ThrottleLimits.None);
        string direct = azurite.ConnectionString;
        string proxied = proxy.ConnectionStringOf(AzuriteServer.Account);
        var simulator = new FlowLogs.Simulation.FlowLogSimulator(new BlobServiceClient(direct), seed: 3, tuplesPerRecord: 4);
        FlowLogs.BlobSource.FlowLogBlob blob = await simulator.AppendMinuteAsync(FlowLogs.Parsing.FlowLogKind.VirtualNetwork, new FlowLogs.Simulation.SimulatedNic(0), new DateTimeOffset(2031, 1, 2, 3, 0, 0, TimeSpan.Zero), CancellationToken.None);
        var checkpoints = new FlowLogs.Checkpoints.TableCheckpointStore(new TableClient(proxied, "proxycheckpoints"));
        await checkpoints.CreateIfNotExistsAsync(CancellationToken.None);
        var sink = new CollectingSink();
        var processor = new FlowLogs.Processing.BlobProcessor(
            new FlowLogs.BlobSource.AzureFlowLogBlobStore(new BlobServiceClient(proxied)),
            new FlowLogs.Checkpoints.BlobClaims(checkpoints, TimeProvider.System, new FlowLogs.Tests.Support.CapturingLogger<FlowLogs.Checkpoints.BlobClaims>()),
            sink,
            new FlowLogs.Tests.Support.MemoryDeadLetterStore(),
            Microsoft.Extensions.Options.Options.Create(new FlowLogs.Processing.BlobProcessorOptions()),
            new FlowLogs.Tests.Support.CapturingLogger<FlowLogs.Processing.BlobProcessor>());

        FlowLogs.Processing.BlobProcessResult result = await processor.ProcessAsync(blob, CancellationToken.None);

        Assert.That((result.Outcome, result.Events), Is.EqualTo((FlowLogs.Processing.BlobProcessOutcome.CaughtUp, 4L)));
        Assert.That(proxy.Served, Is.GreaterThanOrEqualTo(5));
    }

    [Test]
    public async Task PastAPartitionsRateItAnswersServerBusyOrOperationTimedOutAndTheStorageIsNotReached()
    {
        await using ThrottlingProxy proxy = await ThrottlingProxy.StartAsync(AzuriteFixture.Server, new ThrottleLimits(0, 5));
        string name = $"proxy{Guid.NewGuid():N}"[..20];
        var options = new TableClientOptions();
        options.Retry.MaxRetries = 0;
        var table = new TableClient(proxy.ConnectionStringOf(AzuriteServer.Account), name, options);
        await new TableClient(AzuriteFixture.Server.ConnectionString, name).CreateAsync();

        var statuses = new List<(int Status, string? Code)>();
        for (int i = 0; i < 12; i++)
        {
            try
            {
                await table.UpsertEntityAsync(new TableEntity("hot", $"r{i}"));
                statuses.Add((204, null));
            }
            catch (RequestFailedException ex)
            {
                statuses.Add((ex.Status, ex.ErrorCode));
            }
        }

        await table.UpsertEntityAsync(new TableEntity("cold", "r"));
        int stored = await new TableClient(AzuriteFixture.Server.ConnectionString, name).QueryAsync<TableEntity>(e => e.PartitionKey == "hot").CountAsync();
        Assert.Multiple(() =>
        {
            Assert.That(statuses.Count(s => s.Status == 204), Is.InRange(5, 7), "a second's worth at 5 a second");
            Assert.That(statuses.Where(s => s.Status != 204).Select(s => s.Code), Has.All.AnyOf("ServerBusy", "OperationTimedOut").And.Not.Empty);
            Assert.That(stored, Is.EqualTo(statuses.Count(s => s.Status == 204)), "a refused write never reaches the storage");
            Assert.That(proxy.RefusedBy.Keys, Is.EquivalentTo(new[] { "partition" }), "another partition is not held back");
        });
    }
}
