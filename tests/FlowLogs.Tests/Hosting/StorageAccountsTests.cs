using FlowLogs.Hosting;
using Microsoft.Extensions.Configuration;

namespace FlowLogs.Tests.Hosting;

/// <summary>Identity-style connection settings resolve to the endpoints of the cloud they name.</summary>
public class StorageAccountsTests
{
    [Test]
    public void ServiceUrisAreUsedAsGiven()
    {
        IConfiguration configuration = Settings(("FlowLogStorage:blobServiceUri", "https://flowlogs.blob.core.usgovcloudapi.net"), ("FlowLogStorage:tableServiceUri", "https://flowlogs.table.core.usgovcloudapi.net"));

        Assert.That(StorageAccounts.Blobs(configuration, "FlowLogStorage").Uri, Is.EqualTo(new Uri("https://flowlogs.blob.core.usgovcloudapi.net")));
        Assert.That(StorageAccounts.Tables(configuration, "FlowLogStorage").Uri, Is.EqualTo(new Uri("https://flowlogs.table.core.usgovcloudapi.net")));
    }

    [Test]
    public void AnAccountNameTakesTheEndpointSuffixOfItsCloud()
    {
        IConfiguration configuration = Settings(("FlowLogStorage:accountName", "flowlogs"), ("FlowLogStorage:endpointSuffix", "core.chinacloudapi.cn"));

        Assert.That(StorageAccounts.Blobs(configuration, "FlowLogStorage").Uri, Is.EqualTo(new Uri("https://flowlogs.blob.core.chinacloudapi.cn")));
        Assert.That(StorageAccounts.Tables(configuration, "FlowLogStorage").Uri, Is.EqualTo(new Uri("https://flowlogs.table.core.chinacloudapi.cn")));
    }

    [Test]
    public void AnAccountNameAloneIsInTheAzurePublicCloud()
    {
        Assert.That(StorageAccounts.Blobs(Settings(("AzureWebJobsStorage:accountName", "app")), "AzureWebJobsStorage").Uri, Is.EqualTo(new Uri("https://app.blob.core.windows.net")));
    }

    [Test]
    public void AConnectionWithoutAnyEndpointNamesTheSettingToSet()
    {
        StorageConnectionException? error = Assert.Throws<StorageConnectionException>(() => StorageAccounts.Blobs(Settings(), "FlowLogStorage"));

        Assert.That(error!.Message, Does.Contain("FlowLogStorage__blobServiceUri"));
    }

    private static IConfiguration Settings(params (string Key, string Value)[] values)
        => new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();
}
