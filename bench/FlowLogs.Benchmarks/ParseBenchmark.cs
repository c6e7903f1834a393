using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using FlowLogs.Ecs;
using FlowLogs.Parsing;

namespace FlowLogs.Benchmarks;

/// <summary>Parse + full ECS serialization into a reusable buffer, streaming from a file, on one core.</summary>
internal static class ParseBenchmark
{
    private const int OutputBufferBytes = 4 * 1024 * 1024;

    public static async Task<int> RunAsync(BenchmarkArguments options)
    {
        string vnet = InputFiles.Ensure(FlowLogKind.VirtualNetwork, options.SizeMegabytes, options.Directory);
        string nsg = InputFiles.Ensure(FlowLogKind.NetworkSecurityGroup, options.SizeMegabytes, options.Directory);

        // One core, as the targets are stated: the last one, which takes fewer device interrupts than CPU 0 on the 2-core VM the figures were measured on.
        // The GC stays workstation, non-concurrent (see the csproj).
        if (OperatingSystem.IsLinux() || OperatingSystem.IsWindows())
        {
            using Process self = Process.GetCurrentProcess();
            self.ProcessorAffinity = (nint)(1L << (Environment.ProcessorCount - 1));
        }

        Console.WriteLine($"parse + {options.Payload} serialization, one core, {Environment.ProcessorCount} logical CPUs visible, .NET {Environment.Version}, GC {(GCSettings.IsServerGC ? "server" : "workstation")}");
        Console.WriteLine("kind  run        MB  events        seconds  events/s     MB/s   alloc B/event  output MB");
        foreach ((string name, string path) in new[] { ("vnet", vnet), ("nsg", nsg) })
        {
            for (int i = 0; i <= options.Iterations; i++)
            {
                Result r = await MeasureAsync(path, options.Payload).ConfigureAwait(false);
                string run = i == 0 ? "warm-up" : i.ToString(CultureInfo.InvariantCulture);
                Console.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{name,-5} {run,-8} {r.InputBytes / 1048576.0,6:F0}  {r.Events,12:N0}  {r.Seconds,7:F2}  {r.Events / r.Seconds,10:N0}  {r.InputBytes / 1048576.0 / r.Seconds,6:F0}  {(double)r.AllocatedBytes / r.Events,13:F2}  {r.OutputBytes / 1048576.0,9:F0}"));
                if (r.Skipped != 0)
                {
                    Console.WriteLine($"unexpected: {r.Skipped} items skipped");
                    return 1;
                }
            }
        }

        using Process process = Process.GetCurrentProcess();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"peak working set: {process.PeakWorkingSet64 / 1048576.0:F0} MB (input {options.SizeMegabytes} MB per file)"));
        return 0;
    }

    private static async Task<Result> MeasureAsync(string path, string payload)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var stopwatch = Stopwatch.StartNew();

        long events = 0;
        long output = 0;
        var buffer = new ArrayBufferWriter<byte>(OutputBufferBytes);
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        using var reader = new FlowLogReader(file, new FlowLogSource(Path.GetFileName(path)), options: new FlowLogReaderOptions { ReadSize = 1 << 20 });
        bool serialize = payload != "none";
        using var serializer = new FlowEventSerializer(payload == "raw" ? EventPayload.Raw : EventPayload.Ecs);
        while (await reader.ReadAsync().ConfigureAwait(false))
        {
            FlowRecord record = reader.Current;
            if (!serialize)
            {
                events += record.Tuples.Length;
                continue;
            }

            foreach (ref readonly FlowTuple tuple in record.Tuples)
            {
                serializer.Write(buffer, record, tuple);
                events++;
                if (buffer.WrittenCount > OutputBufferBytes - (64 * 1024))
                {
                    output += buffer.WrittenCount;
                    buffer.ResetWrittenCount();
                }
            }
        }

        output += buffer.WrittenCount;
        stopwatch.Stop();
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        return new Result(reader.Counts.Bytes, events, stopwatch.Elapsed.TotalSeconds, allocated, output, reader.Counts.Skipped);
    }

    private readonly record struct Result(long InputBytes, long Events, double Seconds, long AllocatedBytes, long OutputBytes, long Skipped);
}
