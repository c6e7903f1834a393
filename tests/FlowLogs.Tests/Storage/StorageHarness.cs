using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using FlowLogs.BlobSource;
using FlowLogs.Checkpoints;
using FlowLogs.DeadLetters;
using FlowLogs.Processing;
using FlowLogs.Simulation;
using FlowLogs.Sinks;
using FlowLogs.Testing;
using FlowLogs.Tests.Support;
using Microsoft.Extensions.Options;

namespace FlowLogs.Tests.Storage;

/// <summary>Clients on the test Azurite, with request counters, a fresh checkpoint table and dead-letter container.</summary>
internal sealed class StorageHarness
{
    private StorageHarness(string tableName, string deadLetterContainer)
    {
        var blobOptions = new BlobClientOptions();
        blobOptions.AddPolicy(BlobRequests, HttpPipelinePosition.PerRetry);
        var tableOptions = new TableClientOptions();
        tableOptions.AddPolicy(TableRequests, HttpPipelinePosition.PerRetry);
        Blobs = new BlobServiceClient(AzuriteFixture.Server.ConnectionString, blobOptions);
        Table = new TableClient(AzuriteFixture.Server.ConnectionString, tableName, tableOptions);
        DeadLetters = Blobs.GetBlobContainerClient(deadLetterContainer);
        Store = new TableCheckpointStore(Table);
        SubscriptionId = Guid.NewGuid().ToString();
    }

    public RequestCounter BlobRequests { get; } = new();

    public RequestCounter TableRequests { get; } = new();

    public BlobServiceClient Blobs { get; }

    public TableClient Table { get; }

    public BlobContainerClient DeadLetters { get; }

    public TableCheckpointStore Store { get; }

    /// <summary>Each harness simulates NICs of its own subscription, so blob names never collide between tests.</summary>
    public string SubscriptionId { get; }

    public CapturingLogger<BlobProcessor> ProcessorLog { get; } = new();

    public CapturingLogger<BlobClaims> ClaimLog { get; } = new();

    public long Requests => BlobRequests.Count + TableRequests.Count;

    public static async Task<StorageHarness> CreateAsync()
    {
        var harness = new StorageHarness($"cp{Guid.NewGuid():N}", $"dl-{Guid.NewGuid():N}");
        await harness.Store.CreateIfNotExistsAsync(CancellationToken.None);
        await harness.DeadLetters.CreateIfNotExistsAsync();
        return harness;
    }

    public SimulatedNic Nic(int index) => new(index, SubscriptionId);

    /// <summary>Stages each of <paramref name="blocks"/> and commits them as the blob's block list; returns the block ids.</summary>
    public Task<string[]> WriteBlocksAsync(FlowLogBlob blob, params byte[][] blocks) => WriteBlocksAsync(Blobs, blob, blocks);

    /// <summary>As <see cref="WriteBlocksAsync(FlowLogBlob, byte[][])"/>, in the account of <paramref name="service"/>.</summary>
    public static async Task<string[]> WriteBlocksAsync(BlobServiceClient service, FlowLogBlob blob, IEnumerable<byte[]> blocks)
    {
        BlobContainerClient container = service.GetBlobContainerClient(blob.Container);
        await container.CreateIfNotExistsAsync();
        BlockBlobClient client = container.GetBlockBlobClient(blob.Name);
        var ids = new List<string>();
        foreach (byte[] block in blocks)
        {
            string id = Convert.ToBase64String(Guid.NewGuid().ToByteArray());
            using var stream = new MemoryStream(block);
            await client.StageBlockAsync(id, stream);
            ids.Add(id);
        }

        await client.CommitBlockListAsync(ids);
        return [.. ids];
    }

    /// <summary>As <see cref="WriteBlocksAsync(FlowLogBlob, byte[][])"/>, each block given as UTF-8 text.</summary>
    public Task<string[]> WriteBlocksAsync(FlowLogBlob blob, params string[] blocks)
        => WriteBlocksAsync(blob, [.. blocks.Select(System.Text.Encoding.UTF8.GetBytes)]);

    public FlowLogSimulator Simulator(int seed = 1, int tuplesPerRecord = 20) => new(Blobs, seed, tuplesPerRecord);

    public BlobProcessor Processor(IEventSink sink, BlobProcessorOptions? options = null, ICheckpointStore? store = null, TimeProvider? time = null)
    {
        var claims = new BlobClaims(store ?? Store, time ?? TimeProvider.System, ClaimLog);
        return new BlobProcessor(
            new AzureFlowLogBlobStore(Blobs),
            claims,
            sink,
            new BlobDeadLetterStore(DeadLetters),
            Options.Create(options ?? new BlobProcessorOptions()),
            ProcessorLog,
            time);
    }
}
