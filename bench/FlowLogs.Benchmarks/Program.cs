using System.Diagnostics;
using System.Globalization;
using FlowLogs.Benchmarks;

// The benchmark program: figures are printed here, never asserted in timed tests.
//   parse [--size-mb N] [--iterations N] [--dir D]   parse + full ECS serialization on one core
//   generate --kind vnet|nsg --size-mb N --path P      writes a deterministic PT1H.json (run as a child by parse)
//   delta [--nics N] [--minutes M] [--catch-up-mb N]   the block-delta reader against Azurite
//   sink [--iterations N]                              Sekoia sink: cost per event in process, then throughput to the loopback intake
string command = args.Length > 0 ? args[0] : "parse";
var options = BenchmarkArguments.Parse(args.Skip(1));
return command switch
{
    "parse" => await ParseBenchmark.RunAsync(options),
    "generate" => InputFiles.Generate(options),
    "delta" => await DeltaBenchmark.RunAsync(options),
    "delta-catchup" => await DeltaBenchmark.CatchUpChildAsync(options),
    "sink" => await SinkBenchmark.RunAsync(options),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: FlowLogs.Benchmarks parse [--size-mb 100] [--iterations 3] [--dir /tmp/flowlogs-bench] [--payload ecs|raw|none]");
    Console.Error.WriteLine("       FlowLogs.Benchmarks delta [--nics 25] [--minutes 10] [--catch-up-mb 500]");
    Console.Error.WriteLine("       FlowLogs.Benchmarks sink [--iterations 3]");
    return 2;
}
