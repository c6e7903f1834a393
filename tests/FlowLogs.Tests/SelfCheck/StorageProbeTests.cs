using FlowLogs.SelfCheck;
using FlowLogs.Tests.Support;
using Microsoft.Extensions.Configuration;

namespace FlowLogs.Tests.SelfCheck;

/// <summary>What the self-check's probe makes of connections it cannot use, before any request.</summary>
public class StorageProbeTests
{
    private const string Key = "c2VjcmV0LWtleS12YWx1ZQ==";

    [Test]
    public async Task AConnectionStringTheTableClientCannotParseIsNamedWithoutItsPieces()
    {
        // The table client's parser says which piece it could not read: here, the key.
        var probe = new AzureStorageProbe(StorageClients.Of(Settings(("AzureWebJobsStorage", $"AccountName=x;{Key}"))), TimeSpan.FromSeconds(1));

        StorageAnswer answer = await probe.QueryTableAsync("AzureWebJobsStorage", "flowlogcheckpoints", CancellationToken.None);

        Assert.That(answer.Fault, Is.EqualTo(StorageFault.NotConfigured));
        Assert.That(answer.Message, Does.StartWith("not a valid storage connection string or blob endpoint").And.Not.Contain(Key));
    }

    [Test]
    public async Task AConnectionNotConfiguredIsNamedInTheAppsOwnWords()
    {
        var probe = new AzureStorageProbe(StorageClients.Of(Settings()), TimeSpan.FromSeconds(1));

        StorageAnswer answer = await probe.ListContainerAsync("FlowLogStorage", "insights-logs-flowlogflowevent", CancellationToken.None);

        Assert.That(answer.Fault, Is.EqualTo(StorageFault.NotConfigured));
        Assert.That(answer.Message, Does.StartWith("storage connection 'FlowLogStorage' is not configured: set 'FlowLogStorage'"));
        Assert.That(probe.AccountName("FlowLogStorage"), Is.Null);
    }

    private static IConfiguration Settings(params (string Name, string Value)[] settings)
        => new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Name, s.Value))).Build();
}
