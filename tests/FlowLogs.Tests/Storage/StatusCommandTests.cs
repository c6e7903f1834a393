using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using FlowLogs.BlobSource;
using FlowLogs.Checkpoints;
using FlowLogs.Cli;
using FlowLogs.Parsing;
using FlowLogs.Replay;
using FlowLogs.Simulation;
using FlowLogs.Testing;
using FlowLogs.Tests.Support;

namespace FlowLogs.Tests.Storage;

[Category("Azurite")]
public class StatusCommandTests
{
    [Test]
    public async Task StatusOfAMixedStateShowsCaughtUpBehindClaimedDeadLettersAnomaliesAndCompleteHoursWithTheRightVerdicts()
    {
        // An account of its own: the replay's state and the resource folders are this test's alone.
        await using AzuriteServer azurite = await AzuriteServer.StartAsync();
        string cs = azurite.ConnectionString;
        var blobs = new BlobServiceClient(cs);
        var checkpoints = new TableCheckpointStore(new TableClient(cs, "flowlogcheckpoints"));
        var replay = new TableReplayStateStore(new TableClient(cs, new ReplayOptions().StateTable));
        DateTimeOffset now = DateTimeOffset.UtcNow;
        var hour = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero);
        var simulator = new FlowLogSimulator(blobs, seed: 14, tuplesPerRecord: 3);
        (FlowLogKind Kind, SimulatedNic Nic, DateTimeOffset Hour)[] written =
        [
            (FlowLogKind.VirtualNetwork, new SimulatedNic(0), hour.AddHours(-1)),
            (FlowLogKind.NetworkSecurityGroup, new SimulatedNic(1), hour.AddHours(-1)),
            (FlowLogKind.VirtualNetwork, new SimulatedNic(2), hour),
        ];
        foreach ((FlowLogKind kind, SimulatedNic nic, DateTimeOffset at) in written)
        {
            for (int minute = 0; minute < 2; minute++)
            {
                await simulator.AppendMinuteAsync(kind, nic, at.AddMinutes(minute), CancellationToken.None);
            }
        }

        // Read state alone before anything ran: nothing to report, and nothing created.
        (int before, string beforeOut, _) = await CliRun.RunAsync("status", "--storage", cs);
        Assert.That(before, Is.EqualTo(ExitCodes.Failing), beforeOut);
        Assert.That(beforeOut, Does.StartWith("FAILING: nothing recorded"));
        Assert.That(await new TableServiceClient(cs).QueryAsync().ToListAsync(), Is.Empty, "status is read-only: it creates no table");

        string output = Path.Combine(Path.GetTempPath(), $"flowlogs-status-{Guid.NewGuid():N}.ndjson");
        (int ingested, _, string ingestErr) = await CliRun.RunAsync("ingest", "--storage", cs, "--output", output, "--once");
        Assert.That(ingested, Is.EqualTo(ExitCodes.Success), ingestErr);

        // Healthy: every blob read, the replay ran and succeeded.
        (int healthy, string healthyOut, string healthyErr) = await CliRun.RunAsync("status", "--storage", cs);
        Assert.That(healthy, Is.EqualTo(ExitCodes.Success), healthyOut + healthyErr);
        Assert.That(healthyOut, Does.StartWith($"HEALTHY: 3 blobs of 3 resources read to their last known commit"));
        Assert.That(healthyOut, Does.Not.Contain("\u001b"), "no colour when stdout is not a terminal");
        Assert.That(healthyOut, Does.Contain(Environment.NewLine + "route: "), "where the sink of these settings sends each kind");

        // Mixed: nic 0's blob committed again since it was read (behind), a blob nobody read yet (nic 0's next hour: its
        // resource is known to the replay; a resource it has not discovered yet shows after its next discovery), nic 1's blob
        // held by another process, nic 2's blob with dead letters and an anomaly, nic 1's hour recorded complete.
        await simulator.AppendMinuteAsync(FlowLogKind.VirtualNetwork, new SimulatedNic(0), hour.AddHours(-1).AddMinutes(2), CancellationToken.None);
        await simulator.AppendMinuteAsync(FlowLogKind.VirtualNetwork, new SimulatedNic(0), hour, CancellationToken.None);
        FlowLogBlob held = FlowLogSimulator.BlobFor(AzuriteServer.Account, FlowLogKind.NetworkSecurityGroup, new SimulatedNic(1), hour.AddHours(-1));
        StoredCheckpoint heldCheckpoint = (await checkpoints.GetAsync(held.FullName, CancellationToken.None))!;
        await checkpoints.TryReplaceAsync(heldCheckpoint.Value with { ClaimOwner = "fn-instance-7/1234/5f2c", ClaimExpires = DateTimeOffset.UtcNow.AddMinutes(5) }, heldCheckpoint.ETag, CancellationToken.None);
        FlowLogBlob troubled = FlowLogSimulator.BlobFor(AzuriteServer.Account, FlowLogKind.VirtualNetwork, new SimulatedNic(2), hour);
        StoredCheckpoint troubledCheckpoint = (await checkpoints.GetAsync(troubled.FullName, CancellationToken.None))!;
        await checkpoints.TryReplaceAsync(troubledCheckpoint.Value with { DeadLettered = 2, LastAnomaly = "record at 1234 is not JSON: dead-lettered" }, troubledCheckpoint.ETag, CancellationToken.None);
        string heldPrefix = BlobPathPrefix(held);
        await replay.MarkHourAsync(hour.AddHours(-1), new ResourcePrefix(held.Account, held.Container, heldPrefix[(held.Account.Length + held.Container.Length + 2)..]), new HourMark(DateTimeOffset.UtcNow, Rechecked: false), CancellationToken.None);

        (int behind, string json, string behindErr) = await CliRun.RunAsync("status", "--storage", cs, "--json", "--hours", "3");
        Assert.That(behind, Is.EqualTo(ExitCodes.Behind), json + behindErr);
        JsonNode status = JsonNode.Parse(json)!;
        Assert.That(status["verdict"]!.GetValue<string>(), Is.EqualTo("behind"));
        Assert.That(status["reason"]!.GetValue<string>(), Does.StartWith("2 blobs behind").And.Contain("2 dead letters").And.Contain("1 blob with an anomaly"));
        JsonNode totals = status["totals"]!;
        Assert.That(totals["blobsSeen"]!.GetValue<int>(), Is.EqualTo(4));
        Assert.That(totals["blobsBehind"]!.GetValue<int>(), Is.EqualTo(2));
        Assert.That(totals["bytesBehind"]!.GetValue<long>(), Is.GreaterThan(0));
        Assert.That(totals["claimsHeld"]!.GetValue<int>(), Is.EqualTo(1));
        Assert.That(totals["deadLettered"]!.GetValue<long>(), Is.EqualTo(2));
        Assert.That(totals["eventsDelivered"]!.GetValue<long>(), Is.EqualTo(File.ReadAllLines(output).Length));
        Assert.That(totals["resourceHoursComplete"]!.GetValue<int>(), Is.GreaterThanOrEqualTo(1), "the one marked here, and the empty hours the replay completed");
        Assert.That(status["replay"]!["lastRunSucceeded"]!.GetValue<bool>(), Is.True);

        JsonArray rows = status["rows"]!.AsArray();
        Assert.That(rows, Has.Count.EqualTo(4), "nic 0 for two hours, nic 1, nic 2");
        Assert.That(rows.Take(2).Select(r => r!["health"]!.GetValue<string>()), Is.All.EqualTo("behind"), "worst first");
        JsonNode heldRow = rows.Single(r => r!["resource"]!.GetValue<string>() == heldPrefix)!;
        Assert.That(heldRow["claimedBy"]!.AsArray().Select(o => o!.GetValue<string>()), Is.EqualTo(new[] { "fn-instance-7/1234/5f2c" }));
        Assert.That(heldRow["complete"]!.GetValue<bool>(), Is.True);
        JsonNode troubledRow = rows.Single(r => r!["resource"]!.GetValue<string>() == BlobPathPrefix(troubled))!;
        Assert.That(troubledRow["deadLettered"]!.GetValue<long>(), Is.EqualTo(2));
        Assert.That(troubledRow["lastAnomaly"]!.GetValue<string>(), Does.Contain("dead-lettered"));
        string nic0 = BlobPathPrefix(FlowLogSimulator.BlobFor(AzuriteServer.Account, FlowLogKind.VirtualNetwork, new SimulatedNic(0), hour));
        Assert.That(rows.Where(r => r!["resource"]!.GetValue<string>() == nic0).Select(r => r!["blobsBehind"]!.GetValue<int>()), Is.EqualTo(new[] { 1, 1 }), "both of nic 0's hours");

        (_, string table, _) = await CliRun.RunAsync("status", "--storage", cs, "--hours", "3");
        TestContext.Out.WriteLine(table);
        Assert.That(table, Does.StartWith("BEHIND: 2 blobs behind"));
        Assert.That(table, Does.Contain("vnet ").And.Contain("nsg ").And.Contain("fn-instance-7/1234/5f2c"));

        // The state alone, without listings: the checkpoints know of no unread commit.
        (int stateOnly, string stateOnlyOut, _) = await CliRun.RunAsync("status", "--storage", cs, "--max-listings", "0");
        Assert.That(stateOnly, Is.EqualTo(ExitCodes.Success), stateOnlyOut);
        Assert.That(stateOnlyOut, Does.Contain("open resource hours not listed"));

        // Failing: the replay's last run did not catch up.
        ReplayRunState run = (await replay.GetRunStateAsync(CancellationToken.None))!;
        await replay.SaveRunStateAsync(run with { LastRunSucceeded = false, ResumeFrom = hour.AddHours(-1) }, CancellationToken.None);
        (int failing, string failingOut, _) = await CliRun.RunAsync("status", "--storage", cs);
        Assert.That(failing, Is.EqualTo(ExitCodes.Failing), failingOut);
        Assert.That(failingOut, Does.StartWith("FAILING: the replay's last run").And.Contain("did not catch up everything"));
        File.Delete(output);
    }

    [Test]
    public async Task StatusShowsTheSelfCheckTheAppKeptInItsReplayTable()
    {
        string cs = AzuriteFixture.Server.ConnectionString;
        var table = new TableClient(cs, new ReplayOptions().StateTable);
        await table.CreateIfNotExistsAsync();
        var record = new FlowLogs.SelfCheck.CheckReport
        {
            Verdict = FlowLogs.SelfCheck.CheckVerdict.Fail,
            Summary = "1 of 5 checks failed: unread commits",
            Lines = ["PASS clock: this machine's clock agrees with the storage service's (within a second)", "FAIL unread commits: Event Grid or the triggers are not delivering: 1 blob …"],
            CheckedAt = DateTimeOffset.UtcNow.AddSeconds(-150), // status ages it by the storage service's time, a second or so off this clock
        };
        await new FlowLogs.SelfCheck.TableSelfCheckStore(table).SaveAsync(record, CancellationToken.None);

        (_, string text, string stderr) = await CliRun.RunAsync("status", "--storage", cs, "--max-listings", "0");
        (_, string json, _) = await CliRun.RunAsync("status", "--storage", cs, "--max-listings", "0", "--json");

        Assert.That(text, Does.Contain("self-check (the app's, 2m ago): FAIL: 1 of 5 checks failed: unread commits").And.Contain("  FAIL unread commits: Event Grid or the triggers"), text + stderr);
        Assert.That(JsonNode.Parse(json)!["selfCheck"]!["summary"]!.GetValue<string>(), Is.EqualTo(record.Summary));
    }

    [Test]
    public async Task WatchRedirectedWritesOnePlainBlockPerRefresh()
    {
        (int exit, string stdout, string stderr) = await CliRun.RunAsync("status", "--storage", AzuriteFixture.Server.ConnectionString, "--watch", "--interval", "50ms", "--count", "2", "--max-listings", "0");

        Assert.That(exit, Is.AnyOf(ExitCodes.Success, ExitCodes.Behind, ExitCodes.Failing), stderr);
        Assert.That(stdout, Does.Not.Contain("\u001b"), "no clear-screen or colour when redirected");
        string[] verdicts = [.. stdout.Split(Environment.NewLine).Where(l => l.StartsWith("HEALTHY:", StringComparison.Ordinal) || l.StartsWith("BEHIND:", StringComparison.Ordinal) || l.StartsWith("FAILING:", StringComparison.Ordinal))];
        Assert.That(verdicts, Has.Length.EqualTo(2));
    }

    [Test]
    public async Task ABackfillRedirectedWritesPlainProgressLines()
    {
        StorageHarness storage = await StorageHarness.CreateAsync();
        FlowLogSimulator simulator = storage.Simulator(seed: 15, tuplesPerRecord: 4);
        var hour = new DateTimeOffset(2031, 2, 3, 4, 0, 0, TimeSpan.Zero);
        for (int h = 0; h < 2; h++)
        {
            await simulator.AppendMinuteAsync(FlowLogKind.VirtualNetwork, storage.Nic(0), hour.AddHours(h), CancellationToken.None);
        }

        string output = Path.Combine(Path.GetTempPath(), $"flowlogs-progress-{Guid.NewGuid():N}.ndjson");
        (int exit, _, string stderr) = await CliRun.RunAsync("ingest", "--storage", AzuriteFixture.Server.ConnectionString, "--output", output, "--once", "--since", "2031-02-03T04:00Z", "--until", "2031-02-03T06:59Z", "--progress-interval", "0s");

        Assert.That(exit, Is.EqualTo(ExitCodes.Success), stderr);
        string[] progress = [.. stderr.Split(Environment.NewLine).Where(l => l.Contains(" hours, ", StringComparison.Ordinal))];
        Assert.That(progress, Is.Not.Empty, stderr);
        Assert.That(progress[^1], Does.StartWith("flowlogs ingest: 3/3 hours, ").And.Contain("events/s").And.EndWith("0s left"));
        Assert.That(progress.Select(l => int.Parse(l["flowlogs ingest: ".Length..l.IndexOf('/', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture)), Is.Ordered);
        Assert.That(stderr, Does.Not.Contain("\r"), "no in-place rewriting when redirected");
        File.Delete(output);
    }

    private static string BlobPathPrefix(FlowLogBlob blob) => blob.FullName[..blob.FullName.IndexOf("/y=", StringComparison.Ordinal)];
}
