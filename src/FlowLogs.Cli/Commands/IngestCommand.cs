using System.CommandLine;
using System.Globalization;
using FlowLogs.Hosting;
using FlowLogs.Replay;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FlowLogs.Cli.Commands;

/// <summary>
/// <c>flowlogs ingest</c>: the Functions app's engine as a command, for local runs, backfills and hosts outside
/// Functions. Each round runs the replay over its window (or <c>--since</c>..<c>--until</c>), which reads every blob
/// behind its checkpoint through the same processor as the blob trigger; several replicas may run at once.
/// </summary>
public static class IngestCommand
{
    // Rounds that --once waits for blobs other processes hold before it says so and stops.
    private const int MaxHeldRounds = 3;

    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        Option<string[]> storage = FlowLogStorageOption.Create("Connection string of a flow-log storage account (checkpoints and dead letters go to the first unless --state-storage is given).", required: true);
        Option<string?> stateStorage = FlowLogStorageOption.CreateState("The app's account for checkpoints, replay state and dead letters: a connection string or its blob endpoint.");
        Option<string> sink = SinkOption.Create("ndjson", "ndjson (a local file), stdout, or sekoia (settings from FlowLogs__Sekoia__* environment variables).");
        Option<string> output = SinkOption.Output("flowlogs-events.ndjson");
        Option<string> payload = SinkOption.Payload();
        var once = new Option<bool>("--once") { Description = "Run one round and exit." };
        Option<TimeSpan> interval = TimeOption.Duration("--interval", "Time between rounds when running continuously.", TimeSpan.FromSeconds(10));
        Option<DateTimeOffset?> since = TimeOption.Time("--since", "First hour to read: a UTC time (2026-11-23T10:00Z) or an age (6h); default: the replay window.");
        Option<DateTimeOffset?> until = TimeOption.Time("--until", "Last hour to read: a UTC time or an age; default: now.");
        Option<TimeSpan> progressEvery = TimeOption.Duration("--progress-interval", "With --since, how often a progress line is written when stderr is not a terminal.", TimeSpan.FromSeconds(10));

        var command = new Command("ingest", "Read every flow-log blob behind its checkpoint and deliver its events, once or continuously.")
        {
            storage, stateStorage, sink, output, payload, once, interval, since, until, progressEvery,
        };
        CommandErrors.SetAction(command, async (result, cancellationToken) =>
        {
            TextWriter stderr = result.InvocationConfiguration.Error;
            DateTimeOffset? from = result.GetValue(since);
            DateTimeOffset? to = result.GetValue(until);
            var settings = new Dictionary<string, string?>
            {
                // No triggers read the blobs here: every round reads whatever is behind, however recently checkpointed.
                ["FlowLogs:Replay:TriggerGrace"] = "00:00:00",
            };
            SinkOption.AddTo(settings, result.GetValue(sink), result.GetValue(output), result.GetValue(payload));
            FlowLogStorageOption.AddTo(settings, result.GetValue(storage), result.GetValue(stateStorage));
            // A backfill shows its progress: in place on a terminal, plain periodic lines when redirected.
            BackfillProgress? progress = from is null ? null : new BackfillProgress(stderr, Terminal.IsStderr(stderr), result.GetValue(progressEvery), TimeProvider.System);
            return await RunAsync(settings, from, to, result.GetValue(once), result.GetValue(interval), progress, stderr, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> RunAsync(Dictionary<string, string?> settings, DateTimeOffset? from, DateTimeOffset? to, bool once, TimeSpan interval, BackfillProgress? progress, TextWriter stderr, CancellationToken cancellationToken)
    {
        using IHost host = CliHost.Build(settings, (services, configuration) => services.AddFlowLogPipeline(configuration));
        await host.StartAsync(cancellationToken).ConfigureAwait(false);
        MissedHourReplay replay = host.Services.GetRequiredService<MissedHourReplay>();
        long events = 0;
        long bytes = 0;
        int rounds = 0;
        int lastFailed = 0;
        int lastHeld = 0;
        int heldRounds = 0;
        int hoursLeft = 0;
        int hoursSkipped = 0;
        DateTimeOffset? resumedFrom = null;
        try
        {
            while (true)
            {
                ReplayReport report = await replay.RunAsync(from, to, progress, cancellationToken).ConfigureAwait(false);
                progress?.Complete();
                rounds++;
                events += report.EventsCaughtUp;
                bytes += report.BytesCaughtUp;
                lastFailed = report.BlobsFailed;
                lastHeld = report.BlobsHeld;
                hoursLeft = report.HoursLeft;
                hoursSkipped += report.HoursBeyondLookback;
                await stderr.WriteLineAsync(string.Create(
                    CultureInfo.InvariantCulture,
                    $"flowlogs ingest: round {rounds}: {report.BlobsChecked} blobs checked, {report.BlobsBehind} behind, {report.EventsCaughtUp} events and {report.BytesCaughtUp} bytes caught up, oldest unread byte {report.OldestUnreadAge.TotalSeconds:F0} s old, {report.BlobsFailed} failed, {report.BlobsHeld} held by other readers, {report.HoursLeft} hours left")).ConfigureAwait(false);

                // A backlog larger than one round's listing budget goes on at once, for as long as rounds make progress.
                if (report.HoursLeft > 0 && report.BlobsFailed == 0 && report.ResumeFrom != resumedFrom)
                {
                    resumedFrom = report.ResumeFrom;
                    continue;
                }

                // No trigger reads what another process holds: once, wait for its claim (a reader that died lets it
                // lapse within the claim duration) and look again, a few times at most.
                if (once && report.BlobsHeld > 0 && heldRounds++ < MaxHeldRounds)
                {
                    TimeSpan wait = report.HeldFor + TimeSpan.FromSeconds(1);
                    await stderr.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"flowlogs ingest: {report.BlobsHeld} blobs are held by other readers; looking again in {wait.TotalSeconds:F0} s, when their claims lapse")).ConfigureAwait(false);
                    await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                if (once)
                {
                    break;
                }

                await Task.Delay(interval, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C: whatever was acknowledged is checkpointed; the rest is read next time.
        }

        await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await stderr.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"flowlogs ingest: {rounds} rounds, {events} events delivered, {bytes} bytes read")).ConfigureAwait(false);
        // Blobs not delivered or still held by others, hours not reached, hours older than the look-back: not everything is in.
        return lastFailed > 0 || lastHeld > 0 || hoursLeft > 0 || hoursSkipped > 0 ? ExitCodes.Incomplete : ExitCodes.Success;
    }
}
