using System.Text.Json;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using FlowLogs.BlobSource;
using FlowLogs.Checkpoints;
using FlowLogs.Simulation;
using FlowLogs.Testing;

namespace FlowLogs.Functions.Tests;

/// <summary>
/// One test's world in the shared Azurite: its own subscription (so its blobs are its own), the simulator writing
/// them as Azure does, and the events of those blobs among what an intake received.
/// </summary>
internal sealed class Scenario
{
    private Scenario(string storage, int seed, HttpPipelineTransport? transport)
    {
        Storage = storage;
        SubscriptionId = Guid.NewGuid().ToString();
        _blobs = transport is null ? new BlobServiceClient(storage) : new BlobServiceClient(storage, new BlobClientOptions { Transport = transport });
        Simulator = new FlowLogSimulator(_blobs, seed, tuplesPerRecord: 12);
        TableServiceClient tables = transport is null ? new TableServiceClient(storage) : new TableServiceClient(storage, new TableClientOptions { Transport = transport });
        Checkpoints = new TableCheckpointStore(tables.GetTableClient("flowlogcheckpoints"));
    }

    private readonly BlobServiceClient _blobs;

    /// <summary>The storage account's connection string.</summary>
    public string Storage { get; }

    public string SubscriptionId { get; }

    public FlowLogSimulator Simulator { get; }

    public TableCheckpointStore Checkpoints { get; }

    public static Scenario Create(int seed = 1) => new(AzuriteFixture.Server.ConnectionString, seed, null);

    /// <summary>A world in another Azurite (HTTPS with its own certificate: <paramref name="transport"/> trusts it).</summary>
    public static Scenario Create(string storage, int seed, HttpPipelineTransport transport) => new(storage, seed, transport);

    public SimulatedNic Nic(int index) => new(index, SubscriptionId);

    public long Tuples(FlowLogBlob blob) => Simulator.TuplesPerBlob[blob.FullName];

    /// <summary>The event ids the intake received for <paramref name="blob"/>, duplicates included.</summary>
    public static List<string> EventIds(LoopbackIntake intake, FlowLogBlob blob)
    {
        var ids = new List<string>();
        foreach (string item in intake.Events)
        {
            using JsonDocument document = JsonDocument.Parse(item);
            JsonElement root = document.RootElement;
            if (root.GetProperty("log").GetProperty("file").GetProperty("path").GetString()!.EndsWith(blob.Name, StringComparison.Ordinal))
            {
                ids.Add(root.GetProperty("event").GetProperty("id").GetString()!);
            }
        }

        return ids;
    }

    public async Task<long> CommittedLengthAsync(FlowLogBlob blob)
        => (await _blobs.GetBlobContainerClient(blob.Container).GetBlobClient(blob.Name).GetPropertiesAsync()).Value.ContentLength;
}
