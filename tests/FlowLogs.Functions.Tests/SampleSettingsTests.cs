using System.Text.Json.Nodes;
using FlowLogs.BlobSource;
using FlowLogs.Parsing;
using FlowLogs.Testing;
using FlowLogs.WorkerHost;

namespace FlowLogs.Functions.Tests;

[Category("Azurite")]
public class SampleSettingsTests
{
    [Test]
    public async Task TheSampleLocalSettingsStartTheBuiltAppAndItsTriggerWritesTheBlobsEventsToTheNdjsonFile()
    {
        // local.settings.sample.json as a developer copies it, Azurite's address in place of the default ports.
        JsonObject values = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(RepositoryRoot.Path, "local.settings.sample.json")))!["Values"]!.AsObject();
        string output = Path.Combine(Path.GetTempPath(), $"flowlogs-sample-{Guid.NewGuid():N}.ndjson");
        var settings = values.ToDictionary(v => v.Key, v => (string?)v.Value);
        foreach (string name in settings.Keys.Where(k => settings[k] == "UseDevelopmentStorage=true").ToList())
        {
            settings[name] = AzuriteFixture.Server.ConnectionString;
        }

        Assert.That(settings["FlowLogs__Sink__Kind"], Is.EqualTo("ndjson"), "the sample writes events to a file");
        settings["FlowLogs__Sink__Path"] = output;
        Scenario scenario = Scenario.Create(seed: 41);
        await using WorkerProtocolHost worker = await WorkerProtocolHost.StartAsync(FunctionsApp.BuildDirectory, settings, CancellationToken.None);
        FlowLogBlob blob = await scenario.Simulator.AppendMinuteAsync(FlowLogKind.VirtualNetwork, scenario.Nic(0), new DateTimeOffset(2031, 9, 1, 2, 0, 0, TimeSpan.Zero), CancellationToken.None);

        InvocationResult result = await worker.InvokeBlobTriggerAsync("VNetFlowLogs", blob.Name, CancellationToken.None);
        await worker.StopAsync(CancellationToken.None);

        Assert.That(result.Succeeded, Is.True, result.Exception);
        string[] lines = await File.ReadAllLinesAsync(output);
        Assert.That(lines, Has.Length.EqualTo(scenario.Tuples(blob)).And.Length.EqualTo(12));
        Assert.That(lines.Select(l => JsonNode.Parse(l)!["log"]!["file"]!["path"]!.GetValue<string>()), Is.All.EndsWith(blob.Name));
        File.Delete(output);
    }
}
