using Azure.Storage.Blobs;
using FlowLogs.BlobSource;

namespace FlowLogs.Tests.BlobSource;

/// <summary>Which blobs the app may read: only those of configured accounts' flow-log containers, named by account.</summary>
public class FlowLogAccountsTests
{
    private const string Vnet = FlowLogBlob.VNetContainer;
    private const string Name = "flowLogResourceID=/SUB/RG/FL/y=2026/m=11/d=23/h=10/m=00/macAddress=AA/PT1H.json";

    private static readonly FlowLogAccounts Accounts = new([
        Account("https://weuflowlogs.blob.core.windows.net/"),
        Account("http://127.0.0.1:10000/devstoreaccount1"),
        Account("http://127.0.0.1:10000/flowlogssecond"),
    ]);

    [Test]
    public void AUrlOfAConfiguredAccountsFlowLogContainerNamesItsBlob()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Accounts.Resolve(new Uri($"https://WEUFLOWLOGS.blob.core.windows.net/{Vnet}/{Name}")), Is.EqualTo(new FlowLogBlob("weuflowlogs", Vnet, Name)));
            Assert.That(Accounts.Resolve(new Uri($"http://127.0.0.1:10000/flowlogssecond/{FlowLogBlob.NsgContainer}/{Name}")), Is.EqualTo(new FlowLogBlob("flowlogssecond", FlowLogBlob.NsgContainer, Name)));
            Assert.That(Accounts.Resolve(new Uri($"http://127.0.0.1:10000/devstoreaccount1/{Vnet}/{Name}"))!.Account, Is.EqualTo("devstoreaccount1"));
        });
    }

    [TestCase("https://otheraccount.blob.core.windows.net/insights-logs-flowlogflowevent/x/PT1H.json", TestName = "another account")]
    [TestCase("https://weuflowlogs.blob.core.windows.net.evil.example/insights-logs-flowlogflowevent/x/PT1H.json", TestName = "a host that only starts like the account's")]
    [TestCase("http://weuflowlogs.blob.core.windows.net/insights-logs-flowlogflowevent/x/PT1H.json", TestName = "another scheme")]
    [TestCase("https://weuflowlogs.blob.core.windows.net/insights-logs-appserviceconsolelogs/x/PT1H.json", TestName = "another container of the account")]
    [TestCase("https://weuflowlogs.blob.core.windows.net/insights-logs-flowlogflowevent/", TestName = "no blob name")]
    [TestCase("http://127.0.0.1:10000/thirdaccount/insights-logs-flowlogflowevent/x/PT1H.json", TestName = "another account on the same emulator")]
    [TestCase("http://127.0.0.1:10001/devstoreaccount1/insights-logs-flowlogflowevent/x/PT1H.json", TestName = "another port")]
    [TestCase("https://weuflowlogs.blob.core.windows.net/insights-logs-flowlogflowevent/a%2F..%2F..%2Fsecrets/x/PT1H.json", TestName = "encoded slashes climbing out of the container")]
    [TestCase("https://weuflowlogs.blob.core.windows.net/insights-logs-flowlogflowevent/a%2F%2Fb/PT1H.json", TestName = "an encoded empty segment")]
    [TestCase("https://weuflowlogs.blob.core.windows.net/insights-logs-flowlogflowevent/a%5C..%5Cb/PT1H.json", TestName = "encoded backslashes")]
    public void AnythingElseIsNotResolved(string url) => Assert.That(Accounts.Resolve(new Uri(url)), Is.Null);

    [Test]
    public void ReadsOfAnUnconfiguredAccountFailNamingTheSetting()
    {
        var blob = new FlowLogBlob("otheraccount", Vnet, Name);

        UnknownAccountException? error = Assert.ThrowsAsync<UnknownAccountException>(() => Accounts.GetCommittedBlocksAsync(blob, CancellationToken.None));

        Assert.That(error!.Message, Does.Contain("otheraccount").And.Contain("FlowLogs:Storage:FlowLogConnections"));
    }

    [Test]
    public void AnAccountConfiguredTwiceIsRefused()
        => Assert.That(
            () => new FlowLogAccounts([Account("https://weuflowlogs.blob.core.windows.net/"), Account("https://weuflowlogs.blob.core.windows.net/")]),
            Throws.InvalidOperationException.With.Message.Contains("'weuflowlogs' is configured twice"));

    [Test]
    public void FullNamesCarryTheAccount()
    {
        Assert.Multiple(() =>
        {
            Assert.That(FlowLogBlob.TryParse($"weuflowlogs/{Vnet}/{Name}", out FlowLogBlob? qualified), Is.True);
            Assert.That(qualified, Is.EqualTo(new FlowLogBlob("weuflowlogs", Vnet, Name)));
            Assert.That(qualified!.Path, Is.EqualTo($"{Vnet}/{Name}"), "event ids are made from the container and name");
            Assert.That(FlowLogBlob.TryParse($"{Vnet}/{Name}", out _), Is.False, "a name without its account");
            Assert.That(FlowLogBlob.TryParse("weuflowlogs/", out _), Is.False);
            Assert.That(FlowLogBlob.TryParse("weuflowlogs/container", out _), Is.False);
        });
    }

    private static AzureFlowLogBlobStore Account(string endpoint) => new(new BlobServiceClient(new Uri(endpoint)));
}
