using System.Diagnostics;
using System.Globalization;
using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using FlowLogs.BlobSource;
using FlowLogs.Checkpoints;
using FlowLogs.DeadLetters;
using FlowLogs.Ecs;
using FlowLogs.Parsing;
using FlowLogs.Processing;
using FlowLogs.Simulation;
using FlowLogs.Sinks;
using FlowLogs.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FlowLogs.Benchmarks;

/// <summary>
/// The block-delta reader against Azurite: one-minute deltas per second and storage requests per delta (counted by an
/// HTTP pipeline policy), then the peak memory of catching up one large delta (in a child process, so the figure is
/// the reader's own).
/// </summary>
internal static class DeltaBenchmark
{
    private static readonly DateTimeOffset Hour = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);

    public static async Task<int> RunAsync(BenchmarkArguments options)
    {
        await using AzuriteServer azurite = await AzuriteServer.StartAsync().ConfigureAwait(false);
        Console.WriteLine($"Azurite on 127.0.0.1:{azurite.BlobPort} (blob) and :{azurite.TablePort} (table), in memory");
        await MinuteDeltasAsync(azurite.ConnectionString, options).ConfigureAwait(false);
        return await CatchUpAsync(azurite.ConnectionString, options).ConfigureAwait(false);
    }

    /// <summary>The child process of the catch-up run: reads one blob from its checkpoint and prints its own figures.</summary>
    public static async Task<int> CatchUpChildAsync(BenchmarkArguments options)
    {
        if (!FlowLogBlob.TryParse(options.Path!, out FlowLogBlob? blob))
        {
            throw new ArgumentException($"not an account/container/name: {options.Path}");
        }

        (BlobProcessor processor, CountingSink sink, RequestCounter blobRequests, RequestCounter tableRequests) = Build(options.Storage!, "catchup");
        var stopwatch = Stopwatch.StartNew();
        BlobProcessResult result = await processor.ProcessAsync(blob, CancellationToken.None).ConfigureAwait(false);
        stopwatch.Stop();
        using Process self = Process.GetCurrentProcess();
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"catch-up: {result.BytesRead / 1048576.0:F0} MB delta, {result.Events:N0} events in {result.Chunks} chunks, {stopwatch.Elapsed.TotalSeconds:F1} s ({result.BytesRead / 1048576.0 / stopwatch.Elapsed.TotalSeconds:F1} MB/s, {result.Events / stopwatch.Elapsed.TotalSeconds:N0} events/s), {blobRequests.Count + tableRequests.Count} storage requests, peak working set {self.PeakWorkingSet64 / 1048576.0:F0} MB"));

        // Where the memory is: the managed heap at its largest after a collection, and what the process committed for it.
        GCMemoryInfo gc = GC.GetGCMemoryInfo(GCKind.Any);
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"catch-up memory: managed heap {gc.HeapSizeBytes / 1048576.0:F0} MB after the last collection ({gc.FragmentedBytes / 1048576.0:F0} MB fragmented), {gc.TotalCommittedBytes / 1048576.0:F0} MB committed, {GC.GetTotalAllocatedBytes() / (double)Math.Max(result.Events, 1):F0} bytes allocated per event, {GC.CollectionCount(2)} gen-2 collections"));
        return result.Events == sink.Events && result.Outcome == BlobProcessOutcome.CaughtUp ? 0 : 1;
    }

    private static async Task MinuteDeltasAsync(string connectionString, BenchmarkArguments options)
    {
        (BlobProcessor processor, CountingSink sink, RequestCounter blobRequests, RequestCounter tableRequests) = Build(connectionString, "minutes");
        var simulator = new FlowLogSimulator(new BlobServiceClient(connectionString), seed: 9, tuplesPerRecord: 40);
        SimulatedNic[] nics = [.. Enumerable.Range(0, options.Nics).Select(i => new SimulatedNic(i))];
        FlowLogKind[] kinds = [FlowLogKind.VirtualNetwork, FlowLogKind.NetworkSecurityGroup];

        long deltas = 0;
        long maxRequests = 0;
        long events = 0;
        TimeSpan elapsed = TimeSpan.Zero;
        for (int minute = 0; minute < options.Minutes; minute++)
        {
            var blobs = new List<FlowLogBlob>();
            foreach (SimulatedNic nic in nics)
            {
                foreach (FlowLogKind kind in kinds)
                {
                    blobs.Add(await simulator.AppendMinuteAsync(kind, nic, Hour.AddMinutes(minute), CancellationToken.None).ConfigureAwait(false));
                }
            }

            // Minute 0 creates checkpoints; the figures are for the steady state, one new block per blob.
            var stopwatch = Stopwatch.StartNew();
            long before = sink.Events;
            foreach (FlowLogBlob blob in blobs)
            {
                long requests = blobRequests.Count + tableRequests.Count;
                await processor.ProcessAsync(blob, CancellationToken.None).ConfigureAwait(false);
                if (minute > 0)
                {
                    maxRequests = Math.Max(maxRequests, blobRequests.Count + tableRequests.Count - requests);
                }
            }

            if (minute == 0)
            {
                blobRequests.Reset();
                tableRequests.Reset();
                continue;
            }

            elapsed += stopwatch.Elapsed;
            deltas += blobs.Count;
            events += sink.Events - before;
        }

        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"one-minute deltas: {deltas} deltas ({nics.Length * kinds.Length} blobs x {options.Minutes - 1} minutes, 40 tuples each) in {elapsed.TotalSeconds:F1} s: {deltas / elapsed.TotalSeconds:F0} deltas/s, {events / elapsed.TotalSeconds:N0} events/s, one process, one at a time"));
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"storage requests per one-minute delta: {(double)(blobRequests.Count + tableRequests.Count) / deltas:F2} on average ({(double)blobRequests.Count / deltas:F2} blob, {(double)tableRequests.Count / deltas:F2} table), {maxRequests} at most"));
    }

    private static async Task<int> CatchUpAsync(string connectionString, BenchmarkArguments options)
    {
        // One blob, one hour of big blocks adding up to the target size, never read before: one delta to catch up.
        const int Blocks = 60;
        int tuplesPerRecord = (int)((long)options.CatchUpMegabytes * 1024 * 1024 / Blocks / 82);
        var simulator = new FlowLogSimulator(new BlobServiceClient(connectionString), seed: 10, tuplesPerRecord: tuplesPerRecord);
        var nic = new SimulatedNic(9999);
        FlowLogBlob blob = null!;
        Console.WriteLine($"writing a {options.CatchUpMegabytes} MB blob ({Blocks} blocks of {tuplesPerRecord:N0} tuples) …");
        for (int minute = 0; minute < Blocks; minute++)
        {
            blob = await simulator.AppendMinuteAsync(FlowLogKind.VirtualNetwork, nic, Hour.AddMinutes(minute), CancellationToken.None).ConfigureAwait(false);
        }

        var start = new ProcessStartInfo(Environment.ProcessPath!);
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
        {
            start.ArgumentList.Add(typeof(DeltaBenchmark).Assembly.Location);
        }

        foreach (string argument in new[] { "delta-catchup", "--storage", connectionString, "--path", blob.FullName })
        {
            start.ArgumentList.Add(argument);
        }

        using Process child = Process.Start(start)!;
        await child.WaitForExitAsync().ConfigureAwait(false);
        Console.WriteLine($"catch-up child delivered {simulator.TuplesWritten:N0} tuples written: exit code {child.ExitCode}");
        return child.ExitCode;
    }

    private static (BlobProcessor Processor, CountingSink Sink, RequestCounter BlobRequests, RequestCounter TableRequests) Build(string connectionString, string name)
    {
        var blobRequests = new RequestCounter();
        var tableRequests = new RequestCounter();
        var blobOptions = new BlobClientOptions();
        blobOptions.AddPolicy(blobRequests, HttpPipelinePosition.PerRetry);
        var tableOptions = new TableClientOptions();
        tableOptions.AddPolicy(tableRequests, HttpPipelinePosition.PerRetry);
        var blobs = new BlobServiceClient(connectionString, blobOptions);
        var store = new TableCheckpointStore(new TableClient(connectionString, "bench" + name, tableOptions));
        store.CreateIfNotExistsAsync(CancellationToken.None).GetAwaiter().GetResult();
        BlobContainerClient deadLetters = new BlobServiceClient(connectionString).GetBlobContainerClient("bench-deadletters");
        deadLetters.CreateIfNotExists();
        blobRequests.Reset();
        tableRequests.Reset();

        var sink = new CountingSink();
        var processor = new BlobProcessor(
            new AzureFlowLogBlobStore(blobs),
            new BlobClaims(store, TimeProvider.System, NullLogger<BlobClaims>.Instance),
            sink,
            new BlobDeadLetterStore(deadLetters),
            Options.Create(new BlobProcessorOptions()),
            NullLogger<BlobProcessor>.Instance);
        return (processor, sink, blobRequests, tableRequests);
    }

    /// <summary>Acknowledges every batch at once, counting events: the reader's own costs, without an intake's.</summary>
    private sealed class CountingSink : IEventSink
    {
        private long _events;

        public EventBatchBuilder CreateBatch() => new(EventPayload.Ecs);

        public long Events => Interlocked.Read(ref _events);

        public ValueTask<DeliveryReceipt> DeliverAsync(EventBatch batch, CancellationToken cancellationToken)
        {
            Interlocked.Add(ref _events, batch.Count);
            return ValueTask.FromResult(DeliveryReceipt.AllAccepted);
        }
    }
}
