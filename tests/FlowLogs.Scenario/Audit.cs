using System.Globalization;

namespace FlowLogs.Scenario;

/// <summary>What was written against what the intake received.</summary>
public sealed record Audit
{
    public long TuplesWritten { get; init; }

    public int Expected { get; init; }

    public int Received { get; init; }

    public int Unique { get; init; }

    public int Lost { get; init; }

    public int Unexpected { get; init; }

    public int Duplicates { get; init; }

    public int DeadLettered { get; init; }

    public IReadOnlyList<string> DeadLetterReasons { get; init; } = [];

    /// <summary>The first few records (blob and byte offset) whose tuples never arrived.</summary>
    public IReadOnlyList<string> LostRecords { get; init; } = [];

    public double LagP50Seconds { get; init; }

    public double LagP99Seconds { get; init; }

    public int ProcessorsKilled { get; init; }

    public int AzuriteRestarts { get; init; }

    public int BlobsRewritten { get; init; }

    /// <summary>Unique events over the time from the first commit (a load run: from the processors' start) to the last arrival.</summary>
    public double EventsPerSecond { get; init; }

    public int BadBlocksWritten { get; init; }

    public int IntakeRequests { get; init; }

    public int IntakeFaults { get; init; }

    /// <summary>Requests the intake acknowledged only after longer than a claim lasts.</summary>
    public int SlowAcknowledgements { get; init; }

    /// <summary>Times a live processor found its claim taken by another: a delivery that outlived its claim.</summary>
    public int ClaimsTakenFromLiveHolders { get; init; }

    /// <summary>Tuples written into past hours while the app was down (read only by the replay).</summary>
    public long OutageTuples { get; init; }

    /// <summary>How far the skewed instance clocks were off the storage service's.</summary>
    public int ClockSkewMinutes { get; init; }

    /// <summary>Processor processes run with a clock ahead or behind (libfaketime).</summary>
    public int WorkersWithSkewedClocks { get; init; }

    /// <summary>Records split across two commits, the second never announced.</summary>
    public int SplitRecords { get; init; }

    /// <summary>Blobs created late for an earlier hour, never announced.</summary>
    public int LateBlobs { get; init; }

    /// <summary>Storage requests the throttling proxy refused (503, 500) until the triggers were drained.</summary>
    public long StorageRefused { get; init; }

    public double Seconds { get; init; }

    public void Print(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        IFormatProvider c = CultureInfo.InvariantCulture;
        output.WriteLine("audit                         value");
        output.WriteLine(string.Create(c, $"tuples written                {TuplesWritten,10}"));
        output.WriteLine(string.Create(c, $"events expected (valid)       {Expected,10}"));
        output.WriteLine(string.Create(c, $"events received               {Received,10}"));
        output.WriteLine(string.Create(c, $"unique by event.id            {Unique,10}"));
        output.WriteLine(string.Create(c, $"lost                          {Lost,10}"));
        output.WriteLine(string.Create(c, $"unexpected ids                {Unexpected,10}"));
        output.WriteLine(string.Create(c, $"duplicates                    {Duplicates,10} ({(Unique == 0 ? 0 : 100.0 * Duplicates / Unique):F2}%)"));
        output.WriteLine(string.Create(c, $"dead-lettered                 {DeadLettered,10} (bad blocks written: {BadBlocksWritten})"));
        output.WriteLine(string.Create(c, $"delivery lag p50 / p99        {LagP50Seconds,6:F1} s / {LagP99Seconds:F1} s"));
        output.WriteLine(string.Create(c, $"processors killed (SIGKILL)   {ProcessorsKilled,10}"));
        output.WriteLine(string.Create(c, $"Azurite restarts              {AzuriteRestarts,10}"));
        output.WriteLine(string.Create(c, $"blobs rewritten               {BlobsRewritten,10}"));
        output.WriteLine(string.Create(c, $"events/s, end to end          {EventsPerSecond,10:F0}"));
        output.WriteLine(string.Create(c, $"intake requests / faults      {IntakeRequests,6} / {IntakeFaults} ({SlowAcknowledgements} acknowledged after longer than a claim)"));
        output.WriteLine(string.Create(c, $"claims taken from live holders {ClaimsTakenFromLiveHolders,9}"));
        output.WriteLine(string.Create(c, $"tuples written in the outage  {OutageTuples,10} (hours 9, 7, 5 ago; window 3 hours)"));
        output.WriteLine(string.Create(c, $"clocks off the service's      {ClockSkewMinutes,7} min (a replay round ahead, rounds behind; {WorkersWithSkewedClocks} processors ahead or behind)"));
        output.WriteLine(string.Create(c, $"late writes                   {SplitRecords,10} split records, {LateBlobs} late blobs, none announced"));
        output.WriteLine(string.Create(c, $"storage requests refused      {StorageRefused,10} (503/500 past the proxy's rates, until the triggers were drained)"));
        output.WriteLine(string.Create(c, $"duration                      {Seconds,8:F0} s"));
        foreach (string reason in DeadLetterReasons)
        {
            output.WriteLine($"  dead letter: {reason}");
        }

        foreach (string record in LostRecords)
        {
            output.WriteLine($"  lost: {record}");
        }
    }
}
