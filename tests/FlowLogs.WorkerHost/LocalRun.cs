using System.Globalization;
using Azure.Storage.Blobs;
using FlowLogs.BlobSource;
using FlowLogs.Parsing;
using FlowLogs.Simulation;
using FlowLogs.Testing;
using FlowLogs.WorkerHost.Protocol;

namespace FlowLogs.WorkerHost;

/// <summary>
/// <c>run</c>: the built app under this host, against its own Azurite and a loopback intake, fed by the simulator;
/// every commit is announced to the blob trigger as Event Grid would, the replay timer runs at the end. For a developer
/// without Core Tools to watch the real app ingest.
/// </summary>
internal static class LocalRun
{
    public static async Task<int> RunAsync(Arguments arguments, CancellationToken cancellationToken)
    {
        string app = arguments.Text("app") ?? FunctionsApp.BuildDirectory;
        int nics = arguments.Int("nics", 2);
        int minutes = arguments.Int("minutes", 3);
        TimeSpan interval = arguments.Duration("interval", TimeSpan.FromSeconds(1));
        string key = Guid.NewGuid().ToString("N");

        Console.WriteLine($"app: {app}");
        await using AzuriteServer storage = await AzuriteServer.StartAsync(cancellationToken);
        Console.WriteLine($"Azurite (in memory, --disableTelemetry): blob port {storage.BlobPort}, queue port {storage.QueuePort}, table port {storage.TablePort}");
        await using LoopbackIntake intake = await LoopbackIntake.StartAsync(key);
        Console.WriteLine($"loopback Sekoia intake: {intake.BaseUrl}");
        var settings = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = storage.ConnectionString,
            ["FlowLogStorage"] = storage.ConnectionString,
            ["ReplaySchedule"] = "0 */10 * * * *",
            ["FlowLogs__Sink__Kind"] = "sekoia",
            ["FlowLogs__Sekoia__BaseUrl"] = intake.BaseUrl.ToString().TrimEnd('/'),
            ["FlowLogs__Sekoia__IntakeKey"] = key,
            ["FlowLogs__Sekoia__Payload"] = "Ecs",
        };
        await using WorkerProtocolHost worker = await WorkerProtocolHost.StartAsync(app, settings, cancellationToken, onLine: line => Console.WriteLine($"  [worker] {line}"), onLog: Print);
        Console.WriteLine($"worker {worker.ProcessId}: connected in {worker.Timings.Connected.TotalMilliseconds:F0} ms, ready in {worker.Timings.Loaded.TotalMilliseconds:F0} ms; functions: {string.Join(", ", worker.Functions.Keys)}");

        var simulator = new FlowLogSimulator(new BlobServiceClient(storage.ConnectionString));
        DateTimeOffset now = DateTimeOffset.UtcNow;
        var start = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero);
        SimulatedNic[] simulated = [.. Enumerable.Range(0, nics).Select(i => new SimulatedNic(i))];
        int invocations = 0;
        int failures = 0;
        for (int minute = 0; minute < minutes; minute++)
        {
            foreach (SimulatedNic nic in simulated)
            {
                foreach (FlowLogKind kind in new[] { FlowLogKind.VirtualNetwork, FlowLogKind.NetworkSecurityGroup })
                {
                    FlowLogBlob blob = await simulator.AppendMinuteAsync(kind, nic, start.AddMinutes(minute), cancellationToken);
                    string function = blob.Container == FlowLogBlob.VNetContainer ? "VNetFlowLogs" : "NsgFlowLogs";
                    InvocationResult result = await worker.InvokeBlobTriggerAsync(function, blob.Name, cancellationToken);
                    invocations++;
                    failures += result.Succeeded ? 0 : 1;
                    Console.WriteLine($"{function} minute {minute} NIC {nic.Index}: {result.Status} in {result.Duration.TotalMilliseconds:F0} ms{(result.Succeeded ? "" : ": " + result.Exception)}; intake has {intake.Events.Count} events");
                }
            }

            await Task.Delay(interval, cancellationToken);
        }

        InvocationResult replay = await worker.InvokeTimerAsync("ReplayMissedHours", cancellationToken);
        invocations++;
        Console.WriteLine($"ReplayMissedHours: {replay.Status} in {replay.Duration.TotalMilliseconds:F0} ms");
        int exit = await worker.StopAsync(cancellationToken);
        int unique = intake.Events.Distinct().Count();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"summary: {simulator.TuplesWritten} tuples written, {intake.Events.Count} events received ({unique} distinct), {invocations} invocations ({failures} failed), worker exit code {exit}, peak working set {worker.PeakWorkingSet / 1048576} MiB"));
        return simulator.TuplesWritten == intake.Events.Count && unique == intake.Events.Count && failures == 0 ? 0 : 1;
    }

    private static void Print(RpcLog log) => Console.WriteLine($"  [{log.Level}] {log.Message}{(log.Exception is null ? "" : " " + log.Exception.Message)}");
}
