using System.Diagnostics;
using System.Globalization;
using FlowLogs.DeadLetters;
using FlowLogs.Ecs;
using FlowLogs.Parsing;
using FlowLogs.Simulation;
using FlowLogs.Sinks;
using FlowLogs.Sinks.Sekoia;
using FlowLogs.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FlowLogs.Benchmarks;

/// <summary>Sekoia sink throughput to the loopback intake (which parses every request on the same machine).</summary>
internal static class SinkBenchmark
{
    private const string Key = "bench-intake-key";

    public static async Task<int> RunAsync(BenchmarkArguments options)
    {
        await using LoopbackIntake intake = await LoopbackIntake.StartAsync(Key).ConfigureAwait(false);
        Console.WriteLine($"Sekoia sink to the loopback intake at {intake.BaseUrl}, gzip, 4 requests in flight");
        Console.WriteLine("payload  events      seconds  events/s    event MB/s  requests");
        foreach (EventPayload payload in new[] { EventPayload.Raw, EventPayload.Ecs })
        {
            List<EventBatch> batches = Batches(payload, batchCount: 8, tuplesPerBatch: 25_000);
            long events = batches.Sum(b => b.Count);
            long bytes = batches.Sum(b => (long)b.Ndjson.Length);
            using ServiceProvider services = Services(intake.BaseUrl, payload);
            IEventSink sink = services.GetRequiredService<IEventSink>();
            await sink.DeliverAsync(batches[0], CancellationToken.None).ConfigureAwait(false);
            int before = intake.Requests;
            var stopwatch = Stopwatch.StartNew();
            await Task.WhenAll(batches.Select(b => sink.DeliverAsync(b, CancellationToken.None).AsTask())).ConfigureAwait(false);
            stopwatch.Stop();
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{payload,-8} {events,10:N0}  {stopwatch.Elapsed.TotalSeconds,7:F2}  {events / stopwatch.Elapsed.TotalSeconds,10:N0}  {bytes / 1048576.0 / stopwatch.Elapsed.TotalSeconds,10:F1}  {intake.Requests - before,8}"));
        }

        return 0;
    }

    private static List<EventBatch> Batches(EventPayload payload, int batchCount, int tuplesPerBatch)
    {
        var batches = new List<EventBatch>();
        var generator = new FlowLogGenerator(seed: 3);
        for (int i = 0; i < batchCount; i++)
        {
            using var document = new MemoryStream();
            generator.WriteDocument(document, FlowLogKind.VirtualNetwork, new SimulatedNic(i), new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero), 25, tuplesPerBatch / 25);
            var builder = new EventBatchBuilder(payload);
            using var reader = new FlowLogReader(document.ToArray(), new FlowLogSource($"bench/{i}/PT1H.json"));
            while (reader.Read())
            {
                builder.Add(reader.Current);
            }

            // The builder's buffer is reused by the next batch only after Reset: keep each builder's batch as is.
            batches.Add(builder.Build($"bench/{i}/PT1H.json"));
        }

        return batches;
    }

    private static ServiceProvider Services(Uri baseUrl, EventPayload payload)
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["FlowLogs:Sekoia:BaseUrl"] = baseUrl.AbsoluteUri,
            ["FlowLogs:Sekoia:IntakeKey"] = Key,
            ["FlowLogs:Sekoia:Payload"] = payload.ToString(),
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddSingleton<IDeadLetterStore, NoDeadLetters>();
        services.AddSekoiaIntakeSink(configuration.GetSection(SekoiaIntakeOptions.SectionName));
        return services.BuildServiceProvider();
    }

    private sealed class NoDeadLetters : IDeadLetterStore
    {
        public Task WriteAsync(BlobSource.FlowLogBlob blob, IReadOnlyList<ParseIssue> issues, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task WriteEventAsync(string source, long rangeStart, long rangeEnd, ReadOnlyMemory<byte> eventJson, string reason, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
