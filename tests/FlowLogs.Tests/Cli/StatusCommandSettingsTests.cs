using System.CommandLine;
using FlowLogs.Cli;

namespace FlowLogs.Tests.Cli;

public class StatusCommandSettingsTests
{
    [Test]
    public async Task WithoutAStateConnectionStatusNamesTheSettingToSet()
    {
        Assume.That(Environment.GetEnvironmentVariable("AzureWebJobsStorage"), Is.Null.Or.Empty);
        (int exit, string stderr) = await RunAsync("status");
        Assert.That(exit, Is.EqualTo(ExitCodes.Failure));
        Assert.That(stderr, Does.Contain("'AzureWebJobsStorage'").And.Contain("AzureWebJobsStorage__tableServiceUri"));
    }

    [Test]
    public async Task AnOutOfRangeWindowIsRefused()
    {
        (int exit, string stderr) = await RunAsync("status", "--storage", "UseDevelopmentStorage=true", "--hours", "0");
        Assert.That(exit, Is.EqualTo(ExitCodes.Failure));
        Assert.That(stderr, Does.Contain("--hours takes 1 to 744"));
    }

    private static async Task<(int Exit, string Stderr)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int exit = await Program.BuildRootCommand().Parse(args).InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr });
        return (exit, stderr.ToString());
    }
}
