using System.Text.Json;
using FlowLogs.BlobSource;
using FlowLogs.DeadLetters;
using FlowLogs.Parsing;
using FlowLogs.Processing;
using FlowLogs.Simulation;
using FlowLogs.Sinks;
using FlowLogs.Sinks.Sekoia;
using FlowLogs.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace FlowLogs.Tests.Storage;

/// <summary>The whole path, blob to intake: Azurite, the block-delta reader, the Sekoia sink, a failing loopback intake.</summary>
[Category("Azurite")]
// Its own intake, tables and blob names on the shared Azurite: runs beside the other self-contained fixtures.
[Parallelizable(ParallelScope.Self)]
public class IntakeDeliveryTests
{
    private const string Key = "e2e-intake-key-31f2";

    [Test]
    public async Task WithOneRequestInFiveFailingEveryOneOfAHundredThousandTuplesArrives()
    {
        StorageHarness storage = await StorageHarness.CreateAsync();
        FlowLogSimulator simulator = storage.Simulator(seed: 4, tuplesPerRecord: 100);
        await using LoopbackIntake intake = await LoopbackIntake.StartAsync(Key);
        var random = new Random(20);
        IntakeFault[] faults =
        [
            IntakeFault.ServerError, IntakeFault.ServerError, IntakeFault.Unavailable, IntakeFault.Unavailable, IntakeFault.Reset,
            IntakeFault.Reset, IntakeFault.StoreThenReset, IntakeFault.StoreThenReset, IntakeFault.WrongCount, IntakeFault.TooManyRequests,
        ];
        intake.Faults = _ =>
        {
            lock (random)
            {
                return random.NextDouble() < 0.2 ? faults[random.Next(faults.Length)] : IntakeFault.None;
            }
        };

        using ServiceProvider services = SinkServices(intake.BaseUrl);
        IEventSink sink = services.GetRequiredService<IEventSink>();
        BlobProcessor processor = storage.Processor(sink, new BlobProcessorOptions { MaxBatchBytes = 1024 * 1024 });
        SimulatedNic[] nics = [.. Enumerable.Range(0, 10).Select(storage.Nic)];
        var blobs = new HashSet<FlowLogBlob>();
        int failedCalls = 0;

        // 50 minutes of 20 blobs, read every 10 minutes: 100,000 tuples.
        for (int minute = 0; minute < 50; minute++)
        {
            foreach (SimulatedNic nic in nics)
            {
                blobs.Add(await simulator.AppendMinuteAsync(FlowLogKind.VirtualNetwork, nic, new DateTimeOffset(2026, 11, 23, 10, minute, 0, TimeSpan.Zero), CancellationToken.None));
                blobs.Add(await simulator.AppendMinuteAsync(FlowLogKind.NetworkSecurityGroup, nic, new DateTimeOffset(2026, 11, 23, 10, minute, 0, TimeSpan.Zero), CancellationToken.None));
            }

            if (minute % 10 == 9)
            {
                foreach (FlowLogBlob blob in blobs)
                {
                    // What the next trigger or the replay does after a failed delivery: try again.
                    while (true)
                    {
                        try
                        {
                            if ((await processor.ProcessAsync(blob, CancellationToken.None)).Outcome == BlobProcessOutcome.CaughtUp)
                            {
                                break;
                            }
                        }
                        catch (IntakeException)
                        {
                            failedCalls++;
                        }
                    }
                }
            }
        }

        List<string> ids = [.. intake.Events.Select(e => JsonDocument.Parse(e).RootElement.GetProperty("event").GetProperty("id").GetString()!)];
        int unique = ids.Distinct().Count();
        int duplicates = ids.Count - unique;
        TestContext.Out.WriteLine($"{simulator.TuplesWritten} tuples written, {ids.Count} events received, {unique} unique, {duplicates} duplicates ({100.0 * duplicates / unique:F2}%), {intake.Requests} requests, faults {string.Join(", ", intake.FaultsServed.Select(f => $"{f.Key} {f.Value}"))}, {failedCalls} failed processing calls");

        Assert.That(simulator.TuplesWritten, Is.EqualTo(100_000));
        Assert.That(unique, Is.EqualTo(100_000), "every tuple arrived");
        Assert.That(duplicates, Is.LessThanOrEqualTo(intake.StoredWithoutAcknowledgement), "duplicates only from batches whose acknowledgement was lost");
        Assert.That(intake.FaultsServed.Values.Sum(), Is.GreaterThan(intake.Requests / 10), "faults were injected");
    }

    private static ServiceProvider SinkServices(Uri baseUrl)
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["FlowLogs:Sekoia:BaseUrl"] = baseUrl.AbsoluteUri,
            ["FlowLogs:Sekoia:IntakeKey"] = Key,
            ["FlowLogs:Sekoia:Payload"] = "Ecs",
            ["FlowLogs:Sekoia:RequestTimeout"] = "00:00:02",
            ["FlowLogs:Sekoia:RetryBudget"] = "00:00:05",
            ["FlowLogs:Sekoia:RetryBaseDelay"] = "00:00:00.020",
        }).Build();
        var services = new ServiceCollection();
        services.AddSingleton(typeof(Microsoft.Extensions.Logging.ILogger<>), typeof(NullLogger<>));
        services.AddSingleton<Microsoft.Extensions.Logging.ILoggerFactory>(NullLoggerFactory.Instance);
        services.AddSekoiaIntakeSink(configuration.GetSection(SekoiaIntakeOptions.SectionName));
        return services.BuildServiceProvider();
    }
}
