using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using FlowLogs.Hosting;
using FlowLogs.Testing;
using FlowLogs.Tests.Support;

namespace FlowLogs.Tests.Storage;

/// <summary>A connection string as a connection's value reaches every service of its account.</summary>
[Category("Azurite")]
public class StorageClientFactoryAzuriteTests
{
    [Test]
    public async Task AConnectionStringReachesTheBlobTableAndQueueServicesOfItsAccount()
    {
        StorageClientFactory clients = StorageClients.Of(StorageClients.Settings(("AzureWebJobsStorage", AzuriteFixture.Server.ConnectionString)));
        string name = "factory" + Guid.NewGuid().ToString("N")[..8];

        BlobServiceClient blobs = clients.Blobs("AzureWebJobsStorage", o => StorageClientDefaults.Apply(o, clock: null));
        TableServiceClient tables = clients.Tables("AzureWebJobsStorage", o => StorageClientDefaults.Apply(o, clock: null));
        QueueServiceClient queues = clients.Queues("AzureWebJobsStorage", o => StorageClientDefaults.Apply(o, clock: null));
        await blobs.CreateBlobContainerAsync(name);
        await tables.CreateTableAsync(name);
        await queues.CreateQueueAsync(name);

        Assert.Multiple(async () =>
        {
            Assert.That(blobs.AccountName, Is.EqualTo(AzuriteServer.Account));
            Assert.That((bool)await blobs.GetBlobContainerClient(name).ExistsAsync(), Is.True);
            Assert.That(tables.Query(t => t.Name == name).Select(t => t.Name), Is.EqualTo(new[] { name }));
            Assert.That((bool)await queues.GetQueueClient(name).ExistsAsync(), Is.True);
        });
    }
}
