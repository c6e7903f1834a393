using FlowLogs.Cli;
using FlowLogs.Tests.Support;

namespace FlowLogs.Tests.Cli;

/// <summary>Every command fails the same way: one line on stderr naming what to fix, never a secret, exit code 2.</summary>
public class CommandErrorsTests
{
    private const string Key = "c2VjcmV0LWtleS12YWx1ZQ==";

    [Test]
    public async Task AConnectionStringGivenWithoutStorageIsCountedNotEchoed()
    {
        (int exit, _, string stderr) = await CliRun.RunAsync("ingest", $"AccountName=x;AccountKey={Key}");

        Assert.That(exit, Is.EqualTo(ExitCodes.Failure));
        Assert.That(stderr, Does.Not.Contain("c2VjcmV0"));
        Assert.That(stderr, Is.EqualTo("flowlogs ingest: 1 argument not understood (not shown: a key goes in an environment variable, a connection string after --storage); Option '--storage' is required. (see flowlogs ingest --help)" + Environment.NewLine));
    }

    [Test]
    public async Task AParseErrorOfASubcommandNamesItsWholePathOnOneLine()
    {
        (int exit, _, string stderr) = await CliRun.RunAsync("dead-letters", "redrive", "--storage", "UseDevelopmentStorage=true", "--sink", "kafka");

        Assert.That(exit, Is.EqualTo(ExitCodes.Failure));
        Assert.That(stderr, Does.StartWith("flowlogs dead-letters redrive: Argument 'kafka' not recognized. Must be one of: 'ndjson' 'stdout' 'sekoia'"));
        Assert.That(stderr.TrimEnd().Split(Environment.NewLine), Has.Length.EqualTo(1));
    }
}
