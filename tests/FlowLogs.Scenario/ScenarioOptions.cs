using System.Globalization;

namespace FlowLogs.Scenario;

/// <summary>Size and faults of a scenario run.</summary>
public sealed class ScenarioOptions
{
    public int Nics { get; set; } = 6;

    public int Minutes { get; set; } = 12;

    public int Workers { get; set; } = 4;

    /// <summary>Flow-log accounts (1 or 2): NICs are spread over them, one app reads both.</summary>
    public int Accounts { get; set; } = 2;

    public int TuplesPerRecord { get; set; } = 20;

    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan KillEvery { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Share of intake requests answered with a fault.</summary>
    public double IntakeFaultRate { get; set; } = 0.15;

    /// <summary>
    /// Share of intake requests acknowledged only after longer than a processor's claim lasts: the holder must keep its
    /// claim by renewal, or another process reads the blob at the same time.
    /// </summary>
    public double SlowAcknowledgementRate { get; set; } = 0.03;

    /// <summary>
    /// Before the run, the app is down for ten hours: the replay last completed then, and Azure wrote into hours 9, 7
    /// and 5 hours ago, which no trigger announced and the replay's window (3 hours) does not cover.
    /// </summary>
    public bool Outage { get; set; } = true;

    /// <summary>Write a bad block into one blob every this many appends (0: never).</summary>
    public int BadBlockEvery { get; set; } = 25;

    public bool RestartAzurite { get; set; } = true;

    /// <summary>Rewrite one blob (same bytes, new block ids) three quarters of the way through.</summary>
    public bool RewriteBlob { get; set; } = true;

    /// <summary>
    /// Instance clocks off the storage service's by this many minutes: a replay round made this far ahead while Azure
    /// still writes the current hour, the last rounds this far behind and right in turn, and (where libfaketime is
    /// installed) the processor processes ahead, behind and right in turn. 0: every clock right.
    /// </summary>
    public int SkewMinutes { get; set; } = 70;

    /// <summary>
    /// Writes Azure makes late, none announced: the second half of a record split across two commits, a blob created for
    /// an hour the replay may already have found complete, more commits to the current hour.
    /// </summary>
    public bool LateWrites { get; set; } = true;

    /// <summary>
    /// Every request of the app's processes and replays goes through a proxy that answers like Azure Storage past its
    /// targets (503 Server Busy, 500 Operation Timed Out) above this many requests a second per account (0: no proxy),
    /// until the processors have drained the triggers; then the limits are lifted and the replay catches up.
    /// </summary>
    public double ThrottleAccountPerSecond { get; set; } = 10;

    /// <summary>With the proxy, the limit per table partition, requests a second.</summary>
    public double ThrottlePartitionPerSecond { get; set; } = 4;

    /// <summary>A load run: no faults, no pauses between minutes; the figure is sustained events per second end to end.</summary>
    public bool Load { get; set; }

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
                case "--accounts": options.Accounts = Math.Clamp(int.Parse(value, CultureInfo.InvariantCulture), 1, 2); break;
                case "--tuples": options.TuplesPerRecord = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--interval-ms": options.Interval = TimeSpan.FromMilliseconds(int.Parse(value, CultureInfo.InvariantCulture)); break;
                case "--kill-every-ms": options.KillEvery = TimeSpan.FromMilliseconds(int.Parse(value, CultureInfo.InvariantCulture)); break;
                case "--fault-rate": options.IntakeFaultRate = double.Parse(value, CultureInfo.InvariantCulture); break;
                case "--restart-azurite": options.RestartAzurite = bool.Parse(value); break;
                case "--slow-ack-rate": options.SlowAcknowledgementRate = double.Parse(value, CultureInfo.InvariantCulture); break;
                case "--outage": options.Outage = bool.Parse(value); break;
                case "--skew-minutes": options.SkewMinutes = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--late-writes": options.LateWrites = bool.Parse(value); break;
                case "--throttle-account-rps": options.ThrottleAccountPerSecond = double.Parse(value, CultureInfo.InvariantCulture); break;
                case "--throttle-partition-rps": options.ThrottlePartitionPerSecond = double.Parse(value, CultureInfo.InvariantCulture); break;
                case "--load":
                    if (bool.Parse(value))
                    {
                        options.Load = true;
                        options.IntakeFaultRate = 0;
                        options.SlowAcknowledgementRate = 0;
                        options.Outage = false;
                        options.KillEvery = TimeSpan.Zero;
                        options.RestartAzurite = false;
                        options.RewriteBlob = false;
                        options.BadBlockEvery = 0;
                        options.Interval = TimeSpan.Zero;
                        options.SkewMinutes = 0;
                        options.LateWrites = false;
                        options.ThrottleAccountPerSecond = 0;
                    }

                    break;
                case "--out": options.Output = value; break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }

        return options;
    }
}
