using System.CommandLine;
using System.Globalization;
using FlowLogs.Cli.Check;
using FlowLogs.Hosting;
using FlowLogs.SelfCheck;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FlowLogs.Cli.Commands;

/// <summary>
/// <c>flowlogs check</c>: whether a deployment can work, from the data plane, in seconds, with the settings and
/// accounts of <c>ingest</c>: each flow-log account reachable and its containers listable, the app's account usable,
/// the intake reachable and the key accepted (no event sent), commits nobody reads, the clock. Read-only: it creates,
/// claims and sends nothing. The same checks the app runs at start and with each replay run.
/// </summary>
public static class CheckCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        Option<string[]> storage = FlowLogStorageOption.Create("Connection string of a flow-log storage account (the first is also the app's account unless --state-storage is given). Default: the FlowLogStorage setting (and FlowLogs__Storage__FlowLogConnections) from the environment.", required: false);
        Option<string?> stateStorage = FlowLogStorageOption.CreateState("The app's account (checkpoints, replay state, dead letters, the events queue): a connection string or its blob endpoint. Default: the first --storage, else the AzureWebJobsStorage setting from the environment.");
        Option<string> sink = SinkOption.Create("sekoia", "sekoia (the intake is checked, with the FlowLogs__Sekoia__* settings from the environment), ndjson or stdout (no intake to check).");
        Option<TimeSpan> unreadAfter = TimeOption.Duration("--unread-after", "A blob last committed longer ago than this (by the storage service's clock) whose checkpoint never caught up is a commit nobody read.", TimeSpan.FromMinutes(5))
            .Takes(t => t >= TimeSpan.FromSeconds(1), "at least 1s");
        Option<TimeSpan> timeout = TimeOption.Duration("--timeout", "Each check fails when it has no answer within this.", TimeSpan.FromSeconds(10))
            .Takes(t => t >= TimeSpan.FromMilliseconds(100) && t <= TimeSpan.FromMinutes(5), "100ms to 5m");
        Option<int> maxListings = new Option<int>("--max-listings") { Description = "Hour listings (one resource, one of the last two hours) the unread-commits check makes at most.", DefaultValueFactory = _ => 100 }
            .Takes(n => n >= 1, "at least 1");
        var json = new Option<bool>("--json") { Description = "Write JSON (every check, every unread commit) instead of lines." };

        var command = new Command("check", "Check, from the data plane and in seconds, that the accounts, the intake and the event delivery work; read-only, no event sent.")
        {
            storage, stateStorage, sink, unreadAfter, timeout, maxListings, json,
        };
        CommandErrors.SetAction(command, async (result, cancellationToken) =>
        {
            var settings = new Dictionary<string, string?>
            {
                ["FlowLogs:Check:UnreadAfter"] = result.GetValue(unreadAfter).ToString("c", CultureInfo.InvariantCulture),
                ["FlowLogs:Check:Timeout"] = result.GetValue(timeout).ToString("c", CultureInfo.InvariantCulture),
                ["FlowLogs:Check:MaxListings"] = result.GetValue(maxListings).ToString(CultureInfo.InvariantCulture),
            };
            FlowLogStorageOption.AddTo(settings, result.GetValue(storage), result.GetValue(stateStorage));
            SinkOption.AddTo(settings, result.GetValue(sink));
            return await RunAsync(settings, result.GetValue(json), result.InvocationConfiguration.Output, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> RunAsync(Dictionary<string, string?> settings, bool json, TextWriter stdout, CancellationToken cancellationToken)
    {
        // Built, never started: starting would create the tables, the container and the queue.
        using IHost host = CliHost.Build(settings, (services, configuration) => services.AddFlowLogPipeline(configuration));
        CheckReport report = await host.Services.GetRequiredService<SelfCheckRunner>().RunAsync(cancellationToken).ConfigureAwait(false);
        await stdout.WriteAsync(json ? report.ToJson() : CheckText.Render(report)).ConfigureAwait(false);
        await stdout.FlushAsync(cancellationToken).ConfigureAwait(false);
        return report.Verdict switch
        {
            CheckVerdict.Fail => ExitCodes.CheckFailed,
            CheckVerdict.Warn => ExitCodes.CheckUnconfirmed,
            _ => ExitCodes.Success,
        };
    }
}
