using FlowLogs.Testing;
using FlowLogs.WorkerHost;

namespace FlowLogs.Functions.Tests;

[Category("Azurite")]
public class StartupSettingsTests
{
    [TestCase("FlowLogs__Sekoia__IntakeKey", null, "FlowLogs:Sekoia:IntakeKey")]
    [TestCase("FlowLogs__Sekoia__BaseUrl", "intake.example", "FlowLogs:Sekoia:BaseUrl")]
    [TestCase("FlowLogs__Storage__CheckpointTable", "no_such-table!", "FlowLogs:Storage:CheckpointTable")]
    [TestCase("FlowLogs__Sink__Kind", "kafka", "FlowLogs:Sink:Kind")]
    [TestCase("AzureWebJobsStorage", null, "AzureWebJobsStorage")]
    [TestCase("FlowLogs__Sekoia__RetryBudget", "00:20:00", "FlowLogs:Processing:InvocationTimeout (00:30:00) must be at least twice the longest delivery")]
    public async Task AMissingOrInvalidSettingStopsTheWorkerAtStartWithAMessageNamingIt(string name, string? value, string named)
    {
        await using LoopbackIntake intake = await LoopbackIntake.StartAsync("k");
        Dictionary<string, string?> settings = AppSettings.For(AzuriteFixture.Server.ConnectionString, intake, "k");
        if (value is null)
        {
            settings.Remove(name);
        }
        else
        {
            settings[name] = value;
        }

        WorkerStartException failure = Assert.ThrowsAsync<WorkerStartException>(
            async () => await (await WorkerProtocolHost.StartAsync(FunctionsApp.BuildDirectory, settings, CancellationToken.None)).DisposeAsync())!;

        // The setting is named in a message line of its own, not only somewhere in a stack trace.
        string[] lines = failure.Output.Split('\n');
        Assert.That(lines.Where(l => !l.TrimStart().StartsWith("at ", StringComparison.Ordinal)), Has.Some.Contains(named), failure.Output);
        Assert.That(failure.ExitCode, Is.Not.Null.And.Not.Zero, failure.Message);
    }
}
