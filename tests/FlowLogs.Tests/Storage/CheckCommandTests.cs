using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using FlowLogs.Cli;
using FlowLogs.Parsing;
using FlowLogs.Simulation;
using FlowLogs.Testing;
using FlowLogs.Tests.Support;

namespace FlowLogs.Tests.Storage;

/// <summary>
/// <c>flowlogs check</c> against an Azurite of its own (its state and blobs are the test's alone) and a loopback intake:
/// what passes after <c>ingest</c>, and each failure the issue names, each named by its setting or cause.
/// </summary>
[Category("Azurite")]
[NonParallelizable]
public class CheckCommandTests
{
    private const string Key = "check-intake-key-7d21";

    [Test]
    public async Task AfterIngestEveryCheckPassesAndTheIntakeIsAskedOnceWithNoEvent()
    {
        await using AzuriteServer azurite = await AzuriteServer.StartAsync();
        await using LoopbackIntake intake = await LoopbackIntake.StartAsync(Key);
        await IngestedAsync(azurite, seed: 31);

        (int exit, string stdout, string stderr) = await CheckAsync(intake, Key, "check", "--storage", azurite.ConnectionString);

        TestContext.Out.WriteLine(stdout);
        Assert.That(exit, Is.EqualTo(ExitCodes.Success), stdout + stderr);
        string[] lines = stdout.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines[0], Is.EqualTo("PASS: 5 of 5 checks passed"));
        Assert.That(lines.Skip(1).Select(l => l[..l.IndexOf(": ", StringComparison.Ordinal)]), Is.EqualTo(new[]
        {
            $"PASS flow-log account {AzuriteServer.Account}",
            $"PASS app account {AzuriteServer.Account}",
            $"PASS intake {intake.BaseUrl.GetLeftPart(UriPartial.Authority)}",
            "PASS unread commits",
            "PASS clock",
        }));
        Assert.That(stdout, Does.Contain("insights-logs-flowlogflowevent, insights-logs-networksecuritygroupflowevent listable"));
        Assert.That(stdout, Does.Contain("events queue flowlog-events reachable and readable"));
        Assert.That(stdout, Does.Contain("the key is accepted"));
        Assert.That(intake.Requests, Is.EqualTo(1), "one request");
        Assert.That(intake.Events, Is.Empty, "no event reached the intake");
        Assert.That(stdout + stderr, Does.Not.Contain(Key));
    }

    [Test]
    public async Task AKeyTheIntakeRefusesFailsNamingIntakeKeyAndSendsNoEvent()
    {
        await using AzuriteServer azurite = await AzuriteServer.StartAsync();
        await using LoopbackIntake intake = await LoopbackIntake.StartAsync(Key);
        await IngestedAsync(azurite, seed: 32);
        const string Wrong = "not-the-intake-key-e81f";

        (int exit, string stdout, string stderr) = await CheckAsync(intake, Wrong, "check", "--storage", azurite.ConnectionString);
        (int jsonExit, string json, _) = await CheckAsync(intake, Wrong, "check", "--storage", azurite.ConnectionString, "--json");

        TestContext.Out.WriteLine(stdout);
        Assert.That(exit, Is.EqualTo(ExitCodes.CheckFailed), stdout + stderr);
        Assert.That(jsonExit, Is.EqualTo(ExitCodes.CheckFailed));
        Assert.That(stdout, Does.StartWith($"FAIL: 1 of 5 checks failed: intake {intake.BaseUrl.GetLeftPart(UriPartial.Authority)}"));
        string line = stdout.Split(Environment.NewLine).Single(l => l.StartsWith("FAIL intake", StringComparison.Ordinal));
        Assert.That(line, Does.Contain("refused the key (401)").And.Contain("FlowLogs:Sekoia:IntakeKey"));
        JsonNode check = JsonNode.Parse(json)!["checks"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == "intake")!;
        Assert.That(check["setting"]!.GetValue<string>(), Is.EqualTo("FlowLogs:Sekoia:IntakeKey"));
        Assert.That(intake.Events, Is.Empty, "no event reached the intake");
        Assert.That(stdout + json + stderr, Does.Not.Contain(Wrong), "the key is never printed");
    }

    [Test]
    public async Task AnIntakeWhoseCertificateThisMachineDoesNotTrustFailsTheTlsHandshakeNamingBaseUrl()
    {
        await using AzuriteServer azurite = await AzuriteServer.StartAsync();
        using var tls = new AzuriteTls();
        await using LoopbackIntake intake = await LoopbackIntake.StartAsync(Key, certificate: tls.Certificate);
        await IngestedAsync(azurite, seed: 35);
        Assert.That(intake.BaseUrl.Scheme, Is.EqualTo("https"));

        (int exit, string stdout, string stderr) = await CheckAsync(intake, Key, "check", "--storage", azurite.ConnectionString);

        TestContext.Out.WriteLine(stdout);
        Assert.That(exit, Is.EqualTo(ExitCodes.CheckFailed), stdout + stderr);
        string line = stdout.Split(Environment.NewLine).Single(l => l.StartsWith("FAIL intake", StringComparison.Ordinal));
        Assert.That(line, Does.Contain("the TLS handshake with 127.0.0.1 failed").And.Contain("FlowLogs:Sekoia:BaseUrl"));
        Assert.That(intake.Requests, Is.Zero, "no request got through");
    }

    [Test]
    public async Task ACommitUnreadLongerThanUnreadAfterFailsNamingEventGridOrTheTriggers()
    {
        await using AzuriteServer azurite = await AzuriteServer.StartAsync();
        (FlowLogSimulator simulator, DateTimeOffset hour) = await IngestedAsync(azurite, seed: 33);

        // A commit after the last read: nothing reads it (no trigger here, no ingest).
        var blob = await simulator.AppendMinuteAsync(FlowLogKind.VirtualNetwork, new SimulatedNic(0), hour.AddMinutes(2), CancellationToken.None);
        (int fresh, string freshOut, _) = await CliRun.RunAsync("check", "--storage", azurite.ConnectionString, "--sink", "ndjson", "--unread-after", "60s");
        Assert.That(fresh, Is.EqualTo(ExitCodes.Success), "a commit younger than --unread-after is not yet a finding: " + freshOut);

        await Task.Delay(TimeSpan.FromSeconds(4.5));
        (int exit, string stdout, string stderr) = await CliRun.RunAsync("check", "--storage", azurite.ConnectionString, "--sink", "ndjson", "--unread-after", "3s");
        (_, string json, _) = await CliRun.RunAsync("check", "--storage", azurite.ConnectionString, "--sink", "ndjson", "--unread-after", "3s", "--json");

        TestContext.Out.WriteLine(stdout);
        Assert.That(exit, Is.EqualTo(ExitCodes.CheckFailed), stdout + stderr);
        string line = stdout.Split(Environment.NewLine).Single(l => l.StartsWith("FAIL unread commits", StringComparison.Ordinal));
        Assert.That(line, Does.Contain("Event Grid or the triggers are not delivering").And.Contain(blob.FullName).And.Contain("committed more than 3s ago"));
        Assert.That(line, Does.Contain("flowlog-events").And.Contain("FlowLogEvents"), "what to check");
        Assert.That(stdout, Does.Contain("SKIP intake: the sink is ndjson"));
        JsonNode unread = JsonNode.Parse(json)!["checks"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == "unread commits")!["unreadCommits"]!.AsArray().Single()!;
        Assert.That(unread["blob"]!.GetValue<string>(), Is.EqualTo(blob.FullName));
        Assert.That(unread["ageSeconds"]!.GetValue<double>(), Is.GreaterThanOrEqualTo(3).And.LessThan(60), "aged by the storage service's time");
        Assert.That(unread["unreadBytes"]!.GetValue<long>(), Is.Positive);
    }

    [Test]
    public async Task AnAccountThatNeverAnswersFailsWithinTheTimeoutNamingItsConnection()
    {
        await using AzuriteServer azurite = await AzuriteServer.StartAsync();
        await IngestedAsync(azurite, seed: 34);

        // Accepts connections and never answers: without a bound, a storage client waits minutes.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        int port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var accepted = new List<Socket>();
        _ = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    accepted.Add(await silent.AcceptSocketAsync());
                }
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // Stopped.
            }
        });
        string unreachable = $"DefaultEndpointsProtocol=http;AccountName=silentaccount;AccountKey={Convert.ToBase64String(new byte[32])};BlobEndpoint=http://127.0.0.1:{port}/silentaccount;";

        var watch = Stopwatch.StartNew();
        (int exit, string stdout, string stderr) = await CliRun.RunAsync("check", "--storage", unreachable, "--state-storage", azurite.ConnectionString, "--sink", "ndjson", "--timeout", "2s");
        watch.Stop();

        TestContext.Out.WriteLine($"{watch.Elapsed.TotalSeconds:F1} s\n{stdout}");
        Assert.That(exit, Is.EqualTo(ExitCodes.CheckFailed), stdout + stderr);
        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(20)), "bounded by --timeout, not by the client's own minutes");
        string line = stdout.Split(Environment.NewLine).Single(l => l.StartsWith("FAIL flow-log account", StringComparison.Ordinal));
        Assert.That(line, Does.Contain("silentaccount").And.Contain("no answer within 2s").And.Contain("FlowLogStorage"));
        Assert.That(stdout, Does.Contain($"PASS app account {AzuriteServer.Account}"), "the other checks still ran");
        Assert.That(stdout + stderr, Does.Not.Contain(Convert.ToBase64String(new byte[32])), "the account key is never printed");
        silent.Stop();
        accepted.ForEach(s => s.Dispose());
    }

    // Two minutes of a VNet and an NSG blob in the current hour, all read by `flowlogs ingest --once`.
    private static async Task<(FlowLogSimulator Simulator, DateTimeOffset Hour)> IngestedAsync(AzuriteServer azurite, int seed)
    {
        var simulator = new FlowLogSimulator(new Azure.Storage.Blobs.BlobServiceClient(azurite.ConnectionString), seed, tuplesPerRecord: 3);
        DateTimeOffset now = DateTimeOffset.UtcNow;
        var hour = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero);
        for (int minute = 0; minute < 2; minute++)
        {
            await simulator.AppendMinuteAsync(FlowLogKind.VirtualNetwork, new SimulatedNic(0), hour.AddMinutes(minute), CancellationToken.None);
            await simulator.AppendMinuteAsync(FlowLogKind.NetworkSecurityGroup, new SimulatedNic(1), hour.AddMinutes(minute), CancellationToken.None);
        }

        string output = Path.Combine(Path.GetTempPath(), $"flowlogs-check-{Guid.NewGuid():N}.ndjson");
        (int exit, _, string stderr) = await CliRun.RunAsync("ingest", "--storage", azurite.ConnectionString, "--output", output, "--once");
        Assert.That(exit, Is.EqualTo(ExitCodes.Success), stderr);
        File.Delete(output);
        return (simulator, hour);
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> CheckAsync(LoopbackIntake intake, string key, params string[] args)
    {
        using var environment = new EnvironmentScope(("FlowLogs__Sekoia__BaseUrl", intake.BaseUrl.ToString().TrimEnd('/')), ("FlowLogs__Sekoia__IntakeKey", key));
        return await CliRun.RunAsync(args);
    }
}
