using FlowLogs.Cli;
using FlowLogs.Tests.Support;

namespace FlowLogs.Tests.Cli;

public class StatusCommandSettingsTests
{
    [Test]
    public async Task WithoutAStateConnectionStatusNamesTheSettingToSet()
    {
        Assume.That(Environment.GetEnvironmentVariable("AzureWebJobsStorage"), Is.Null.Or.Empty);
        (int exit, _, string stderr) = await CliRun.RunAsync("status");
        Assert.That(exit, Is.EqualTo(ExitCodes.Failure));
        Assert.That(stderr, Does.Contain("'AzureWebJobsStorage'").And.Contain("AzureWebJobsStorage__tableServiceUri"));
    }

    [Test]
    public async Task AnOutOfRangeWindowIsRefused()
    {
        (int exit, _, string stderr) = await CliRun.RunAsync("status", "--storage", "UseDevelopmentStorage=true", "--hours", "0");
        Assert.That(exit, Is.EqualTo(ExitCodes.Failure));
        Assert.That(stderr, Does.Contain("--hours takes 1 to 744"));
    }
}
