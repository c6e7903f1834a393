using System.Text.Json.Nodes;
using FlowLogs.Cli;
using FlowLogs.Parsing;
using FlowLogs.Replay;
using FlowLogs.Simulation;
using FlowLogs.Testing;
using FlowLogs.Tests.Support;

namespace FlowLogs.Tests.Storage;

[Category("Azurite")]
public class IngestCommandTests
{
    [Test]
    public async Task IngestsEveryTupleOfTheHoursAskedForIntoAnNdjsonFileAndNothingTwice()
    {
        StorageHarness storage = await StorageHarness.CreateAsync();
        FlowLogSimulator simulator = storage.Simulator(seed: 8, tuplesPerRecord: 7);
        var hour = new DateTimeOffset(2032, 5, 6, 7, 0, 0, TimeSpan.Zero);
        for (int minute = 0; minute < 4; minute++)
        {
            await simulator.AppendMinuteAsync(FlowLogKind.VirtualNetwork, storage.Nic(0), hour.AddMinutes(minute), CancellationToken.None);
            await simulator.AppendMinuteAsync(FlowLogKind.NetworkSecurityGroup, storage.Nic(1), hour.AddMinutes(minute), CancellationToken.None);
        }

        string output = Path.Combine(Path.GetTempPath(), $"flowlogs-ingest-{Guid.NewGuid():N}.ndjson");
        string[] args = ["ingest", "--storage", AzuriteFixture.Server.ConnectionString, "--output", output, "--once", "--since", "2032-05-06T07:00Z", "--until", "2032-05-06T07:59Z"];
        (int exit, _, string stderr) = await CliRun.RunAsync(args);
        (int again, _, string stderrAgain) = await CliRun.RunAsync(args);

        Assert.That(exit, Is.EqualTo(ExitCodes.Success), stderr);
        Assert.That(again, Is.EqualTo(ExitCodes.Success), stderrAgain);
        List<JsonNode> events = [.. (await File.ReadAllLinesAsync(output)).Select(l => JsonNode.Parse(l)!)];
        List<JsonNode> ours = [.. events.Where(e => e["log"]!["file"]!["path"]!.GetValue<string>().Contains(storage.SubscriptionId.ToUpperInvariant(), StringComparison.Ordinal))];
        Assert.That(ours, Has.Count.EqualTo(simulator.TuplesWritten));
        Assert.That(ours.Select(e => e["event"]!["id"]!.GetValue<string>()).Distinct().Count(), Is.EqualTo(ours.Count));
        Assert.That(stderr, Does.Contain("round 1:").And.Contain($"{simulator.TuplesWritten} events"));
        Assert.That(stderrAgain, Does.Contain("0 events and 0 bytes caught up"), "the second run finds everything read");
        File.Delete(output);
    }

    [Test]
    public async Task AfterAnOutageLongerThanTheWindowIngestOnceReadsEveryHourSinceTheLastCompleteRun()
    {
        // An account of its own: the replay state and resource folders are this test's alone.
        await using AzuriteServer azurite = await AzuriteServer.StartAsync();
        var blobs = new Azure.Storage.Blobs.BlobServiceClient(azurite.ConnectionString);
        var state = new TableReplayStateStore(new Azure.Data.Tables.TableClient(azurite.ConnectionString, new ReplayOptions().StateTable));
        await state.CreateIfNotExistsAsync(CancellationToken.None);
        DateTimeOffset now = DateTimeOffset.UtcNow;
        var hour = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero);

        // `flowlogs ingest --once` ran ten hours ago; then Azure wrote into hours 9, 7, 5 and 2 hours ago.
        await state.SaveRunStateAsync(new ReplayRunState(now.AddHours(-10), hour.AddHours(-10)), CancellationToken.None);
        await state.SaveWalkAsync(new AccountWalk(AzuriteServer.Account, now.AddDays(-3), now.AddHours(-10)), CancellationToken.None);
        var simulator = new FlowLogSimulator(blobs, seed: 9, tuplesPerRecord: 5);
        foreach (int hoursAgo in new[] { 9, 7, 5, 2 })
        {
            for (int minute = 0; minute < 3; minute++)
            {
                await simulator.AppendMinuteAsync(FlowLogKind.VirtualNetwork, new SimulatedNic(0), hour.AddHours(-hoursAgo).AddMinutes(minute), CancellationToken.None);
                await simulator.AppendMinuteAsync(FlowLogKind.NetworkSecurityGroup, new SimulatedNic(1), hour.AddHours(-hoursAgo).AddMinutes(minute), CancellationToken.None);
            }
        }

        string output = Path.Combine(Path.GetTempPath(), $"flowlogs-ingest-{Guid.NewGuid():N}.ndjson");
        (int exit, _, string stderr) = await CliRun.RunAsync("ingest", "--storage", azurite.ConnectionString, "--output", output, "--once");

        Assert.That(exit, Is.EqualTo(ExitCodes.Success), stderr);
        string[] lines = await File.ReadAllLinesAsync(output);
        Assert.That(lines, Has.Length.EqualTo(simulator.TuplesWritten), stderr);
        Assert.That(stderr, Does.Contain("0 failed, 0 held by other readers, 0 hours left"));

        // From the hour before the walk that ran ten hours ago (its folders are new since). Hours written moments ago are
        // not complete, and complete ones wait for their recheck: the next run starts where this one did.
        Assert.That((await state.GetRunStateAsync(CancellationToken.None))!.ResumeFrom, Is.EqualTo(hour.AddHours(-11)));
        File.Delete(output);
    }

    [Test]
    public async Task IngestOnceWaitsForABlobAKilledProcessStillHoldsAndReadsItOnceTheClaimLapses()
    {
        await using AzuriteServer azurite = await AzuriteServer.StartAsync();
        var simulator = new FlowLogSimulator(new Azure.Storage.Blobs.BlobServiceClient(azurite.ConnectionString), seed: 12, tuplesPerRecord: 3);
        DateTimeOffset hour = FlowLogs.BlobSource.BlobPath.HourOf(DateTimeOffset.UtcNow);
        FlowLogs.BlobSource.FlowLogBlob blob = await simulator.AppendMinuteAsync(FlowLogKind.VirtualNetwork, new SimulatedNic(0), hour, CancellationToken.None);

        // A process claimed the blob and was killed before it read anything: its claim runs a few more seconds.
        var checkpoints = new FlowLogs.Checkpoints.TableCheckpointStore(new Azure.Data.Tables.TableClient(azurite.ConnectionString, "flowlogcheckpoints"));
        await checkpoints.CreateIfNotExistsAsync(CancellationToken.None);
        await checkpoints.TryAddAsync(FlowLogs.Checkpoints.BlobCheckpoint.New(blob.FullName, DateTimeOffset.UtcNow) with { ClaimOwner = "killed/1/x", ClaimExpires = DateTimeOffset.UtcNow.AddSeconds(4) }, CancellationToken.None);

        string output = Path.Combine(Path.GetTempPath(), $"flowlogs-ingest-{Guid.NewGuid():N}.ndjson");
        (int exit, _, string stderr) = await CliRun.RunAsync("ingest", "--storage", azurite.ConnectionString, "--output", output, "--once");

        Assert.That(exit, Is.EqualTo(ExitCodes.Success), stderr);
        Assert.That(stderr, Does.Contain("1 blobs are held by other readers; looking again in"), "it does not say \"done\" while a blob is held");
        Assert.That(await File.ReadAllLinesAsync(output), Has.Length.EqualTo(simulator.TuplesWritten));
        File.Delete(output);
    }

    [Test]
    public async Task ARecordWhoseSecondHalfIsCommittedAfterTheFirstWasReadIsDeliveredOnceAndNothingIsDeadLettered()
    {
        await using AzuriteServer azurite = await AzuriteServer.StartAsync();
        var simulator = new FlowLogSimulator(new Azure.Storage.Blobs.BlobServiceClient(azurite.ConnectionString), seed: 22, tuplesPerRecord: 5);
        DateTimeOffset hour = FlowLogs.BlobSource.BlobPath.HourOf(DateTimeOffset.UtcNow);
        await simulator.AppendMinuteAsync(FlowLogKind.VirtualNetwork, new SimulatedNic(0), hour, CancellationToken.None);
        (_, Func<CancellationToken, Task> secondHalf) = await simulator.AppendSplitMinuteAsync(FlowLogKind.VirtualNetwork, new SimulatedNic(0), hour.AddMinutes(1), CancellationToken.None);
        string output = Path.Combine(Path.GetTempPath(), $"flowlogs-ingest-{Guid.NewGuid():N}.ndjson");
        string[] args = ["ingest", "--storage", azurite.ConnectionString, "--output", output, "--once"];

        (int first, _, string firstErr) = await CliRun.RunAsync(args);
        int afterFirst = (await File.ReadAllLinesAsync(output)).Length;
        await secondHalf(CancellationToken.None);
        (int second, _, string secondErr) = await CliRun.RunAsync(args);

        string[] lines = await File.ReadAllLinesAsync(output);
        File.Delete(output);
        var deadLetters = new Azure.Storage.Blobs.BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient("flowlogs-deadletter");
        Assert.Multiple(async () =>
        {
            Assert.That((first, second), Is.EqualTo((ExitCodes.Success, ExitCodes.Success)), firstErr + secondErr);
            Assert.That(afterFirst, Is.EqualTo(5), "the first minute; the cut record waits");
            Assert.That(lines, Has.Length.EqualTo(simulator.TuplesWritten).And.Unique, "0 lost, none twice");
            Assert.That(await deadLetters.GetBlobsAsync().ToListAsync(), Is.Empty, "no half is taken for bad bytes");
        });
    }

    [Test]
    public async Task IngestWithTwoStorageOptionsReadsBothAccountsAndKeepsItsStateInTheFirst()
    {
        // An Azurite of its own, serving two accounts: everything in their flow-log containers is this test's.
        await using AzuriteServer azurite = await AzuriteServer.StartAsync();
        DateTimeOffset now = DateTimeOffset.UtcNow;
        var hour = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero).AddHours(-1);
        var first = new FlowLogSimulator(new Azure.Storage.Blobs.BlobServiceClient(azurite.ConnectionString), seed: 3, tuplesPerRecord: 4);
        var second = new FlowLogSimulator(new Azure.Storage.Blobs.BlobServiceClient(azurite.ConnectionStringOf(AzuriteServer.SecondAccount)), seed: 4, tuplesPerRecord: 6);
        for (int minute = 0; minute < 3; minute++)
        {
            await first.AppendMinuteAsync(FlowLogKind.VirtualNetwork, new SimulatedNic(0), hour.AddMinutes(minute), CancellationToken.None);
            await second.AppendMinuteAsync(FlowLogKind.NetworkSecurityGroup, new SimulatedNic(1), hour.AddMinutes(minute), CancellationToken.None);
        }

        string output = Path.Combine(Path.GetTempPath(), $"flowlogs-ingest-{Guid.NewGuid():N}.ndjson");
        string[] args = ["ingest", "--storage", azurite.ConnectionString, "--storage", azurite.ConnectionStringOf(AzuriteServer.SecondAccount), "--output", output, "--once", "--since", "2h"];
        (int exit, _, string stderr) = await CliRun.RunAsync(args);
        (int again, _, string stderrAgain) = await CliRun.RunAsync(args);

        Assert.That(exit, Is.EqualTo(ExitCodes.Success), stderr);
        Assert.That(again, Is.EqualTo(ExitCodes.Success), stderrAgain);
        List<JsonNode> events = [.. (await File.ReadAllLinesAsync(output)).Select(l => JsonNode.Parse(l)!)];
        Assert.That(events, Has.Count.EqualTo(first.TuplesWritten + second.TuplesWritten));
        Assert.That(events.Select(e => e["event"]!["id"]!.GetValue<string>()).Distinct().Count(), Is.EqualTo(events.Count));
        Assert.That(stderrAgain, Does.Contain("0 events and 0 bytes caught up"), "the second run finds both accounts read");
        var checkpoints = new Azure.Data.Tables.TableClient(azurite.ConnectionString, "flowlogcheckpoints");
        List<string> names = [.. checkpoints.Query<Azure.Data.Tables.TableEntity>().Select(e => e.GetString("BlobName"))];
        Assert.That(names.Select(n => n[..n.IndexOf('/', StringComparison.Ordinal)]).Distinct(), Is.EquivalentTo(new[] { AzuriteServer.Account, AzuriteServer.SecondAccount }));
        File.Delete(output);
    }

    [Test]
    public async Task TheSekoiaSinkWithoutAKeyIsRefusedAtStartNamingTheSetting()
    {
        (int exit, _, string stderr) = await CliRun.RunAsync("ingest", "--storage", AzuriteFixture.Server.ConnectionString, "--sink", "sekoia", "--once");
        Assert.That(exit, Is.EqualTo(ExitCodes.Failure));
        Assert.That(stderr, Does.Contain("FlowLogs:Sekoia:IntakeKey is empty"));
    }
}
