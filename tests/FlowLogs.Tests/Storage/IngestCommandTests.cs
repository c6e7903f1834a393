using System.CommandLine;
using System.Text.Json.Nodes;
using FlowLogs.Cli;
using FlowLogs.Parsing;
using FlowLogs.Simulation;

namespace FlowLogs.Tests.Storage;

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
        (int exit, string stderr) = await RunAsync(args);
        (int again, string stderrAgain) = await RunAsync(args);

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
    public async Task TheSekoiaSinkWithoutAKeyIsRefusedAtStartNamingTheSetting()
    {
        (int exit, string stderr) = await RunAsync("ingest", "--storage", AzuriteFixture.Server.ConnectionString, "--sink", "sekoia", "--once");
        Assert.That(exit, Is.EqualTo(ExitCodes.Failure));
        Assert.That(stderr, Does.Contain("FlowLogs:Sekoia:IntakeKey is empty"));
    }

    private static async Task<(int Exit, string Stderr)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int exit = await Program.BuildRootCommand().Parse(args).InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr });
        return (exit, stderr.ToString());
    }
}
