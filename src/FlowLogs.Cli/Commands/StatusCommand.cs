using System.CommandLine;
using FlowLogs.Cli.Status;
using FlowLogs.Hosting;
using FlowLogs.Inspection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FlowLogs.Cli.Commands;

/// <summary>
/// <c>flowlogs status</c>: where every flow-log resource stands, hour by hour, from the state the app keeps (checkpoints,
/// the replay's complete hours and last run), with a bounded number of hour listings for the hours not recorded
/// complete, and where the sink of the settings at hand (the environment's <c>FlowLogs__*</c>) sends each kind of flow
/// log. Read-only: it creates nothing, claims nothing, writes nothing.
/// </summary>
public static class StatusCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        Option<string[]> storage = FlowLogStorageOption.Create("Connection string of a flow-log storage account (used for the hour listings; the first is also the state account unless --state-storage is given). Default: the FlowLogStorage setting (and FlowLogs__Storage__FlowLogConnections) from the environment.", required: false);
        Option<string?> stateStorage = FlowLogStorageOption.CreateState("The app's account (checkpoints, replay state): a connection string or its blob endpoint. Default: the first --storage, else the AzureWebJobsStorage setting from the environment.");
        var json = new Option<bool>("--json") { Description = "Write JSON (every row) instead of the table." };
        Option<int> hours = new Option<int>("--hours") { Description = "Hours to look at, the current one included.", DefaultValueFactory = _ => 24 }
            .Takes(h => h is >= 1 and <= 24 * 31, "1 to 744");
        Option<int> rows = new Option<int>("--rows") { Description = "Rows the table shows at most, worst first.", DefaultValueFactory = _ => 40 }
            .Takes(r => r >= 1, "at least 1");
        Option<int> maxListings = new Option<int>("--max-listings") { Description = "Hour listings (one resource, one hour not recorded complete, oldest first) to find commits no checkpoint has seen; 0: read the state only.", DefaultValueFactory = _ => 200 }
            .Takes(n => n >= 0, "0 or more");
        Option<TimeSpan> maxLag = TimeOption.Duration("--max-lag", "A byte unread for longer than this makes the verdict failing.", TimeSpan.FromHours(1));
        var watch = new Option<bool>("--watch") { Description = "Refresh until interrupted (in place on a terminal)." };
        Option<TimeSpan> interval = TimeOption.Duration("--interval", "Time between refreshes with --watch.", TimeSpan.FromSeconds(5));
        Option<int> count = new Option<int>("--count") { Description = "With --watch, stop after this many refreshes (0: until interrupted).", DefaultValueFactory = _ => 0 }
            .Takes(n => n >= 0, "0 or more");

        var command = new Command("status", "Show where every flow-log resource stands, hour by hour, from the state the app keeps; read-only.")
        {
            storage, stateStorage, json, hours, rows, maxListings, maxLag, watch, interval, count,
        };
        CommandErrors.SetAction(command, async (result, cancellationToken) =>
        {
            var settings = new Dictionary<string, string?>();
            FlowLogStorageOption.AddTo(settings, result.GetValue(storage), result.GetValue(stateStorage));

            var options = new Options(
                result.GetValue(hours),
                result.GetValue(rows),
                result.GetValue(maxListings),
                new StatusThresholds(result.GetValue(maxLag), StatusThresholds.Default.ReplayStale),
                result.GetValue(json),
                result.GetValue(watch),
                result.GetValue(interval),
                result.GetValue(count));
            return await RunAsync(settings, options, result.InvocationConfiguration.Output, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> RunAsync(Dictionary<string, string?> settings, Options options, TextWriter stdout, CancellationToken cancellationToken)
    {
        // The host is built, never started: starting it would create the tables and the dead-letter container.
        IReadOnlyList<string> routes = [];
        using IHost host = CliHost.Build(settings, (services, configuration) =>
        {
            services.AddFlowLogPipeline(configuration);
            routes = FlowLogServiceCollectionExtensions.DescribeSinkRoutes(configuration);
        });
        bool terminal = Terminal.IsStdout(stdout);
        bool colour = Terminal.Colour(terminal);
        int exit = ExitCodes.Success;
        try
        {
            FlowLogStateReader reader = host.Services.GetRequiredService<FlowLogStateReader>();
            for (int refresh = 1; ; refresh++)
            {
                DateTimeOffset now = DateTimeOffset.UtcNow;
                FlowLogState state = await reader.ReadAsync(now.AddHours(-(options.Hours - 1)), now, options.MaxListings, cancellationToken).ConfigureAwait(false);
                StatusReport report = StatusBuilder.Build(state, options.Thresholds) with { Routes = routes };
                exit = report.Health switch
                {
                    Health.Healthy => ExitCodes.Success,
                    Health.Behind => ExitCodes.Behind,
                    _ => ExitCodes.Failing,
                };
                string text = options.Json ? StatusJson.Write(report, indented: !options.Watch) + Environment.NewLine : StatusTable.Render(report, options.Rows, colour);
                if (options.Watch && !options.Json)
                {
                    // In place on a terminal; redirected, one block after another.
                    text = terminal ? Terminal.ClearHome + text : (refresh > 1 ? Environment.NewLine : string.Empty) + text;
                }

                await stdout.WriteAsync(text).ConfigureAwait(false);
                await stdout.FlushAsync(cancellationToken).ConfigureAwait(false);
                if (!options.Watch || (options.Count > 0 && refresh >= options.Count))
                {
                    break;
                }

                await Task.Delay(options.Interval, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C in --watch: the last verdict stands.
        }

        return exit;
    }

    private sealed record Options(int Hours, int Rows, int MaxListings, StatusThresholds Thresholds, bool Json, bool Watch, TimeSpan Interval, int Count);
}
