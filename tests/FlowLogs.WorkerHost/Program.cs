using FlowLogs.WorkerHost;

// run: the built app ingesting simulated flow logs from its own Azurite into a loopback intake (scripts/run-functions-local.sh).
// bench: cold start per app folder (--app, repeatable: e.g. a ReadyToRun publish and a plain one) and one worker's throughput.
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

string verb = args.Length > 0 ? args[0] : "";
var arguments = new Arguments(args.Skip(1));
return verb switch
{
    "run" => await LocalRun.RunAsync(arguments, stop.Token),
    "bench" => await Benchmark.RunAsync(arguments, stop.Token),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: FlowLogs.WorkerHost run [--app <dir>] [--nics 2] [--minutes 3] [--interval 1s]");
    Console.Error.WriteLine("       FlowLogs.WorkerHost bench [--app <dir>]... [--runs 5] [--blobs 20] [--minutes 10] [--tuples 40] [--concurrency 8]");
    return 2;
}
