using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Queues;
using FlowLogs.BlobSource;
using FlowLogs.Checkpoints;
using FlowLogs.Clock;
using FlowLogs.DeadLetters;
using FlowLogs.Parsing;
using FlowLogs.Processing;
using FlowLogs.Replay;
using FlowLogs.Simulation;
using FlowLogs.Sinks;
using FlowLogs.Sinks.Sekoia;
using FlowLogs.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FlowLogs.Scenario;

/// <summary>
/// Azurite (restarted midway), the simulator writing N NICs × M minutes of both kinds (with bad blocks), triggers
/// queued 1 to 3 times in random order, K processor processes killed with SIGKILL at random moments, a loopback intake
/// failing some requests, then the replay; and an audit of what was written against what the intake received.
/// Kept out of the product: it is the harness that proves the product's promise.
/// </summary>
public static class ScenarioRunner
{
    /// <summary>How long a processor's claim lasts: shorter than the slow acknowledgements, so only renewal keeps it.</summary>
    public static readonly TimeSpan ClaimDuration = TimeSpan.FromSeconds(8);

    /// <summary>An hour is complete once over and quiet this long (minutes in the app): short, so a run sees hours complete and rechecked.</summary>
    public static readonly TimeSpan CompletionGrace = TimeSpan.FromSeconds(10);

    /// <summary>A complete hour is listed once more this long after (an hour in the app).</summary>
    public static readonly TimeSpan RecheckAfter = TimeSpan.FromSeconds(20);

    private const string Key = "scenario-intake-key";
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static async Task<Audit> RunAsync(ScenarioOptions o, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(o);
        ArgumentNullException.ThrowIfNull(output);
        string id = Guid.NewGuid().ToString("N")[..8];
        string directory = Directory.CreateTempSubdirectory("flowlogs-scenario-").FullName;
        int[] ports = FreePorts(3);
        await using AzuriteServer azurite = await AzuriteServer.StartAsync(Path.Combine(directory, "azurite"), ports[0], ports[1], ports[2]).ConfigureAwait(false);
        await using LoopbackIntake intake = await LoopbackIntake.StartAsync(Key).ConfigureAwait(false);
        var faultRandom = new Random(7);
        IntakeFault[] faults = [IntakeFault.ServerError, IntakeFault.Unavailable, IntakeFault.TooManyRequests, IntakeFault.Slow, IntakeFault.Reset];
        intake.SlowDelay = TimeSpan.FromSeconds(3);
        intake.SlowAcknowledgementDelay = ClaimDuration + TimeSpan.FromSeconds(4);
        intake.Faults = number =>
        {
            // One slow acknowledgement early whatever the draws: a loaded machine makes fewer, larger requests, and
            // the fault must still be met.
            if (number == 3 && o.SlowAcknowledgementRate > 0)
            {
                return IntakeFault.SlowAcknowledgement;
            }

            lock (faultRandom)
            {
                double draw = faultRandom.NextDouble();
                return draw < o.IntakeFaultRate ? faults[faultRandom.Next(faults.Length)]
                    : draw < o.IntakeFaultRate + o.SlowAcknowledgementRate ? IntakeFault.SlowAcknowledgement
                    : IntakeFault.None;
            }
        };

        // Azure's own writes (the simulator, Event Grid's queue messages) go to Azurite; the app's reads and writes, with
        // a throttle, through a proxy that answers as Azure Storage does past its targets.
        await using ThrottlingProxy? proxy = o.ThrottleAccountPerSecond > 0
            ? await ThrottlingProxy.StartAsync(azurite, new ThrottleLimits(o.ThrottleAccountPerSecond, o.ThrottlePartitionPerSecond)).ConfigureAwait(false)
            : null;
        string cs = azurite.ConnectionString;
        string[] accounts = [.. new[] { AzuriteServer.Account, AzuriteServer.SecondAccount }.Take(o.Accounts)];
        string[] flowLogStorage = [.. accounts.Select(azurite.ConnectionStringOf)];
        string appStorage = proxy?.ConnectionStringOf(AzuriteServer.Account) ?? cs;
        string[] appReads = [.. accounts.Select(a => proxy?.ConnectionStringOf(a) ?? azurite.ConnectionStringOf(a))];
        string table = $"scenariocp{id}";
        string deadLetters = $"scenario-dl-{id}";
        string queueName = $"triggers-{id}";
        var blobs = new BlobServiceClient(cs);
        await new TableCheckpointStore(new TableClient(cs, table)).CreateIfNotExistsAsync(CancellationToken.None).ConfigureAwait(false);
        await blobs.GetBlobContainerClient(deadLetters).CreateIfNotExistsAsync().ConfigureAwait(false);
        var queue = new QueueClient(cs, queueName);
        await queue.CreateIfNotExistsAsync().ConfigureAwait(false);

        var stopwatch = Stopwatch.StartNew();
        var workers = new Workers(appReads, intake.BaseUrl, queueName, table, deadLetters, o.SkewMinutes);

        // A load run writes the backlog first, then measures how fast the processors drain it.
        if (!o.Load)
        {
            for (int i = 0; i < o.Workers; i++)
            {
                workers.Start();
            }
        }

        // The killer: SIGKILL a random processor now and then, and start another in its place.
        using var writing = new CancellationTokenSource();
        var killRandom = new Random(11);
        Task killer = Task.Run(async () =>
        {
            while (!writing.IsCancellationRequested && o.KillEvery > TimeSpan.Zero)
            {
                await Task.Delay(o.KillEvery, CancellationToken.None).ConfigureAwait(false);
                if (!writing.IsCancellationRequested)
                {
                    workers.KillOne(killRandom);
                    workers.Start();
                }
            }
        });

        // One simulator per account; NIC i writes into account i mod the number of accounts.
        FlowLogSimulator[] simulators = [.. flowLogStorage.Select((storage, i) => new FlowLogSimulator(new BlobServiceClient(storage), seed: 13 + i, tuplesPerRecord: o.TuplesPerRecord))];
        FlowLogSimulator SimulatorOf(SimulatedNic nic) => simulators[nic.Index % simulators.Length];
        long TuplesWritten() => simulators.Sum(s => s.TuplesWritten);
        var committed = new ConcurrentDictionary<(string Blob, long Offset), DateTimeOffset>();
        var random = new Random(17);
        int appends = 0;
        int badBlocks = 0;
        int restarts = 0;
        int rewrites = 0;
        FlowLogBlob? anyBlob = null;
        DateTimeOffset now = DateTimeOffset.UtcNow;
        var firstHour = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero);
        SimulatedNic[] nics = [.. Enumerable.Range(0, o.Nics).Select(i => new SimulatedNic(i))];
        string replayTable = table + "replay";
        var replayState = new TableReplayStateStore(new TableClient(cs, replayTable));
        await replayState.CreateIfNotExistsAsync(CancellationToken.None).ConfigureAwait(false);
        long outageTuples = 0;
        if (o.Outage)
        {
            // The replay last completed ten hours ago; since then the app was down and nothing announced these hours.
            await replayState.SaveRunStateAsync(new ReplayRunState(now.AddHours(-10), firstHour.AddHours(-10)), CancellationToken.None).ConfigureAwait(false);
            foreach (int hoursAgo in new[] { 9, 7, 5 })
            {
                foreach (SimulatedNic nic in nics)
                {
                    for (int minute = 0; minute < 3; minute++)
                    {
                        // Not timed for the lag figures: these wait for the replay by design.
                        await SimulatorOf(nic).AppendMinuteAsync(FlowLogKind.VirtualNetwork, nic, firstHour.AddHours(-hoursAgo).AddMinutes(minute), CancellationToken.None).ConfigureAwait(false);
                    }
                }
            }

            outageTuples = TuplesWritten();
            output.WriteLine($"[{stopwatch.Elapsed:mm\\:ss}] outage: {outageTuples} tuples written into hours 9, 7 and 5 hours ago, no trigger");
        }

        for (int minute = 0; minute < o.Minutes; minute++)
        {
            if (o.RestartAzurite && minute == o.Minutes / 2)
            {
                output.WriteLine($"[{stopwatch.Elapsed:mm\\:ss}] restarting Azurite");
                await azurite.RestartAsync().ConfigureAwait(false);
                restarts++;
            }

            if (o.RewriteBlob && minute == o.Minutes * 3 / 4 && anyBlob is not null)
            {
                output.WriteLine($"[{stopwatch.Elapsed:mm\\:ss}] rewriting {anyBlob.Name[..40]}…");
                await simulators[Array.IndexOf(accounts, anyBlob.Account)].RewriteAsync(anyBlob, CancellationToken.None).ConfigureAwait(false);
                await queue.SendMessageAsync(anyBlob.FullName).ConfigureAwait(false);
                rewrites++;
            }

            foreach (SimulatedNic nic in nics)
            {
                foreach (FlowLogKind kind in new[] { FlowLogKind.VirtualNetwork, FlowLogKind.NetworkSecurityGroup })
                {
                    FlowLogSimulator simulator = SimulatorOf(nic);
                    FlowLogBlob blob = await simulator.AppendMinuteAsync(kind, nic, firstHour.AddMinutes(minute % 60), CancellationToken.None).ConfigureAwait(false);
                    committed[(blob.FullName, simulator.LastRecordOffset)] = DateTimeOffset.UtcNow;
                    anyBlob ??= blob;
                    if (o.BadBlockEvery > 0 && ++appends % o.BadBlockEvery == 0)
                    {
                        await simulator.AppendRawBlockAsync(blob, ",{\"time\":\"2026-11-23T10:00:00Z\",\"flowRecords\":{\"flows\":[{\"aclID\":\"x\",\"flowGroups\":[{\"rule\":\"r\",\"flowTuples\":[\"not,a,tuple\"]}]}]}}"u8.ToArray(), CancellationToken.None).ConfigureAwait(false);
                        badBlocks++;
                    }

                    // Event Grid: at least once, in any order.
                    int copies = random.Next(1, 4);
                    for (int c = 0; c < copies; c++)
                    {
                        await queue.SendMessageAsync(blob.FullName, TimeSpan.FromMilliseconds(random.Next(0, 2000))).ConfigureAwait(false);
                    }
                }
            }

            output.WriteLine($"[{stopwatch.Elapsed:mm\\:ss}] minute {minute + 1}/{o.Minutes}: {TuplesWritten()} tuples written in {accounts.Length} accounts, {workers.Kills} processors killed");
            if (o.Interval > TimeSpan.Zero)
            {
                await Task.Delay(o.Interval).ConfigureAwait(false);
            }
        }

        DateTimeOffset drainStart = DateTimeOffset.UtcNow;
        if (o.Load)
        {
            for (int i = 0; i < o.Workers; i++)
            {
                workers.Start();
            }
        }

        // A replay round made by an instance whose clock runs ahead, while Azure still writes the current hour: by its own
        // clock that hour is long over and quiet.
        var replays = new Replays(appStorage, appReads, intake.BaseUrl, table, replayTable, deadLetters);
        int splitRecords = 0;
        int lateBlobs = 0;
        if (o.SkewMinutes != 0)
        {
            ReplayReport ahead = await replays.RoundAsync(TimeSpan.FromMinutes(o.SkewMinutes)).ConfigureAwait(false);
            output.WriteLine($"[{stopwatch.Elapsed:mm\\:ss}] replay round with the clock {o.SkewMinutes} min ahead: {ahead.HoursCompleted} resource hours complete, skew measured {ahead.ClockSkew?.TotalMinutes:F1} min");
        }

        if (o.LateWrites)
        {
            // A record split across two commits: the first half announced, the second never.
            SimulatedNic nic = nics[0];
            (FlowLogBlob split, Func<CancellationToken, Task> rest) = await SimulatorOf(nic).AppendSplitMinuteAsync(FlowLogKind.VirtualNetwork, nic, firstHour.AddMinutes(o.Minutes % 60), CancellationToken.None).ConfigureAwait(false);
            await queue.SendMessageAsync(split.FullName).ConfigureAwait(false);
            await Task.Delay(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
            await rest(CancellationToken.None).ConfigureAwait(false);
            splitRecords++;

            // Azure late: a blob of a known resource for the hour before (found complete by the round above), created now
            // and never announced; and the current hour goes on being written without triggers.
            await SimulatorOf(nic).AppendMinuteAsync(FlowLogKind.VirtualNetwork, nic, firstHour.AddHours(-1).AddMinutes(59), CancellationToken.None).ConfigureAwait(false);
            await SimulatorOf(nic).AppendMinuteAsync(FlowLogKind.NetworkSecurityGroup, nic, firstHour.AddMinutes(o.Minutes % 60), CancellationToken.None).ConfigureAwait(false);
            lateBlobs++;
            output.WriteLine($"[{stopwatch.Elapsed:mm\\:ss}] late writes: a record split across two commits, a blob created late for an earlier hour, an unannounced commit");
        }

        // Let the processors drain the triggers, then stop killing and let the replay catch whatever is left.
        for (int i = 0; i < 120 && (await queue.GetPropertiesAsync().ConfigureAwait(false)).Value.ApproximateMessagesCount > 0; i++)
        {
            await Task.Delay(500).ConfigureAwait(false);
        }

        await writing.CancelAsync().ConfigureAwait(false);
        await killer.ConfigureAwait(false);
        workers.StopAll();
        // The load falls: the proxy serves everything, and the backlog it held up drains.
        if (proxy is not null)
        {
            output.WriteLine($"[{stopwatch.Elapsed:mm\\:ss}] storage throttled while Azure wrote and the processors drained the triggers: {proxy.Refused} of {proxy.Refused + proxy.Served} requests refused ({string.Join(", ", proxy.RefusedBy.Select(r => $"{r.Value} over the {r.Key} rate"))}); limits lifted");
            proxy.Limits = ThrottleLimits.None;
        }

        output.WriteLine($"[{stopwatch.Elapsed:mm\\:ss}] triggers drained; replay");
        (int rounds, ReplayReport last, int rechecked) = await replays.UntilDoneAsync(firstHour, TimeSpan.FromMinutes(o.SkewMinutes)).ConfigureAwait(false);
        foreach (string failure in replays.Failures.Distinct())
        {
            output.WriteLine($"[{stopwatch.Elapsed:mm\\:ss}] a replay run failed as a whole (the next one went on): {failure}");
        }

        output.WriteLine($"[{stopwatch.Elapsed:mm\\:ss}] replay: {rounds} rounds (clocks {-o.SkewMinutes} min and right, in turn), last found {last.BlobsBehind} behind, {last.BlobsHeld} held, {last.BlobsFailed} failed, resumes from {last.ResumeFrom:u}; {rechecked} resource hours rechecked");

        Audit audit = await AuditAsync(blobs, simulators, intake, deadLetters, committed, o.Load ? drainStart : null).ConfigureAwait(false);
        audit = audit with
        {
            ProcessorsKilled = workers.Kills,
            AzuriteRestarts = restarts,
            BlobsRewritten = rewrites,
            BadBlocksWritten = badBlocks,
            IntakeRequests = intake.Requests,
            IntakeFaults = intake.FaultsServed.Values.Sum(),
            SlowAcknowledgements = intake.FaultsServed.GetValueOrDefault(IntakeFault.SlowAcknowledgement),
            ClaimsTakenFromLiveHolders = workers.ClaimsTakenFromLiveHolders,
            OutageTuples = outageTuples,
            ClockSkewMinutes = o.SkewMinutes,
            WorkersWithSkewedClocks = workers.Skewed,
            SplitRecords = splitRecords,
            LateBlobs = lateBlobs,
            StorageRefused = proxy?.Refused ?? 0,
            Seconds = stopwatch.Elapsed.TotalSeconds,
        };
        audit.Print(output);
        if (o.Output is not null)
        {
            await File.WriteAllTextAsync(o.Output, JsonSerializer.Serialize(audit, Indented)).ConfigureAwait(false);
        }

        Directory.Delete(directory, recursive: true);
        return audit;
    }

    /// <summary>Replay runs as the timer makes them, each by an instance with a clock of its own.</summary>
    private sealed class Replays(string cs, string[] flowLogStorage, Uri intake, string table, string replayTable, string deadLetters)
    {
        /// <summary>Runs that failed as a whole, with why.</summary>
        public ConcurrentBag<string> Failures { get; } = [];

        /// <summary>One run by an instance whose clock is <paramref name="skew"/> off the machine's.</summary>
        public async Task<ReplayReport> RoundAsync(TimeSpan skew)
        {
            StorageClock clock = ScenarioServices.Clock(skew);
            var blobs = new BlobServiceClient(cs);
            await using ServiceProvider provider = ScenarioServices.Build(intake, Key, blobs.GetBlobContainerClient(deadLetters), logToConsole: false);
            var store = new TableCheckpointStore(ScenarioServices.Table(cs, table, clock));
            var processor = new BlobProcessor(
                ScenarioServices.Accounts(flowLogStorage, clock),
                new BlobClaims(store, clock, NullLogger<BlobClaims>.Instance),
                provider.GetRequiredService<IEventSink>(),
                provider.GetRequiredService<IDeadLetterStore>(),
                Options.Create(new BlobProcessorOptions { ClaimDuration = ClaimDuration, CompletionGrace = CompletionGrace }),
                NullLogger<BlobProcessor>.Instance,
                clock);

            // The processors are stopped or few: the replay reads whatever is behind, however recently it was checkpointed.
            var options = new ReplayOptions { TriggerGrace = TimeSpan.Zero, CompletionGrace = CompletionGrace, RecheckAfter = RecheckAfter, DiscoveryInterval = TimeSpan.Zero };
            var state = new TableReplayStateStore(ScenarioServices.Table(cs, replayTable, clock));
            var replay = new MissedHourReplay(ScenarioServices.Accounts(flowLogStorage, clock), state, store, processor, Options.Create(options), clock, NullLogger<MissedHourReplay>.Instance);
            try
            {
                return await replay.RunAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Azure.RequestFailedException ex)
            {
                // A run the storage failed past its retries (Azurite restarting): the timer's next run goes on, as here.
                Failures.Add(ex.Message.Split('\n')[0]);
                return new ReplayReport { BlobsFailed = 1 };
            }
        }

        /// <summary>
        /// Runs until every hour before <paramref name="current"/> is done (complete and rechecked) and nothing is behind:
        /// claims of killed processors lapse after the claim duration, and until then their blobs are left to them.
        /// </summary>
        public async Task<(int Rounds, ReplayReport Last, int Rechecked)> UntilDoneAsync(DateTimeOffset current, TimeSpan skew)
        {
            ReplayReport report = null!;
            int rechecked = 0;
            for (int round = 1; round <= 60; round++)
            {
                report = await RoundAsync(round % 2 == 1 ? -skew : TimeSpan.Zero).ConfigureAwait(false);
                rechecked += report.HoursRechecked;
                if (report.BlobsBehind == 0 && report.BlobsLeftToTriggers == 0 && report.BlobsHeld == 0 && report.BlobsFailed == 0 && report.ResumeFrom >= current)
                {
                    return (round, report, rechecked);
                }

                await Task.Delay(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
            }

            return (60, report, rechecked);
        }
    }

    private static async Task<Audit> AuditAsync(BlobServiceClient blobs, FlowLogSimulator[] simulators, LoopbackIntake intake, string deadLetters, ConcurrentDictionary<(string Blob, long Offset), DateTimeOffset> committed, DateTimeOffset? measureFrom)
    {
        // What should have arrived: every valid tuple of every blob of every account as it is now, by event id.
        var expected = new Dictionary<string, (string Blob, long Offset)>();
        byte[] idBuffer = new byte[Ecs.EventId.Length];
        foreach ((FlowLogSimulator simulator, string name) in simulators.SelectMany(s => s.TuplesPerBlob.Keys.Select(name => (s, name))))
        {
            FlowLogBlob blob = FlowLogBlob.TryParse(name, out FlowLogBlob? parsed) ? parsed : throw new FormatException(name);
            BinaryData content = (await simulator.Service.GetBlobContainerClient(blob.Container).GetBlobClient(blob.Name).DownloadContentAsync().ConfigureAwait(false)).Value.Content;
            using var reader = new FlowLogReader(content.ToMemory(), new FlowLogSource(blob.Path));
            while (reader.Read())
            {
                foreach (FlowTuple tuple in reader.Current.Tuples)
                {
                    int length = Ecs.EventId.Write(reader.Current, tuple, idBuffer);
                    expected[System.Text.Encoding.ASCII.GetString(idBuffer, 0, length)] = (name, reader.Current.Offset);
                }
            }
        }

        // What did arrive, with when each id first did.
        var first = new Dictionary<string, DateTimeOffset>();
        int received = 0;
        foreach ((DateTimeOffset at, string json) in intake.TimedEvents)
        {
            received++;
            using JsonDocument document = JsonDocument.Parse(json);
            string eventId = document.RootElement.GetProperty("event").GetProperty("id").GetString()!;
            if (!first.TryGetValue(eventId, out DateTimeOffset seen) || at < seen)
            {
                first[eventId] = at;
            }
        }

        var lags = new List<double>();
        foreach ((string eventId, (string blob, long offset)) in expected)
        {
            if (first.TryGetValue(eventId, out DateTimeOffset at) && committed.TryGetValue((blob, offset), out DateTimeOffset commit))
            {
                lags.Add((at - commit).TotalSeconds);
            }
        }

        lags.Sort();
        DateTimeOffset firstCommit = measureFrom ?? committed.Values.DefaultIfEmpty(DateTimeOffset.UtcNow).Min();
        DateTimeOffset lastArrival = first.Values.DefaultIfEmpty(firstCommit).Max();
        var letters = new List<string>();
        await foreach (BlobItem item in blobs.GetBlobContainerClient(deadLetters).GetBlobsAsync().ConfigureAwait(false))
        {
            using JsonDocument letter = JsonDocument.Parse((await blobs.GetBlobContainerClient(deadLetters).GetBlobClient(item.Name).DownloadContentAsync().ConfigureAwait(false)).Value.Content.ToMemory());
            if (!letter.RootElement.TryGetProperty("items", out JsonElement items))
            {
                // An event the sink could not send.
                letters.Add($"{letter.RootElement.GetProperty("kind").GetString()}: {letter.RootElement.GetProperty("reason").GetString()}");
                continue;
            }

            foreach (JsonElement issue in items.EnumerateArray())
            {
                letters.Add($"{issue.GetProperty("kind").GetString()}: {issue.GetProperty("reason").GetString()}");
            }
        }

        int unique = first.Count;
        return new Audit
        {
            TuplesWritten = simulators.Sum(s => s.TuplesWritten),
            Expected = expected.Count,
            Received = received,
            Unique = unique,
            Lost = expected.Keys.Count(k => !first.ContainsKey(k)),
            LostRecords = [.. expected.Where(e => !first.ContainsKey(e.Key)).Select(e => $"{e.Value.Blob} at byte {e.Value.Offset}").Distinct().Take(10)],
            Unexpected = first.Keys.Count(k => !expected.ContainsKey(k)),
            Duplicates = received - unique,
            DeadLettered = letters.Count,
            DeadLetterReasons = [.. letters.Distinct()],
            LagP50Seconds = Percentile(lags, 0.50),
            LagP99Seconds = Percentile(lags, 0.99),
            EventsPerSecond = unique / Math.Max((lastArrival - firstCommit).TotalSeconds, 0.001),
        };
    }

    private static double Percentile(List<double> sorted, double p) => sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];

    private static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        listeners.ForEach(l => l.Start());
        int[] ports = [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        listeners.ForEach(l => l.Stop());
        return ports;
    }

    /// <summary>The processor processes: started with this program's worker mode, killed with SIGKILL.</summary>
    private sealed class Workers(string[] storage, Uri intake, string queue, string table, string deadLetters, int skewMinutes)
    {
        private readonly List<Process> _running = [];
        private int _claimsTaken;
        private int _started;

        public int Kills { get; private set; }

        /// <summary>Processes started with a clock ahead or behind (libfaketime).</summary>
        public int Skewed { get; private set; }

        /// <summary>Warnings of live processes that found their claim taken by another (a delivery that outlived its claim).</summary>
        public int ClaimsTakenFromLiveHolders => Volatile.Read(ref _claimsTaken);

        public void Start()
        {
            var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardError = true, RedirectStandardOutput = true };
            if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
            {
                start.ArgumentList.Add(typeof(ScenarioRunner).Assembly.Location);
            }

            string[] second = storage.Length > 1 ? ["--second-storage", storage[1]] : [];
            foreach (string arg in new[] { "worker", "--storage", storage[0], "--intake", intake.AbsoluteUri, "--key", Key, "--queue", queue, "--table", table, "--deadletters", deadLetters }.Concat(second))
            {
                start.ArgumentList.Add(arg);
            }

            // Ahead, behind, right, in turn: where libfaketime is installed, each process's own clock is wrong on purpose.
            int skew = (_started++ % 3) switch { 0 => skewMinutes, 1 => -skewMinutes, _ => 0 };
            if (skew != 0 && ScenarioServices.FakeTime is { } fakeTime)
            {
                start.Environment["LD_PRELOAD"] = fakeTime;
                start.Environment["FAKETIME"] = skew > 0 ? $"+{skew}m" : $"{skew}m";
                start.Environment["DONT_FAKE_MONOTONIC"] = "1";
                Skewed++;
            }

            Process process = Process.Start(start)!;
            process.ErrorDataReceived += (_, _) => { };
            process.OutputDataReceived += (_, line) =>
            {
                if (line.Data is { } text && text.Contains("was lost (now held by", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref _claimsTaken);
                }
            };
            process.BeginErrorReadLine();
            process.BeginOutputReadLine();
            lock (_running)
            {
                _running.Add(process);
            }
        }

        public void KillOne(Random random)
        {
            Process victim;
            lock (_running)
            {
                if (_running.Count == 0)
                {
                    return;
                }

                victim = _running[random.Next(_running.Count)];
                _running.Remove(victim);
            }

            victim.Kill(entireProcessTree: true);
            victim.WaitForExit();
            victim.Dispose();
            Kills++;
        }

        public void StopAll()
        {
            lock (_running)
            {
                foreach (Process process in _running)
                {
                    process.Kill(entireProcessTree: true);
                    process.WaitForExit();
                    process.Dispose();
                }

                _running.Clear();
            }
        }
    }
}
