using Azure.Storage.Blobs;
using FlowLogs.Cli;
using FlowLogs.Hosting;
using FlowLogs.Tests.Support;
using Microsoft.Extensions.Configuration;

namespace FlowLogs.Tests.Cli;

/// <summary>How <c>--storage</c> and <c>--state-storage</c> become the connections the pipeline reads.</summary>
public class FlowLogStorageOptionTests
{
    [Test]
    public void EachStorageIsAConnectionListedInOrderAndTheFirstHoldsTheStateUnlessOneIsGiven()
    {
        var settings = new Dictionary<string, string?>();

        FlowLogStorageOption.AddTo(settings, ["UseDevelopmentStorage=true", "DefaultEndpointsProtocol=https;AccountName=neu;AccountKey=a2V5"], stateStorage: null);

        Assert.That(settings, Is.EquivalentTo(new Dictionary<string, string?>
        {
            ["FlowLogStorage"] = "UseDevelopmentStorage=true",
            ["FlowLogStorage1"] = "DefaultEndpointsProtocol=https;AccountName=neu;AccountKey=a2V5",
            ["FlowLogs:Storage:FlowLogConnections:0"] = "FlowLogStorage",
            ["FlowLogs:Storage:FlowLogConnections:1"] = "FlowLogStorage1",
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
        }));
    }

    [Test]
    public void ABlobEndpointSignsInWithAnIdentityAndGivesTheAccountsOtherEndpoints()
    {
        // The deployed accounts allow no shared key: an operator names them by endpoint and signs in (az login).
        var settings = new Dictionary<string, string?>();
        FlowLogStorageOption.AddTo(settings, ["https://nwlogsweu.blob.core.windows.net/", "https://nwlogscn.blob.core.chinacloudapi.cn"], stateStorage: "https://flowlogsapp.blob.core.windows.net/");
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();

        StorageClientFactory clients = StorageClients.Of(configuration);
        BlobServiceClient first = clients.Blobs("FlowLogStorage");
        BlobServiceClient second = clients.Blobs("FlowLogStorage1");
        Uri state = clients.Tables("AzureWebJobsStorage").Uri;

        Assert.Multiple(() =>
        {
            Assert.That(settings.Keys, Has.None.EqualTo("FlowLogStorage").And.None.EqualTo("AzureWebJobsStorage"), "no connection string");
            Assert.That((first.Uri.Host, first.AccountName), Is.EqualTo(("nwlogsweu.blob.core.windows.net", "nwlogsweu")));
            Assert.That(second.Uri.Host, Is.EqualTo("nwlogscn.blob.core.chinacloudapi.cn"));
            Assert.That(state.Host, Is.EqualTo("flowlogsapp.table.core.windows.net"));
        });
    }
}
