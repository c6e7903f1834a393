using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using FlowLogs.BlobSource;
using FlowLogs.Checkpoints;
using FlowLogs.Ecs;
using FlowLogs.Hosting;
using FlowLogs.Parsing;
using FlowLogs.Processing;
using FlowLogs.Replay;
using FlowLogs.Simulation;
using FlowLogs.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FlowLogs.Tests.Storage;

/// <summary>
/// One app, two flow-log accounts (Azurite serving both), events delivered through a storage queue in Event Grid's own
/// schema, shuffled and duplicated, to several processors at once.
/// </summary>
[Category("Azurite")]
[NonParallelizable]
public class SeveralAccountsTests
{
    private const string IntakeKey = "several-accounts-key";
    private static readonly string[] Accounts = [AzuriteServer.Account, AzuriteServer.SecondAccount];
    private AzuriteServer _azurite = null!;

    // An Azurite of its own: its real flow-log containers hold only what these tests write.
    [OneTimeSetUp]
    public async Task StartAsync() => _azurite = await AzuriteServer.StartAsync();

    [OneTimeTearDown]
    public async Task StopAsync() => await _azurite.DisposeAsync();

    [Test]
    public async Task EveryTupleOfBothAccountsIsDeliveredOnceFromShuffledDuplicatedEventsToThreeProcessors()
    {
        await using LoopbackIntake intake = await LoopbackIntake.StartAsync(IntakeKey);
        string id = Guid.NewGuid().ToString("N")[..12];
        QueueClient queue = await QueueAsync($"events{id}");
        DateTimeOffset hour = HourOf(DateTimeOffset.UtcNow);

        // Azure's way of writing: each minute a commit in each account, each commit an event.
        var events = new List<string>();
        var written = new HashSet<FlowLogBlob>();
        foreach (string account in Accounts)
        {
            var simulator = new FlowLogSimulator(Blobs(account), seed: account.Length, tuplesPerRecord: 6);
            for (int minute = 0; minute < 4; minute++)
            {
                for (int nic = 0; nic < 3; nic++)
                {
                    FlowLogKind kind = nic == 2 ? FlowLogKind.NetworkSecurityGroup : FlowLogKind.VirtualNetwork;
                    FlowLogBlob blob = await simulator.AppendMinuteAsync(kind, new SimulatedNic(nic), hour.AddMinutes(minute), CancellationToken.None);
                    events.Add(BlobCreated(account, BlobUrl(blob)));
                    written.Add(blob);
                }
            }
        }

        // An account the app does not read (a listener that must never be called) and another container of a read one.
        using var stranger = new TcpListener(IPAddress.Loopback, 0);
        stranger.Start();
        int strangerPort = ((IPEndPoint)stranger.LocalEndpoint).Port;
        events.Add(BlobCreated("otheraccount", new Uri($"http://127.0.0.1:{strangerPort}/otheraccount/{FlowLogBlob.VNetContainer}/x/y=2026/m=11/d=23/h=10/m=00/macAddress=AA/PT1H.json")));
        var otherLogs = new FlowLogSimulator(Blobs(AzuriteServer.SecondAccount), seed: 9, tuplesPerRecord: 6, vnetContainer: "insights-logs-appserviceconsolelogs");
        FlowLogBlob notFlowLogs = await otherLogs.AppendMinuteAsync(FlowLogKind.VirtualNetwork, new SimulatedNic(9), hour, CancellationToken.None);
        events.Add(BlobCreated(AzuriteServer.SecondAccount, BlobUrl(notFlowLogs)));

        // Event Grid delivers at least once and in no order: every event twice, shuffled; base64-encoded as it writes
        // them today, or as plain JSON as it once did (the trigger hands the text over as stored).
        var random = new Random(5);
        var plain = new QueueClient(_azurite.ConnectionString, queue.Name);
        foreach (string item in events.Concat(events).OrderBy(_ => random.Next()))
        {
            await (random.Next(4) == 0 ? plain.SendMessageAsync(item) : queue.SendMessageAsync(item));
        }

        Dictionary<string, object?> settings = Settings(intake, id);
        ServiceProvider[] processors = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => StartPipelineAsync(settings)));
        try
        {
            await Task.WhenAll(processors.Select(p => DrainAsync(plain, p.GetRequiredService<BlobCreatedHandler>())));
        }
        finally
        {
            foreach (ServiceProvider processor in processors)
            {
                await processor.DisposeAsync();
            }
        }

        Dictionary<string, string> expected = await ExpectedIdsAsync(written);
        Dictionary<string, string> notExpected = await ExpectedIdsAsync(new HashSet<FlowLogBlob> { notFlowLogs });
        string[] delivered = [.. intake.Events.Select(EventIdOf)];
        Assert.Multiple(() =>
        {
            Assert.That(delivered, Has.Length.EqualTo(delivered.Distinct().Count()), "nothing delivered twice");
            Assert.That(delivered, Is.EquivalentTo(expected.Keys), "every tuple of both accounts");
            Assert.That(expected.Values.Distinct(), Is.EquivalentTo(Accounts));
            Assert.That(stranger.Pending(), Is.False, "no request to an account the app does not read");
            Assert.That(notExpected, Is.Not.Empty);
            Assert.That(delivered.Intersect(notExpected.Keys), Is.Empty, "nothing of another container of a read account");
        });
    }

    [Test]
    public async Task TheReplayFindsABlobOfTheSecondAccountThatNoEventAnnounced()
    {
        await using LoopbackIntake intake = await LoopbackIntake.StartAsync(IntakeKey);
        string id = Guid.NewGuid().ToString("N")[..12];
        DateTimeOffset hour = HourOf(DateTimeOffset.UtcNow);
        var simulator = new FlowLogSimulator(Blobs(AzuriteServer.SecondAccount), seed: 31, tuplesPerRecord: 4);
        FlowLogBlob unannounced = null!;
        for (int minute = 0; minute < 3; minute++)
        {
            unannounced = await simulator.AppendMinuteAsync(FlowLogKind.VirtualNetwork, new SimulatedNic(40), hour.AddMinutes(minute), CancellationToken.None);
        }

        await using ServiceProvider pipeline = await StartPipelineAsync(Settings(intake, id));
        ReplayReport report = await pipeline.GetRequiredService<MissedHourReplay>().RunAsync(CancellationToken.None);

        Dictionary<string, string> ids = await ExpectedIdsAsync(new HashSet<FlowLogBlob> { unannounced });
        Assert.That(report.BlobsBehind, Is.GreaterThanOrEqualTo(1));
        Assert.That(intake.Events.Select(EventIdOf), Is.SupersetOf(ids.Keys));
        Assert.That(ids.Values, Has.All.EqualTo(AzuriteServer.SecondAccount));
    }

    [Test]
    public async Task AnAccountAddedToARunningAppIsReplayedAsFarBackAsAFirstRunLooksAndNoFurther()
    {
        await using LoopbackIntake intake = await LoopbackIntake.StartAsync(IntakeKey);
        string id = Guid.NewGuid().ToString("N")[..12];
        DateTimeOffset hour = HourOf(DateTimeOffset.UtcNow);
        Dictionary<string, object?> settings = Settings(intake, id);
        settings["FlowLogs:Replay:DiscoveryInterval"] = "00:00:00";

        // The app has run with the first account alone.
        await new FlowLogSimulator(Blobs(AzuriteServer.Account), seed: 81, tuplesPerRecord: 3).AppendMinuteAsync(FlowLogKind.VirtualNetwork, new SimulatedNic(80), hour, CancellationToken.None);
        Dictionary<string, object?> firstOnly = new(settings);
        firstOnly.Remove("FlowLogs:Storage:FlowLogConnections:1");
        await using (ServiceProvider before = await StartPipelineAsync(firstOnly))
        {
            await before.GetRequiredService<MissedHourReplay>().RunAsync(CancellationToken.None);
        }

        // The second account, added now, has hours the window (3) does not reach: one inside the first-run look-back
        // (24 hours), one past it.
        var second = new FlowLogSimulator(Blobs(AzuriteServer.SecondAccount), seed: 82, tuplesPerRecord: 3);
        FlowLogBlob inside = await second.AppendMinuteAsync(FlowLogKind.VirtualNetwork, new SimulatedNic(81), hour.AddHours(-23), CancellationToken.None);
        FlowLogBlob past = await second.AppendMinuteAsync(FlowLogKind.VirtualNetwork, new SimulatedNic(81), hour.AddHours(-24), CancellationToken.None);
        await using ServiceProvider after = await StartPipelineAsync(settings);
        await after.GetRequiredService<MissedHourReplay>().RunAsync(CancellationToken.None);

        string[] delivered = [.. intake.Events.Select(EventIdOf)];
        Dictionary<string, string> insideIds = await ExpectedIdsAsync(new HashSet<FlowLogBlob> { inside });
        Dictionary<string, string> pastIds = await ExpectedIdsAsync(new HashSet<FlowLogBlob> { past });
        Assert.Multiple(() =>
        {
            Assert.That(delivered, Is.SupersetOf(insideIds.Keys), "23 hours back: inside the look-back");
            Assert.That(delivered.Intersect(pastIds.Keys), Is.Empty, "24 hours back: past it (flowlogs ingest --since reads it)");
        });
    }

    [Test]
    public async Task AnAccountRemovedFromTheListOrRefusingItsListingsDoesNotStopTheReplayOfTheOthers()
    {
        await using LoopbackIntake intake = await LoopbackIntake.StartAsync(IntakeKey);
        string id = Guid.NewGuid().ToString("N")[..12];
        DateTimeOffset hour = HourOf(DateTimeOffset.UtcNow);
        var first = new FlowLogSimulator(Blobs(AzuriteServer.Account), seed: 61, tuplesPerRecord: 3);
        var second = new FlowLogSimulator(Blobs(AzuriteServer.SecondAccount), seed: 62, tuplesPerRecord: 3);
        await second.AppendMinuteAsync(FlowLogKind.VirtualNetwork, new SimulatedNic(60), hour, CancellationToken.None);
        Dictionary<string, object?> settings = Settings(intake, id);
        await using (ServiceProvider both = await StartPipelineAsync(settings))
        {
            await both.GetRequiredService<MissedHourReplay>().RunAsync(CancellationToken.None);
        }

        // The second account leaves the list; later its key is wrong (a role removed): either way the first goes on.
        FlowLogBlob later = await first.AppendMinuteAsync(FlowLogKind.VirtualNetwork, new SimulatedNic(61), hour, CancellationToken.None);
        Dictionary<string, object?> removed = new(settings) { ["FlowLogs:Replay:DiscoveryInterval"] = "00:00:00" };
        removed.Remove("FlowLogs:Storage:FlowLogConnections:1");
        await using ServiceProvider alone = await StartPipelineAsync(removed);
        ReplayReport afterRemoval = await alone.GetRequiredService<MissedHourReplay>().RunAsync(CancellationToken.None);

        FlowLogBlob last = await first.AppendMinuteAsync(FlowLogKind.VirtualNetwork, new SimulatedNic(62), hour, CancellationToken.None);
        Dictionary<string, object?> refusing = new(settings)
        {
            ["FlowLogStorage1"] = _azurite.ConnectionStringOf(AzuriteServer.SecondAccount).Replace("AccountKey=", "AccountKey=AAAA", StringComparison.Ordinal),
            ["FlowLogs:Replay:DiscoveryInterval"] = "00:00:00",
        };
        await using ServiceProvider withRefusal = await StartPipelineAsync(refusing);
        ReplayReport afterRefusal = await withRefusal.GetRequiredService<MissedHourReplay>().RunAsync(CancellationToken.None);

        string[] delivered = [.. intake.Events.Select(EventIdOf)];
        Assert.Multiple(async () =>
        {
            Assert.That(delivered, Is.SupersetOf((await ExpectedIdsAsync(new HashSet<FlowLogBlob> { later, last })).Keys), "the first account's blobs, after each change");
            Assert.That(afterRemoval.BlobsFailed, Is.Zero, "a removed account's folders are left alone, not failed");
            Assert.That(afterRefusal.BlobsFailed, Is.GreaterThan(0), "the refusing account is counted: the run does not pass for complete");
        });
    }

    private Dictionary<string, object?> Settings(LoopbackIntake intake, string id) => new()
    {
        ["FlowLogStorage"] = _azurite.ConnectionStringOf(AzuriteServer.Account),
        ["FlowLogStorage1"] = _azurite.ConnectionStringOf(AzuriteServer.SecondAccount),
        ["FlowLogs:Storage:FlowLogConnections:0"] = "FlowLogStorage",
        ["FlowLogs:Storage:FlowLogConnections:1"] = "FlowLogStorage1",
        ["AzureWebJobsStorage"] = _azurite.ConnectionString,
        ["FlowLogs:Storage:CheckpointTable"] = $"cp{id}",
        ["FlowLogs:Storage:DeadLetterContainer"] = $"dl{id}",
        ["FlowLogs:Replay:StateTable"] = $"rp{id}",
        ["FlowLogs:Replay:TriggerGrace"] = "00:00:00",
        ["FlowLogs:Sink:Kind"] = "sekoia",
        ["FlowLogs:Sekoia:BaseUrl"] = intake.BaseUrl.AbsoluteUri,
        ["FlowLogs:Sekoia:IntakeKey"] = IntakeKey,
        ["FlowLogs:Sekoia:Payload"] = "Ecs",
    };

    // The pipeline as the hosts build it, its storage made at start as the hosts' start does.
    private static async Task<ServiceProvider> StartPipelineAsync(Dictionary<string, object?> settings)
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddFlowLogPipeline(configuration);
        ServiceProvider provider = services.BuildServiceProvider();
        try
        {
            foreach (IHostedService hosted in provider.GetServices<IHostedService>())
            {
                await hosted.StartAsync(CancellationToken.None);
            }
        }
        catch
        {
            await provider.DisposeAsync();
            throw;
        }

        return provider;
    }

    // What the Functions host does with the queue: take a message, call the function, delete it once it succeeded.
    private static async Task DrainAsync(QueueClient queue, BlobCreatedHandler handler)
    {
        while (true)
        {
            QueueMessage[] messages = (await queue.ReceiveMessagesAsync(maxMessages: 4, visibilityTimeout: TimeSpan.FromMinutes(2))).Value;
            if (messages.Length == 0)
            {
                return;
            }

            foreach (QueueMessage message in messages)
            {
                // The text as stored (host.json messageEncoding: none): the handler reads JSON or base64 alike.
                await handler.HandleAsync(message.Body.ToString(), CancellationToken.None);
                await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
            }
        }
    }

    // Every tuple of the blobs as they are now: event id → account.
    private async Task<Dictionary<string, string>> ExpectedIdsAsync(HashSet<FlowLogBlob> blobs)
    {
        var ids = new Dictionary<string, string>();
        byte[] id = new byte[EventId.Length];
        foreach (FlowLogBlob blob in blobs)
        {
            byte[] content = (await Blobs(blob.Account).GetBlobContainerClient(blob.Container).GetBlobClient(blob.Name).DownloadContentAsync()).Value.Content.ToArray();
            using var reader = new FlowLogReader(content, new FlowLogSource(blob.Path));
            while (reader.Read())
            {
                foreach (FlowTuple tuple in reader.Current.Tuples)
                {
                    int length = EventId.Write(reader.Current, tuple, id);
                    ids.Add(System.Text.Encoding.ASCII.GetString(id, 0, length), blob.Account);
                }
            }
        }

        return ids;
    }

    // A client that writes base64, as Event Grid does today; read back, the text is what is stored.
    private async Task<QueueClient> QueueAsync(string name)
    {
        var queue = new QueueClient(_azurite.ConnectionString, name, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        await queue.CreateIfNotExistsAsync();
        return queue;
    }

    private BlobServiceClient Blobs(string account) => new(_azurite.ConnectionStringOf(account));

    private Uri BlobUrl(FlowLogBlob blob) => Blobs(blob.Account).GetBlobContainerClient(blob.Container).GetBlobClient(blob.Name).Uri;

    // An event as Event Grid writes it to a storage queue (Event Grid schema, one event per message).
    private static string BlobCreated(string account, Uri url)
    {
        string path = Uri.UnescapeDataString(url.AbsolutePath);
        return JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["topic"] = $"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/flowlogs/providers/Microsoft.Storage/storageAccounts/{account}",
            ["subject"] = $"/blobServices/default/containers/{path.Split('/')[2]}/blobs/{string.Join('/', path.Split('/')[3..])}",
            ["eventType"] = BlobCreatedEvent.BlobCreated,
            ["id"] = Guid.NewGuid().ToString(),
            ["eventTime"] = DateTimeOffset.UtcNow.ToString("O"),
            ["data"] = new Dictionary<string, object>
            {
                ["api"] = "PutBlockList",
                ["contentType"] = "application/json",
                ["blobType"] = "BlockBlob",
                ["url"] = url.AbsoluteUri,
            },
            ["dataVersion"] = string.Empty,
            ["metadataVersion"] = "1",
        });
    }

    private static string EventIdOf(string json)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        return document.RootElement.GetProperty("event").GetProperty("id").GetString()!;
    }

    private static DateTimeOffset HourOf(DateTimeOffset time) => new(time.Year, time.Month, time.Day, time.Hour, 0, 0, TimeSpan.Zero);
}
