using System.Diagnostics;
using System.Globalization;
using Azure.Storage.Blobs;
using FlowLogs.BlobSource;
using FlowLogs.Parsing;
using FlowLogs.Simulation;
using FlowLogs.Testing;

namespace FlowLogs.WorkerHost;

/// <summary>
/// <c>bench</c>: figures, printed, never asserted. Cold start of each app folder given (a fresh worker process per run:
/// start-up steps and the first invocation's latency), then what one worker process sustains: blob-trigger
/// invocations and events per second with Azurite and the loopback intake, and its peak working set.
/// </summary>
internal static class Benchmark
{
    public static async Task<int> RunAsync(Arguments arguments, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> apps = arguments.All("app") is { Count: > 0 } given ? given : [FunctionsApp.BuildDirectory];
        int runs = arguments.Int("runs", 5);
        int blobs = arguments.Int("blobs", 20);
        int minutes = arguments.Int("minutes", 10);
        int tuples = arguments.Int("tuples", 40);
        int concurrency = arguments.Int("concurrency", 8);
        string key = Guid.NewGuid().ToString("N");

        await using AzuriteServer storage = await AzuriteServer.StartAsync(cancellationToken);
        await using LoopbackIntake intake = await LoopbackIntake.StartAsync(key);
        var settings = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = storage.ConnectionString,
            ["FlowLogStorage"] = storage.ConnectionString,
            ["ReplaySchedule"] = "0 */10 * * * *",
            ["FlowLogs__Sink__Kind"] = "sekoia",
            ["FlowLogs__Sekoia__BaseUrl"] = intake.BaseUrl.ToString().TrimEnd('/'),
            ["FlowLogs__Sekoia__IntakeKey"] = key,
        };
        var simulator = new FlowLogSimulator(new BlobServiceClient(storage.ConnectionString), seed: 7, tuplesPerRecord: tuples);
        var hour = new DateTimeOffset(2030, 1, 2, 3, 0, 0, TimeSpan.Zero);
        int nic = 0;

        Console.WriteLine($"cold start: {runs} fresh worker processes per app, each invoked once on a new one-minute blob ({tuples} tuples)");
        Console.WriteLine("app | connected ms | initialised ms | ready ms | first invocation ms | second invocation ms (median, min-max)");
        foreach (string app in apps)
        {
            var connected = new List<double>();
            var initialised = new List<double>();
            var ready = new List<double>();
            var first = new List<double>();
            var second = new List<double>();
            for (int run = 0; run < runs; run++)
            {
                FlowLogBlob blob = await simulator.AppendMinuteAsync(FlowLogKind.VirtualNetwork, new SimulatedNic(nic++), hour, cancellationToken);
                FlowLogBlob other = await simulator.AppendMinuteAsync(FlowLogKind.VirtualNetwork, new SimulatedNic(nic++), hour, cancellationToken);
                await using WorkerProtocolHost worker = await WorkerProtocolHost.StartAsync(app, settings, cancellationToken);
                InvocationResult one = await worker.InvokeBlobTriggerAsync("VNetFlowLogs", blob.Name, cancellationToken);
                InvocationResult two = await worker.InvokeBlobTriggerAsync("VNetFlowLogs", other.Name, cancellationToken);
                Require(one);
                Require(two);
                connected.Add(worker.Timings.Connected.TotalMilliseconds);
                initialised.Add(worker.Timings.Initialized.TotalMilliseconds);
                ready.Add(worker.Timings.Loaded.TotalMilliseconds);
                first.Add(one.Duration.TotalMilliseconds);
                second.Add(two.Duration.TotalMilliseconds);
                await worker.StopAsync(cancellationToken);
            }

            Console.WriteLine($"{app} | {Summary(connected)} | {Summary(initialised)} | {Summary(ready)} | {Summary(first)} | {Summary(second)}");
        }

        Console.WriteLine();
        Console.WriteLine($"throughput of one worker ({apps[0]}): {blobs} blobs x {minutes} minutes, {tuples} tuples a minute, {concurrency} invocations in flight, Raw payload");
        await using (WorkerProtocolHost worker = await WorkerProtocolHost.StartAsync(apps[0], settings, cancellationToken))
        {
            SimulatedNic[] nics = [.. Enumerable.Range(0, blobs).Select(i => new SimulatedNic(10_000 + i))];
            int eventsBefore = intake.Events.Count;
            TimeSpan invoking = TimeSpan.Zero;
            int invocations = 0;
            var gate = new SemaphoreSlim(concurrency);
            for (int minute = 0; minute < minutes; minute++)
            {
                var written = new List<FlowLogBlob>();
                foreach (SimulatedNic n in nics)
                {
                    written.Add(await simulator.AppendMinuteAsync(FlowLogKind.VirtualNetwork, n, hour.AddHours(1).AddMinutes(minute), cancellationToken));
                }

                var stopwatch = Stopwatch.StartNew();
                await Task.WhenAll(written.Select(async blob =>
                {
                    await gate.WaitAsync(cancellationToken);
                    try
                    {
                        Require(await worker.InvokeBlobTriggerAsync("VNetFlowLogs", blob.Name, cancellationToken));
                    }
                    finally
                    {
                        gate.Release();
                    }
                }));
                invoking += stopwatch.Elapsed;
                invocations += written.Count;
                _ = worker.PeakWorkingSet;
            }

            int events = intake.Events.Count - eventsBefore;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {invocations} invocations with a new minute each in {invoking.TotalSeconds:F2} s: {invocations / invoking.TotalSeconds:F0} invocations/s, {events / invoking.TotalSeconds:F0} events/s ({events} events, {intake.Requests} intake requests so far)"));

            // Triggers for commits already read (Event Grid's duplicates): the cheapest invocation there is.
            var repeat = Stopwatch.StartNew();
            int repeats = 0;
            FlowLogBlob[] done = [.. nics.Select(n => FlowLogSimulator.BlobFor(AzuriteServer.Account, FlowLogKind.VirtualNetwork, n, hour.AddHours(1)))];
            await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async lane =>
            {
                for (int i = lane; i < done.Length * 5; i += concurrency)
                {
                    Require(await worker.InvokeBlobTriggerAsync("VNetFlowLogs", done[i % done.Length].Name, cancellationToken));
                    Interlocked.Increment(ref repeats);
                }
            }));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {repeats} invocations with nothing new in {repeat.Elapsed.TotalSeconds:F2} s: {repeats / repeat.Elapsed.TotalSeconds:F0} invocations/s"));
            Console.WriteLine($"  peak working set of the worker process: {worker.PeakWorkingSet / 1048576.0:F0} MiB");
            await worker.StopAsync(cancellationToken);
        }

        return 0;
    }

    private static void Require(InvocationResult result)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"invocation {result.InvocationId} failed: {result.Exception}");
        }
    }

    private static string Summary(List<double> values)
    {
        values.Sort();
        return string.Create(CultureInfo.InvariantCulture, $"{values[values.Count / 2]:F0} ({values[0]:F0}-{values[^1]:F0})");
    }
}
