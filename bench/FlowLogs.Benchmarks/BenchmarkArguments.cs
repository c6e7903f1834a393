using System.Globalization;

namespace FlowLogs.Benchmarks;

/// <summary>The few options of the benchmark program, as --name value pairs.</summary>
internal sealed class BenchmarkArguments
{
    public int SizeMegabytes { get; private set; } = 100;

    public int Iterations { get; private set; } = 3;

    public string Directory { get; private set; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "flowlogs-bench");

    public string? Kind { get; private set; }

    public string? Path { get; private set; }

    public string? Storage { get; private set; }

    public int Nics { get; private set; } = 25;

    public int Minutes { get; private set; } = 10;

    public int CatchUpMegabytes { get; private set; } = 500;

    /// <summary>ecs (the target), raw (the flattened record) or none (parse only, to see where time goes).</summary>
    public string Payload { get; private set; } = "ecs";

    public static BenchmarkArguments Parse(IEnumerable<string> args)
    {
        var result = new BenchmarkArguments();
        using IEnumerator<string> e = args.GetEnumerator();
        while (e.MoveNext())
        {
            string name = e.Current;
            if (!e.MoveNext())
            {
                throw new ArgumentException($"option {name} needs a value");
            }

            string value = e.Current;
            switch (name)
            {
                case "--size-mb":
                    result.SizeMegabytes = int.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "--iterations":
                    result.Iterations = int.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "--dir":
                    result.Directory = value;
                    break;
                case "--kind":
                    result.Kind = value;
                    break;
                case "--payload":
                    result.Payload = value;
                    break;
                case "--storage":
                    result.Storage = value;
                    break;
                case "--nics":
                    result.Nics = int.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "--minutes":
                    result.Minutes = int.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "--catch-up-mb":
                    result.CatchUpMegabytes = int.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "--path":
                    result.Path = value;
                    break;
                default:
                    throw new ArgumentException($"unknown option {name}");
            }
        }

        return result;
    }
}
