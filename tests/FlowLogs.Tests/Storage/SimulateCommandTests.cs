using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using FlowLogs.BlobSource;
using FlowLogs.Cli;
using FlowLogs.Parsing;
using FlowLogs.Simulation;
using FlowLogs.Testing;
using FlowLogs.Tests.Support;

namespace FlowLogs.Tests.Storage;

[Category("Azurite")]
public class SimulateCommandTests
{
    [Test]
    public async Task WritesBlobsAsAzureDoesThatTheProcessorReadsWhole()
    {
        var start = new DateTimeOffset(2031, 1, 2, 3, 0, 0, TimeSpan.Zero);
        (int exit, _, string stderr) = await CliRun.RunAsync("simulate", "--storage", AzuriteFixture.Server.ConnectionString, "--nics", "2", "--minutes", "3", "--kind", "both", "--tuples", "5", "--start", "2031-01-02T03:00:00Z", "--interval", "10ms");

        Assert.That(exit, Is.EqualTo(ExitCodes.Success), stderr);
        Assert.That(stderr, Does.Contain("wrote 60 tuples to 4 blobs in 12 commits"));

        StorageHarness storage = await StorageHarness.CreateAsync();
        var sink = new CollectingSink();
        foreach (FlowLogKind kind in new[] { FlowLogKind.VirtualNetwork, FlowLogKind.NetworkSecurityGroup })
        {
            for (int nic = 0; nic < 2; nic++)
            {
                FlowLogBlob blob = FlowLogSimulator.BlobFor(AzuriteServer.Account, kind, new SimulatedNic(nic), start);
                BlockList blocks = (await storage.Blobs.GetBlobContainerClient(blob.Container).GetBlockBlobClient(blob.Name).GetBlockListAsync()).Value;
                Assert.That(blocks.CommittedBlocks.Count(), Is.EqualTo(5), "head, three minutes, tail");
                Assert.That(blocks.CommittedBlocks.First().Size, Is.EqualTo(12));
                Assert.That(blocks.CommittedBlocks.Last().Size, Is.EqualTo(2));
                await storage.Processor(sink).ProcessAsync(blob, CancellationToken.None);
            }
        }

        Assert.That(sink.EventIds.Distinct().Count(), Is.EqualTo(60));
    }

    [Test]
    public async Task ABadConnectionStringFailsWithoutPrintingTheKey()
    {
        (int exit, _, string stderr) = await CliRun.RunAsync("simulate", "--storage", "AccountName=x;AccountKey=c2VjcmV0LWtleS12YWx1ZQ==;Nonsense", "--minutes", "1");
        Assert.That(exit, Is.EqualTo(ExitCodes.Failure));
        Assert.That(stderr, Does.Contain("flowlogs simulate: storage (--storage): not a valid storage connection string"));
        Assert.That(stderr, Does.Not.Contain("c2VjcmV0LWtleS12YWx1ZQ"));
    }
}
