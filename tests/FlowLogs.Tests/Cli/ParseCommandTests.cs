using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using FlowLogs.Cli;
using FlowLogs.Tests.Support;
using static FlowLogs.Tests.Support.FlowLogBuilder;

namespace FlowLogs.Tests.Cli;

public class ParseCommandTests
{
    private string _directory = null!;

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("flowlogs-cli-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    [Test]
    public async Task WritesOneEcsEventPerTupleAndASummary()
    {
        (int exit, string stdout, string stderr) = await CliRun.RunAsync("parse", TestData.PathOf("msdocs", "vnet-v4.PT1H.json"));

        string[] lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(exit, Is.EqualTo(ExitCodes.Success));
        Assert.That(lines, Has.Length.EqualTo(19));
        Assert.That(lines.Select(l => JsonNode.Parse(l)!["event"]!["dataset"]!.GetValue<string>()), Has.All.EqualTo("azure.vnet_flow_logs"));
        Assert.That(stderr, Does.Contain("1 records, 19 tuples, 19 events written; skipped 0 records, 0 tuples"));
    }

    [Test]
    public async Task RawOutputWritesTheFlattenedRecords()
    {
        (int exit, string stdout, _) = await CliRun.RunAsync("parse", TestData.PathOf("msdocs", "nsg-v1.PT1H.json"), "--output", "raw");
        string[] lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(exit, Is.EqualTo(ExitCodes.Success));
        Assert.That(lines, Has.Length.EqualTo(12));
        Assert.That(lines.Select(l => JsonNode.Parse(l)!["flow.0"]!.GetValue<string>().Split(',').Length), Has.All.EqualTo(8));
    }

    [Test]
    public async Task SkippedInputExitsWithThreeKeepsGoodEventsAndDeadLettersTheBytes()
    {
        string input = Path.Combine(_directory, "bad.json");
        await File.WriteAllTextAsync(input, Document(SimpleVNet(VNetTuple(sport: 1), "1,2,3", VNetTuple(sport: 2))));
        string deadLetter = Path.Combine(_directory, "dead.ndjson");

        (int exit, string stdout, string stderr) = await CliRun.RunAsync("parse", input, "--dead-letter", deadLetter, "--source", "c/x/PT1H.json");

        Assert.That(exit, Is.EqualTo(ExitCodes.Skipped));
        Assert.That(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(2));
        Assert.That(stderr, Does.Contain("skipped: InvalidTuple at byte"));
        Assert.That(stderr, Does.Contain("of c/x/PT1H.json"));
        JsonNode dead = JsonNode.Parse((await File.ReadAllLinesAsync(deadLetter)).Single())!;
        Assert.That(dead["kind"]!.GetValue<string>(), Is.EqualTo("InvalidTuple"));
        Assert.That(Convert.FromBase64String(dead["bytes"]!.GetValue<string>()), Is.EqualTo("1,2,3"u8.ToArray()));
        Assert.That(dead["source"]!.GetValue<string>(), Is.EqualTo("c/x/PT1H.json"));
    }

    [Test]
    public async Task AMissingFileIsAClearFailure()
    {
        string missing = Path.Combine(_directory, "nope.json");
        (int exit, string stdout, string stderr) = await CliRun.RunAsync("parse", missing);
        Assert.That(exit, Is.EqualTo(ExitCodes.Failure));
        Assert.That(stdout, Is.Empty);
        Assert.That(stderr, Does.Contain($"cannot read '{missing}'"));
    }

    [Test]
    public async Task AnUnknownOutputIsRefused()
    {
        (int exit, _, string stderr) = await CliRun.RunAsync("parse", TestData.PathOf("msdocs", "vnet-v4.PT1H.json"), "--output", "xml");
        Assert.That(exit, Is.EqualTo(ExitCodes.Failure));
        Assert.That(stderr, Does.StartWith("flowlogs parse: ").And.Contain("xml").And.Contain("--output"));
    }

    [Test]
    public void TheInstalledCommandPrintsNineteenEventsForMicrosoftsVNetSample()
    {
        // The real process, stdout piped: what a user runs.
        string dll = Path.Combine(TestContext.CurrentContext.TestDirectory, "flowlogs.dll");
        var start = new ProcessStartInfo("dotnet", ["exec", dll, "parse", TestData.PathOf("msdocs", "vnet-v4.PT1H.json")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using Process process = Process.Start(start)!;
        string stdout = process.StandardOutput.ReadToEnd();
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();

        Assert.That(process.ExitCode, Is.Zero, stderr);
        Assert.That(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(19));
    }
}
