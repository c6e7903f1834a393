using System.Text.Json.Nodes;
using FlowLogs.Testing;
using FlowLogs.WorkerHost;
using FlowLogs.WorkerHost.Protocol;

namespace FlowLogs.Functions.Tests;

[Category("Azurite")]
public class WorkerStartTests
{
    [Test]
    public async Task TheBuiltAppConnectsInitialisesAndReportsExactlyItsFourFunctionsWithTheBindingsOfFunctionsMetadata()
    {
        await using LoopbackIntake intake = await LoopbackIntake.StartAsync("start-key");
        await using WorkerProtocolHost worker = await WorkerProtocolHost.StartAsync(FunctionsApp.BuildDirectory, AppSettings.For(AzuriteFixture.Server.ConnectionString, intake, "start-key"), CancellationToken.None);

        JsonArray built = JsonNode.Parse(await File.ReadAllTextAsync(FunctionsApp.MetadataFile(FunctionsApp.BuildDirectory)))!.AsArray();
        Assert.That(worker.Functions.Keys, Is.EquivalentTo(new[] { "VNetFlowLogs", "NsgFlowLogs", "FlowLogEvents", "ReplayMissedHours" }));
        Assert.That(built.Select(f => (string)f!["name"]!), Is.EquivalentTo(worker.Functions.Keys), "functions.metadata lists the same functions");
        foreach (JsonNode? function in built)
        {
            RpcFunctionMetadata reported = worker.Functions[(string)function!["name"]!];
            Assert.That(reported.FunctionId, Is.Not.Empty);
            Assert.That(reported.EntryPoint, Is.EqualTo((string)function["entryPoint"]!));
            JsonNode[] expected = [.. function["bindings"]!.AsArray().Select(b => b!)];
            JsonNode[] actual = [.. reported.RawBindings.Select(b => JsonNode.Parse(b)!)];
            Assert.That(actual, Has.Length.EqualTo(expected.Length));
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.That(JsonNode.DeepEquals(Normalise(actual[i]), Normalise(expected[i])), Is.True, $"{function["name"]}: worker {actual[i].ToJsonString()} vs functions.metadata {expected[i].ToJsonString()}");
            }
        }

        Assert.That(worker.Timings.Loaded, Is.LessThan(TimeSpan.FromSeconds(30)));
        Assert.That(await worker.StopAsync(CancellationToken.None), Is.Zero, () => "WorkerTerminate ends the process cleanly: " + string.Join(Environment.NewLine, worker.ProcessOutput));
    }

    // Compared case-insensitively, and an empty "properties" object counts as absent: the build writes one for the
    // timer, the worker leaves it out.
    private static JsonNode Normalise(JsonNode node) => node switch
    {
        JsonObject o => new JsonObject(o.Where(p => p.Value is not JsonObject { Count: 0 }).OrderBy(p => p.Key, StringComparer.OrdinalIgnoreCase).Select(p => KeyValuePair.Create(p.Key.ToLowerInvariant(), p.Value is null ? null : Normalise(p.Value)))),
        JsonValue v when v.TryGetValue(out string? s) => JsonValue.Create(s.ToLowerInvariant()),
        _ => node.DeepClone(),
    };
}
