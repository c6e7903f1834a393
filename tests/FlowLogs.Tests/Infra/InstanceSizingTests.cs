using System.Text.Json.Nodes;
using FlowLogs.Processing;
using FlowLogs.Replay;
using FlowLogs.Sinks.Sekoia;
using FlowLogs.Testing;

namespace FlowLogs.Tests.Infra;

/// <summary>Instances are sized so that every call they may run at once fits, at the worst each call can hold.</summary>
public partial class BicepTemplateTests
{
    // The Functions host and the worker's runtime before any call: a generous allowance.
    private const long RuntimeBytes = 512L * 1024 * 1024;

    [Test]
    public void TheSmallestInstanceAllowedHoldsEveryConcurrentCallAtItsWorst()
    {
        JsonObject memory = Main.Value["parameters"]!["instanceMemoryMB"]!.AsObject();
        long smallest = memory["allowedValues"]!.AsArray().Min(v => v!.GetValue<long>()) * 1024 * 1024;
        long byDefault = memory["defaultValue"]!.GetValue<long>() * 1024 * 1024;

        // Blob-trigger calls at once per instance (host.json) plus the replay's parallel catch-ups on the same instance.
        JsonNode host = JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "host.json")))!;
        int calls = host["extensions"]!["blobs"]!["maxDegreeOfParallelism"]!.GetValue<int>() + new ReplayOptions().Parallelism;
        long perCall = ProcessingMemory.WorstCaseBytesPerCall(new BlobProcessorOptions(), new SekoiaIntakeOptions());
        long needed = RuntimeBytes + (calls * perCall);

        Assert.Multiple(() =>
        {
            Assert.That(smallest, Is.GreaterThanOrEqualTo(needed), $"{calls} calls × {perCall / (1024 * 1024)} MiB + runtime");
            Assert.That(byDefault, Is.GreaterThanOrEqualTo(needed));
        });
    }
}
