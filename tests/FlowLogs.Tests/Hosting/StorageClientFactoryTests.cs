using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using FlowLogs.Hosting;
using FlowLogs.Tests.Support;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Configuration;
using static FlowLogs.Tests.Support.StorageClients;

namespace FlowLogs.Tests.Hosting;

/// <summary>
/// Each way the Functions host names a storage connection gives the clients it should, without the network: endpoints
/// are read, not called. A connection string against Azurite is in Storage/StorageClientFactoryAzuriteTests.
/// </summary>
public class StorageClientFactoryTests
{
    [Test]
    public void ServiceUrisAreUsedAsGivenForEachService()
    {
        StorageClientFactory clients = Of(Settings(
            ("FlowLogStorage:blobServiceUri", "https://flowlogs.blob.core.usgovcloudapi.net"),
            ("FlowLogStorage:tableServiceUri", "https://flowlogs.table.core.usgovcloudapi.net"),
            ("FlowLogStorage:queueServiceUri", "https://flowlogs.queue.core.usgovcloudapi.net")));

        Assert.Multiple(() =>
        {
            Assert.That(clients.Blobs("FlowLogStorage").Uri, Is.EqualTo(new Uri("https://flowlogs.blob.core.usgovcloudapi.net")));
            Assert.That(clients.Tables("FlowLogStorage").Uri, Is.EqualTo(new Uri("https://flowlogs.table.core.usgovcloudapi.net")));
            Assert.That(clients.Queues("FlowLogStorage").Uri, Is.EqualTo(new Uri("https://flowlogs.queue.core.usgovcloudapi.net")));
            Assert.That(clients.Blobs("FlowLogStorage").AccountName, Is.EqualTo("flowlogs"));
        });
    }

    [Test]
    public void AServiceUriSignsInWithTheManagedIdentityTheConnectionAsksFor()
    {
        var components = new RecordingComponentFactory(Components());
        StorageClientFactory clients = Of(Settings(
            ("AzureWebJobsStorage:blobServiceUri", "https://app.blob.core.windows.net"),
            ("AzureWebJobsStorage:tableServiceUri", "https://app.table.core.windows.net"),
            ("AzureWebJobsStorage:queueServiceUri", "https://app.queue.core.windows.net"),
            ("AzureWebJobsStorage:credential", "managedidentity"),
            ("AzureWebJobsStorage:clientId", "00000000-0000-0000-0000-000000000001")), components);

        clients.Blobs("AzureWebJobsStorage");
        clients.Tables("AzureWebJobsStorage");
        clients.Queues("AzureWebJobsStorage");

        Assert.That(components.Made.Select(m => (m.Client, m.Credential?.GetType())), Is.EqualTo(new[]
        {
            (typeof(BlobServiceClient), typeof(ManagedIdentityCredential)),
            (typeof(TableServiceClient), typeof(ManagedIdentityCredential)),
            (typeof(QueueServiceClient), typeof(ManagedIdentityCredential)),
        }));
    }

    [TestCase(null)]
    [TestCase("00000000-0000-0000-0000-000000000001")]
    public void WithoutACredentialKindAServiceUriSignsInWithTheDefaultChain(string? clientId)
    {
        // As in the Functions host: a client id alone names the default chain's managed identity, not a credential kind.
        var components = new RecordingComponentFactory(Components());
        IConfiguration settings = clientId is null
            ? Settings(("FlowLogStorage:blobServiceUri", "https://logs.blob.core.windows.net"))
            : Settings(("FlowLogStorage:blobServiceUri", "https://logs.blob.core.windows.net"), ("FlowLogStorage:clientId", clientId));

        Of(settings, components).Blobs("FlowLogStorage");

        Assert.That(components.Made.Single().Credential, Is.InstanceOf<DefaultAzureCredential>());
    }

    [Test]
    public void AnAccountNameTakesTheEndpointSuffixOfItsCloud()
    {
        StorageClientFactory clients = Of(Settings(("FlowLogStorage:accountName", "flowlogs"), ("FlowLogStorage:endpointSuffix", "core.chinacloudapi.cn")));

        Assert.Multiple(() =>
        {
            Assert.That(clients.Blobs("FlowLogStorage").Uri, Is.EqualTo(new Uri("https://flowlogs.blob.core.chinacloudapi.cn")));
            Assert.That(clients.Tables("FlowLogStorage").Uri, Is.EqualTo(new Uri("https://flowlogs.table.core.chinacloudapi.cn")));
            Assert.That(clients.Queues("FlowLogStorage").Uri, Is.EqualTo(new Uri("https://flowlogs.queue.core.chinacloudapi.cn")));
        });
    }

    [Test]
    public void AnAccountNameAloneIsInTheAzurePublicCloud()
    {
        Assert.That(Of(Settings(("AzureWebJobsStorage:accountName", "app"))).Blobs("AzureWebJobsStorage").Uri, Is.EqualTo(new Uri("https://app.blob.core.windows.net")));
    }

    [Test]
    public void AServiceUriWinsOverTheAccountName()
    {
        StorageClientFactory clients = Of(Settings(("FlowLogStorage:accountName", "other"), ("FlowLogStorage:blobServiceUri", "https://logs.blob.core.windows.net")));

        Assert.Multiple(() =>
        {
            Assert.That(clients.Blobs("FlowLogStorage").Uri, Is.EqualTo(new Uri("https://logs.blob.core.windows.net")));
            Assert.That(clients.Tables("FlowLogStorage").Uri, Is.EqualTo(new Uri("https://other.table.core.windows.net")), "the account name still gives the other services");
        });
    }

    [Test]
    public void TheDevelopmentStorageShortcutIsAConnectionStringWithoutACredential()
    {
        var components = new RecordingComponentFactory(Components());
        StorageClientFactory clients = Of(Settings(("AzureWebJobsStorage", "UseDevelopmentStorage=true")), components);

        Assert.Multiple(() =>
        {
            Assert.That(clients.Blobs("AzureWebJobsStorage").Uri, Is.EqualTo(new Uri("http://127.0.0.1:10000/devstoreaccount1")));
            Assert.That(clients.Queues("AzureWebJobsStorage").Uri, Is.EqualTo(new Uri("http://127.0.0.1:10001/devstoreaccount1")));
            Assert.That(clients.Tables("AzureWebJobsStorage").AccountName, Is.EqualTo("devstoreaccount1"));
            Assert.That(components.Made.Select(m => m.Credential), Is.All.Null, "the connection string's key signs the requests");
        });
    }

    [Test]
    public void TheOptionsAreTheComponentFactorysThenConfigured()
    {
        // ConfigureDefaults reaches only options the component factory makes; the pipeline's retries are set after it.
        var components = new RecordingComponentFactory(Components(services => services.AddAzureClients(builder => builder.ConfigureDefaults(o =>
        {
            o.Diagnostics.ApplicationId = "factory-made";
            o.Retry.MaxRetries = 0;
        }))));
        StorageClientFactory clients = Of(Settings(("FlowLogStorage", "UseDevelopmentStorage=true"), ("AzureWebJobsStorage:tableServiceUri", "https://app.table.core.windows.net")), components);

        clients.Blobs("FlowLogStorage", o => StorageClientDefaults.Apply(o, clock: null));
        clients.Tables("AzureWebJobsStorage", o => StorageClientDefaults.Apply(o, clock: null));

        Assert.That(components.Made.Select(m => (ClientOptions)m.Options).Select(o => (o.GetType(), o.Diagnostics.ApplicationId, o.Retry.MaxRetries, o.Retry.Mode)), Is.EqualTo(new[]
        {
            (typeof(BlobClientOptions), "factory-made", StorageClientDefaults.MaxRetries, RetryMode.Exponential),
            (typeof(TableClientOptions), "factory-made", StorageClientDefaults.MaxRetries, RetryMode.Exponential),
        }));
    }

    [TestCase("blob")]
    [TestCase("table")]
    [TestCase("queue")]
    public void AConnectionWithoutAnEndpointNamesTheSettingToSetAndNoValue(string service)
    {
        StorageClientFactory clients = Of(Settings(("FlowLogStorage:credential", "managedidentity"), ("FlowLogStorage:clientId", "client-id-value")));
        TestDelegate build = service switch
        {
            "blob" => () => clients.Blobs("FlowLogStorage"),
            "table" => () => clients.Tables("FlowLogStorage"),
            _ => () => clients.Queues("FlowLogStorage"),
        };

        StorageConnectionException? error = Assert.Throws<StorageConnectionException>(build);

        Assert.That(error!.Message, Does.StartWith("storage connection 'FlowLogStorage' ")
            .And.Contain($"'FlowLogStorage__{service}ServiceUri'")
            .And.Not.Contain("client-id-value"));
    }

    [Test]
    public void AConnectionNotSetAtAllSaysSo()
    {
        StorageConnectionException? error = Assert.Throws<StorageConnectionException>(() => Of(Settings()).Blobs("FlowLogStorage"));

        Assert.That(error!.Message, Is.EqualTo("storage connection 'FlowLogStorage' is not configured: set 'FlowLogStorage' to a connection string, or 'FlowLogStorage__blobServiceUri' for a managed identity"));
    }

    [Test]
    public void AConnectionStringThatDoesNotParseFailsWithTheClientsOwnErrorWithoutTheKey()
    {
        // The component factory calls the constructor by reflection; callers tell a bad connection string by the
        // constructor's own exception, not by the reflection's wrapper.
        StorageClientFactory clients = Of(Settings(("FlowLogStorage", "AccountName=x;AccountKey=c2VjcmV0LWtleS12YWx1ZQ==;Nonsense")));

        Exception? error = Assert.Catch(() => clients.Blobs("FlowLogStorage"));

        Assert.That(error, Is.InstanceOf<FormatException>().Or.InstanceOf<ArgumentException>());
        Assert.That(error!.ToString(), Does.Not.Contain("c2VjcmV0LWtleS12YWx1ZQ"));
    }
}
