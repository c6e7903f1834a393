using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using FlowLogs.Parsing;
using FlowLogs.Simulation;

namespace FlowLogs.Benchmarks;

/// <summary>Deterministic benchmark inputs, generated once per size and kept in the benchmark directory.</summary>
internal static class InputFiles
{
    private const int TuplesPerRecord = 40;

    /// <summary>Returns the path of the input, generating it in a child process so the parse run's memory is its own.</summary>
    public static string Ensure(FlowLogKind kind, int sizeMegabytes, string directory)
    {
        System.IO.Directory.CreateDirectory(directory);
        string name = kind == FlowLogKind.VirtualNetwork ? "vnet" : "nsg";
        string path = Path.Combine(directory, string.Create(CultureInfo.InvariantCulture, $"{name}-{sizeMegabytes}MB.PT1H.json"));
        if (File.Exists(path))
        {
            return path;
        }

        Console.WriteLine($"generating {path} …");
        // Run as "dotnet FlowLogs.Benchmarks.dll" or as the apphost: start the child the same way.
        var start = new ProcessStartInfo(Environment.ProcessPath!);
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
        {
            start.ArgumentList.Add(typeof(InputFiles).Assembly.Location);
        }

        foreach (string argument in new[] { "generate", "--kind", name, "--size-mb", sizeMegabytes.ToString(CultureInfo.InvariantCulture), "--path", path + ".tmp" })
        {
            start.ArgumentList.Add(argument);
        }

        using Process child = Process.Start(start)!;
        child.WaitForExit();
        if (child.ExitCode != 0)
        {
            throw new InvalidOperationException($"generating {path} failed with exit code {child.ExitCode}");
        }

        File.Move(path + ".tmp", path);
        return path;
    }

    /// <summary>The <c>generate</c> command: one PT1H.json-shaped file of NSG v2 or VNet records.</summary>
    public static int Generate(BenchmarkArguments options)
    {
        FlowLogKind kind = options.Kind == "nsg" ? FlowLogKind.NetworkSecurityGroup : FlowLogKind.VirtualNetwork;
        long target = (long)options.SizeMegabytes * 1024 * 1024;
        var generator = new FlowLogGenerator(seed: 20261123);
        var nic = new SimulatedNic(7);
        var hour = new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);

        using var file = new FileStream(options.Path!, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        file.Write("{\"records\":["u8);
        using var writer = new Utf8JsonWriter(file);
        for (int i = 0; file.Position < target; i++)
        {
            if (i > 0)
            {
                writer.Flush();
                file.WriteByte((byte)',');
            }

            writer.Reset(file);
            generator.WriteRecord(writer, kind, nic, hour.AddMinutes(i % 60), TuplesPerRecord);
            writer.Flush();
        }

        file.Write("]}"u8);
        Console.WriteLine($"wrote {file.Length:N0} bytes, {generator.TuplesWritten:N0} tuples");
        return 0;
    }
}
