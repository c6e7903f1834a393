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

        // Event calls at once per instance (the template's triggerConcurrency at its largest, which sets the blob
        // triggers' and the queue trigger's limits; host.json's own value where the template sets nothing) plus the
        // replay's parallel catch-ups on the same instance.
        JsonNode host = JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "host.json")))!;
        JsonNode queues = host["extensions"]!["queues"]!;
        int triggers = Math.Max(
            Main.Value["parameters"]!["triggerConcurrency"]!["maxValue"]!.GetValue<int>(),
            Math.Max(
                host["extensions"]!["blobs"]!["maxDegreeOfParallelism"]!.GetValue<int>(),
                queues["batchSize"]!.GetValue<int>() + queues["newBatchThreshold"]!.GetValue<int>()));
        int calls = triggers + new ReplayOptions().Parallelism;
        long perCall = ProcessingMemory.WorstCaseBytesPerCall(new BlobProcessorOptions(), new SekoiaIntakeOptions().RequestLimits());
        long needed = RuntimeBytes + (calls * perCall);

        Assert.Multiple(() =>
        {
            Assert.That(smallest, Is.GreaterThanOrEqualTo(needed), $"{calls} calls × {perCall / (1024 * 1024)} MiB + runtime");
            Assert.That(byDefault, Is.GreaterThanOrEqualTo(needed));
        });
    }
}
