using System.Text;
using System.Text.Json.Nodes;
using Azure.Storage.Blobs;
using FlowLogs.BlobSource;
using FlowLogs.Cli;
using FlowLogs.Ecs;
using FlowLogs.Parsing;
using FlowLogs.Simulation;
using FlowLogs.Sinks;
using FlowLogs.Sinks.Sekoia;
using FlowLogs.Testing;
using FlowLogs.Tests.IntakeFormats;
using FlowLogs.Tests.Support;
using static FlowLogs.Tests.Support.FlowLogBuilder;

namespace FlowLogs.Tests.Storage;

/// <summary>
/// An estate with NSG and VNet flow logs, ingested by <c>flowlogs ingest --sink sekoia --once</c> from Azurite into the
/// loopback intake, which accepts both keys and records the key of each event: with IntakeKey and NsgIntakeKey, every
/// NSG tuple reaches the NSG intake and every VNet tuple the Flow Logs intake; with IntakeKey alone, every tuple
/// reaches it. Each event is the one its tuple makes, once, and parses in full with the grok pattern of its intake's
/// format; nothing is dead-lettered, nothing is lost.
/// </summary>
[Category("Azurite")]
public class IntakeRoutesIngestTests
{
    private const string Key = "flow-logs-intake-key-7d3a";
    private const string NsgKey = "nsg-intake-key-19be";
    private static readonly DateTimeOffset Hour = new(2032, 5, 6, 7, 0, 0, TimeSpan.Zero);

    [Test]
    public async Task EveryTupleReachesTheIntakeOfItsRouteOnceAndParsesThereWithAndWithoutAnNsgIntake()
    {
        await using AzuriteServer azurite = await AzuriteServer.StartAsync();
        List<(FlowLogBlob Blob, FlowLogKind Kind, byte[] Document)> blobs = await WriteEstateAsync(new BlobServiceClient(azurite.ConnectionString));
        int vnetTuples = blobs.Where(b => b.Kind == FlowLogKind.VirtualNetwork).Sum(b => Tuples(b.Document));
        int nsgTuples = blobs.Where(b => b.Kind == FlowLogKind.NetworkSecurityGroup).Sum(b => Tuples(b.Document));
        Assert.That(blobs.Count(b => b.Kind == FlowLogKind.VirtualNetwork), Is.EqualTo(8), "the estate: 16 blobs, half of each kind");
        Assert.That(blobs, Has.Count.EqualTo(16));
        TestContext.Out.WriteLine($"estate: {blobs.Count} blobs, {vnetTuples} VNet tuples, {nsgTuples} NSG tuples");

        // Both intakes: the app's state in the first account.
        (int exit, string stderr, string log, string status, List<(string Key, string Event)> received, int deadLetters) = await IngestAsync(azurite, azurite.ConnectionString, nsgIntake: true);
        Assert.That(exit, Is.EqualTo(ExitCodes.Success), stderr);
        Assert.That(log, Does.Contain("Sekoia intake route: VNet flow-log tuples go to the intake of FlowLogs:Sekoia:IntakeKey as written"), "the start-up log says where each kind goes");
        Assert.That(log, Does.Contain("Sekoia intake route: NSG flow-log tuples go to the intake of FlowLogs:Sekoia:NsgIntakeKey as written"));
        Assert.That(status, Does.Contain("route: NSG flow-log tuples go to the intake of FlowLogs:Sekoia:NsgIntakeKey as written"), "flowlogs status says it too");
        Report("IntakeKey and NsgIntakeKey", received, deadLetters);
        Assert.That(deadLetters, Is.Zero, "nothing dead-lettered");
        AssertEachTupleOnceAtItsIntake(blobs, received, nsgIntake: true);
        Assert.That(received.Count(r => r.Key == NsgKey), Is.EqualTo(nsgTuples), "every NSG tuple at the NSG intake");
        Assert.That(received.Count(r => r.Key == Key), Is.EqualTo(vnetTuples), "every VNet tuple at the Flow Logs intake");

        // IntakeKey alone, from scratch: the state in the second account, so every blob is read again.
        (exit, stderr, log, status, received, deadLetters) = await IngestAsync(azurite, azurite.ConnectionStringOf(AzuriteServer.SecondAccount), nsgIntake: false);
        Assert.That(exit, Is.EqualTo(ExitCodes.Success), stderr);
        Report("IntakeKey alone", received, deadLetters);
        Assert.That(deadLetters, Is.Zero);
        AssertEachTupleOnceAtItsIntake(blobs, received, nsgIntake: false);
        Assert.That(received, Has.Count.EqualTo(vnetTuples + nsgTuples));
        Assert.That(received.Select(r => r.Key), Has.All.EqualTo(Key), "every tuple of both kinds at the Flow Logs intake");
        Assert.That(log, Does.Contain("Sekoia intake route: NSG flow-log tuples go to the intake of FlowLogs:Sekoia:IntakeKey translated into the \"Azure Network Watcher Flow Logs\" format"));
        Assert.That(status, Does.Contain("route: NSG flow-log tuples go to the intake of FlowLogs:Sekoia:IntakeKey translated"));
    }

    // Every event received is the event the sink makes of one tuple, at that tuple's intake, each tuple once; every one
    // parses in full with its intake's format.
    private static void AssertEachTupleOnceAtItsIntake(List<(FlowLogBlob Blob, FlowLogKind Kind, byte[] Document)> blobs, List<(string Key, string Event)> received, bool nsgIntake)
    {
        List<(string Key, string Event)> expected = [];
        var routes = new IntakeRoutes(EventPayload.Raw, nsgIntake);
        foreach ((FlowLogBlob _, FlowLogKind _, byte[] document) in blobs)
        {
            using var builder = new EventBatchBuilder(EventPayload.Raw, new JsonStringFraming(routes));
            using var reader = new FlowLogReader(document, new FlowLogSource("expected/PT1H.json"));
            while (reader.Read())
            {
                builder.Add(reader.Current);
            }

            EventBatch batch = builder.Build("expected/PT1H.json");
            Assert.That(Enumerable.Range(0, batch.Count).Select(batch.Unsendable), Has.All.Null);
            expected.AddRange(Enumerable.Range(0, batch.Count).Select(i => ((SekoiaIntake)batch.Destination(i) == SekoiaIntake.Nsg ? NsgKey : Key, Encoding.UTF8.GetString(batch.EventJson(i).Span))));
        }

        Assert.That(received, Is.EquivalentTo(expected), "each tuple's event, once, with the key of its route");
        Assert.Multiple(() =>
        {
            foreach ((string key, string e) in received)
            {
                string flow = JsonNode.Parse(e)!["flow.0"]!.GetValue<string>();
                Assert.That(key == NsgKey ? SekoiaFormats.NsgParses(flow) : SekoiaFormats.FlowLogsParses(flow), Is.True, $"{(key == NsgKey ? "NSG" : "Flow Logs")} format: {flow}");
            }
        });
    }

    private static void Report(string settings, List<(string Key, string Event)> received, int deadLetters)
        => TestContext.Out.WriteLine($"{settings}: {received.Count(r => r.Key == Key)} events at the Flow Logs intake, {received.Count(r => r.Key == NsgKey)} at the NSG intake, {deadLetters} dead-lettered");

    private static async Task<(int Exit, string Stderr, string Log, string Status, List<(string Key, string Event)> Received, int DeadLetters)> IngestAsync(AzuriteServer azurite, string state, bool nsgIntake)
    {
        await using LoopbackIntake intake = await LoopbackIntake.StartAsync([Key, NsgKey]);

        // The sink's settings come from the environment, as an operator gives them (never a key on the command line).
        var environment = new Dictionary<string, string?>
        {
            ["FlowLogs__Sekoia__BaseUrl"] = intake.BaseUrl.AbsoluteUri,
            ["FlowLogs__Sekoia__IntakeKey"] = Key,
            ["FlowLogs__Sekoia__NsgIntakeKey"] = nsgIntake ? NsgKey : null,
            ["FlowLogs__Sekoia__RequestTimeout"] = "00:00:05",
            ["FlowLogs__Sekoia__RetryBudget"] = "00:00:30",
        };
        Dictionary<string, string?> saved = environment.Keys.ToDictionary(k => k, Environment.GetEnvironmentVariable);

        // The command's logs go to the process's stderr: kept here to read the start-up lines.
        TextWriter error = Console.Error;
        using var log = new StringWriter();
        try
        {
            Console.SetError(TextWriter.Synchronized(log));
            foreach ((string name, string? value) in environment)
            {
                Environment.SetEnvironmentVariable(name, value);
            }

            (int exit, _, string stderr) = await CliRun.RunAsync(
                "ingest", "--storage", azurite.ConnectionString, "--state-storage", state, "--sink", "sekoia", "--once",
                "--since", "2032-05-06T07:00Z", "--until", "2032-05-06T07:59Z");
            (_, string status, _) = await CliRun.RunAsync("status", "--storage", azurite.ConnectionString, "--state-storage", state, "--max-listings", "0");
            Assert.That(stderr + log + status, Does.Not.Contain(Key).And.Not.Contain(NsgKey));
            int deadLetters = 0;
            BlobContainerClient container = new BlobServiceClient(state).GetBlobContainerClient("flowlogs-deadletter");
            if (await container.ExistsAsync())
            {
                await foreach (Azure.Storage.Blobs.Models.BlobItem _ in container.GetBlobsAsync())
                {
                    deadLetters++;
                }
            }

            return (exit, stderr, log.ToString(), status, [.. intake.KeyedEvents], deadLetters);
        }
        finally
        {
            Console.SetError(error);
            foreach ((string name, string? value) in saved)
            {
                Environment.SetEnvironmentVariable(name, value);
            }
        }
    }

    // Sixteen hour blobs of one hour: the simulator's minutes (IPv4 and IPv6, allowed and denied, every encryption
    // value, empty counters), Microsoft's three samples, and the variants Azure writes (VNet times in seconds and empty
    // counters, NSG v1 and v2 over IPv6, NSG times in milliseconds, denied begin tuples), as Azure commits blocks.
    private static async Task<List<(FlowLogBlob Blob, FlowLogKind Kind, byte[] Document)>> WriteEstateAsync(BlobServiceClient service)
    {
        string subscription = Guid.NewGuid().ToString();
        var simulator = new FlowLogSimulator(service, seed: 22, tuplesPerRecord: 12);
        var blobs = new List<(FlowLogBlob, FlowLogKind, byte[])>();
        for (int nic = 0; nic < 8; nic++)
        {
            FlowLogKind kind = nic % 2 == 0 ? FlowLogKind.VirtualNetwork : FlowLogKind.NetworkSecurityGroup;
            FlowLogBlob blob = null!;
            for (int minute = 0; minute < 3; minute++)
            {
                blob = await simulator.AppendMinuteAsync(kind, new SimulatedNic(nic, subscription), Hour.AddMinutes(minute), CancellationToken.None);
            }

            blobs.Add((blob, kind, (await service.GetBlobContainerClient(blob.Container).GetBlobClient(blob.Name).DownloadContentAsync()).Value.Content.ToArray()));
        }

        (FlowLogKind Kind, JsonArray Records)[] others =
        [
            (FlowLogKind.NetworkSecurityGroup, Records(TestData.Json("msdocs", "nsg-v1.PT1H.json"))),
            (FlowLogKind.NetworkSecurityGroup, Records(TestData.Json("msdocs", "nsg-v2.PT1H.json"))),
            (FlowLogKind.VirtualNetwork, Records(TestData.Json("msdocs", "vnet-v4.PT1H.json"))),
            (FlowLogKind.VirtualNetwork, new JsonArray(SimpleVNet(VNetTuple(ms: 1663146003), VNetTuple(ms: 1745352181, state: 'B', counters: ",,,"), VNetTuple(state: 'D', enc: "NX_NOT_ACCEPTED", counters: ",,,")))),
            (FlowLogKind.VirtualNetwork, new JsonArray(SimpleVNet(VNetTuple(src: "2001:db8::4", dst: "2001:db8:1::5", proto: 58, sport: 0, dport: 0, enc: "X"), VNetTuple(state: 'C', counters: "3,,2,")))),
            (FlowLogKind.NetworkSecurityGroup, new JsonArray(SimpleNsg(1, "1487282421,2001:db8::7,2001:db8::4,51529,5358,T,I,D", "1487282370,192.0.2.17,10.1.0.4,61771,53,U,O,A"))),
            (FlowLogKind.NetworkSecurityGroup, new JsonArray(SimpleNsg(2, "1542110377250,10.0.0.4,10.0.0.5,1,2,T,O,A,C,1,2,3,4", "1542110377,198.51.100.7,10.0.0.4,61000,22,T,I,D,B,,,,", "1542110377,2001:db8::1,2001:db8::2,53,40000,U,O,A,E,1,80,1,120"))),
            (FlowLogKind.VirtualNetwork, new JsonArray([.. Enumerable.Range(0, 3).Select(i => (JsonNode)SimpleVNet(VNetTuple(ms: 1663146003599 + i, enc: "NX_SW_NOT_READY"), VNetTuple(state: 'B', enc: "NX_FALLBACK", counters: "0,0,0,0")))])),
        ];
        for (int i = 0; i < others.Length; i++)
        {
            FlowLogBlob blob = FlowLogSimulator.BlobFor(service.AccountName, others[i].Kind, new SimulatedNic(100 + i, subscription), Hour);
            blobs.Add((blob, others[i].Kind, await CommitAsAzureDoesAsync(service, blob, others[i].Records)));
        }

        return blobs;
    }

    private static JsonArray Records(JsonNode document) => (JsonArray)document["records"]!.DeepClone();

    // A head block, a block per record (each after the first starting with a comma), a tail block; returns the blob.
    private static async Task<byte[]> CommitAsAzureDoesAsync(BlobServiceClient service, FlowLogBlob blob, JsonArray records)
    {
        List<byte[]> blocks = [Encoding.UTF8.GetBytes("{\"records\":[")];
        blocks.AddRange(records.Select((r, i) => Encoding.UTF8.GetBytes((i > 0 ? "," : string.Empty) + r!.ToJsonString())));
        blocks.Add(Encoding.UTF8.GetBytes("]}"));
        await StorageHarness.WriteBlocksAsync(service, blob, blocks);
        return [.. blocks.SelectMany(b => b)];
    }

    private static int Tuples(byte[] document)
    {
        using var reader = new FlowLogReader(document, new FlowLogSource("count/PT1H.json"));
        int tuples = 0;
        while (reader.Read())
        {
            tuples += reader.Current.Tuples.Length;
        }

        Assert.That(reader.Issues, Is.Empty);
        return tuples;
    }
}
