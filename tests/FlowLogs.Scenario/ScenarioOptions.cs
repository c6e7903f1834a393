using System.Globalization;

namespace FlowLogs.Scenario;

/// <summary>Size and faults of a scenario run.</summary>
public sealed class ScenarioOptions
{
    public int Nics { get; set; } = 6;

    public int Minutes { get; set; } = 12;

    public int Workers { get; set; } = 4;

    public int TuplesPerRecord { get; set; } = 20;

    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan KillEvery { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Share of intake requests answered with a fault.</summary>
    public double IntakeFaultRate { get; set; } = 0.15;

    /// <summary>Write a bad block into one blob every this many appends (0: never).</summary>
    public int BadBlockEvery { get; set; } = 25;

    public bool RestartAzurite { get; set; } = true;

    public string? Output { get; set; }

    public static ScenarioOptions Parse(string[] args)
    {
        var options = new ScenarioOptions();
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            string value = args[i + 1];
            switch (args[i])
            {
                case "--nics": options.Nics = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--minutes": options.Minutes = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--workers": options.Workers = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--tuples": options.TuplesPerRecord = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--interval-ms": options.Interval = TimeSpan.FromMilliseconds(int.Parse(value, CultureInfo.InvariantCulture)); break;
                case "--kill-every-ms": options.KillEvery = TimeSpan.FromMilliseconds(int.Parse(value, CultureInfo.InvariantCulture)); break;
                case "--fault-rate": options.IntakeFaultRate = double.Parse(value, CultureInfo.InvariantCulture); break;
                case "--restart-azurite": options.RestartAzurite = bool.Parse(value); break;
                case "--out": options.Output = value; break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }

        return options;
    }
}
