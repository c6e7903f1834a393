using Azure.Storage.Blobs;
using FlowLogs.BlobSource;
using FlowLogs.Checkpoints;
using FlowLogs.Processing;
using FlowLogs.Testing;
using FlowLogs.Tests.Support;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using static FlowLogs.Tests.Support.FlowLogBuilder;

namespace FlowLogs.Tests.Processing;

/// <summary>Queue delivery's handler on the in-memory stores: bad elements of a message, sources it does not read.</summary>
public class BlobCreatedHandlerTests
{
    private const string Account = "weuflowlogs";
    private const string Endpoint = "https://weuflowlogs.blob.core.windows.net/";
    private const string Topic = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/" + Account;

    [Test]
    public async Task AMessageWithABadElementDeliversTheGoodOnesAroundItAndThenFailsNamingIt()
    {
        var h = new Handler();
        FlowLogBlob first = h.Write("AA01");
        FlowLogBlob second = h.Write("AA02");
        string message = $"[{Event(first)}, 7, {Event(second)}]";

        FormatException? error = Assert.ThrowsAsync<FormatException>(async () => await h.Events.HandleAsync(message, CancellationToken.None));

        Assert.That(error!.Message, Does.Contain("1 of the message's 3 events are not Event Grid events").And.Contain("event 1 of the message is a JSON Number").And.Contain("the 2 others were processed"));
        Assert.That(h.Sink.EventIds, Has.Count.EqualTo(2), "both good events' blobs were read before the failure kept the message for the poison queue");
    }

    [Test]
    public async Task UnresolvableEventsOfAConfiguredAccountAreStillSaidAfterAFloodOfStrangeSources()
    {
        var h = new Handler();
        for (int i = 0; i < 1100; i++)
        {
            await h.Events.HandleAsync($$"""{"eventType":"Microsoft.Storage.BlobCreated","topic":"/subscriptions/s/providers/Microsoft.Storage/storageAccounts/stranger{{i}}","data":{"url":"https://stranger{{i}}.blob.core.windows.net/c/x/PT1H.json"} }""", CancellationToken.None);
        }

        string unresolvable = $$"""{"eventType":"Microsoft.Storage.BlobCreated","topic":"{{Topic}}","data":{"url":"https://{{Account}}.privatelink.blob.core.windows.net/insights-logs-flowlogflowevent/x/PT1H.json"} }""";
        await h.Events.HandleAsync(unresolvable, CancellationToken.None);
        await h.Events.HandleAsync(unresolvable, CancellationToken.None);
        await h.Events.HandleAsync("""{"eventType":"Microsoft.Storage.BlobCreated","topic":"/subscriptions/s/providers/Microsoft.Storage/storageAccounts/latecomer","data":{"url":"https://latecomer.blob.core.windows.net/c/x/PT1H.json"}}""", CancellationToken.None);

        string[] errors = [.. h.Log.Lines.Where(l => l.Level == LogLevel.Error).Select(l => l.Message)];
        Assert.That(errors, Has.Length.EqualTo(1).And.All.Contains(Account), "said once per account, whatever came before");
        Assert.That(h.Log.Lines.Select(l => l.Message), Has.Some.Contains("latecomer"), "a source after the memory filled up is still said");
    }

    private static string Event(FlowLogBlob blob)
        => $$"""{"eventType":"Microsoft.Storage.BlobCreated","topic":"{{Topic}}","data":{"url":"{{Endpoint}}{{blob.Container}}/{{blob.Name}}"} }""";

    /// <summary>The handler over one configured account (for URLs), the in-memory blob store (for reads) and a collecting sink.</summary>
    private sealed class Handler
    {
        public Handler()
        {
            var accounts = new FlowLogAccounts([new AzureFlowLogBlobStore(new BlobServiceClient(new Uri(Endpoint)))]);
            var processor = new BlobProcessor(Blobs, new BlobClaims(new MemoryCheckpointStore(), TimeProvider.System, new CapturingLogger<BlobClaims>()), Sink, new MemoryDeadLetterStore(), Options.Create(new BlobProcessorOptions()), new CapturingLogger<BlobProcessor>());
            Events = new BlobCreatedHandler(accounts, processor, Log);
        }

        public MemoryBlobStore Blobs { get; } = new(null, Account);

        public CollectingSink Sink { get; } = new();

        public CapturingLogger<BlobCreatedHandler> Log { get; } = new();

        public BlobCreatedHandler Events { get; }

        public FlowLogBlob Write(string mac)
        {
            var blob = new FlowLogBlob(Account, FlowLogBlob.VNetContainer, $"flowLogResourceID=/SUB/FL/y=2026/m=11/d=23/h=10/m=00/macAddress={mac}/PT1H.json");
            Blobs.Write(blob, "{\"records\":[", SimpleVNet(VNetTuple()).ToJsonString(), "]}");
            return blob;
        }
    }
}
