using System.CommandLine;
using System.Globalization;
using FlowLogs.DeadLetters;
using FlowLogs.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FlowLogs.Cli.Commands;

/// <summary>
/// <c>flowlogs dead-letters list|show|redrive</c>: what the pipeline could not deliver, in the app's account, and
/// sending it on after the cause is fixed. The sink's settings come from the environment, as for <c>ingest</c>.
/// </summary>
public static class DeadLettersCommand
{
    /// <summary>Builds the command and its subcommands.</summary>
    public static Command Create()
    {
        return new Command("dead-letters", "List, show and redrive dead letters (input the parser skipped, events the intake refused).")
        {
            List(),
            Show(),
            Redrive(),
        };
    }

    private static Option<string[]> StorageOption() => FlowLogStorageOption.Create("Connection string of a flow-log storage account (a lone tuple's record is read again there); the dead letters are in the first unless --state-storage is given.", required: true);

    private static Option<string?> StateStorageOption() => FlowLogStorageOption.CreateState("The app's account, where the dead letters are (AzureWebJobsStorage): a connection string or its blob endpoint.");

    private static Option<string?> ContainerOption() => new("--container") { Description = "The dead-letter container (default: FlowLogs:Storage:DeadLetterContainer, flowlogs-deadletter)." };

    private static Option<DateTimeOffset?> SinceOption() => TimeOption.Time("--since", "Only dead letters written since: a UTC time (2026-11-23T10:00Z) or an age (6h, 2d).");

    private static Option<string?> ReasonOption() => new("--reason") { Description = "Only dead letters with this text in a kind or reason (case-insensitive)." };

    private static Command List()
    {
        Option<string[]> storage = StorageOption();
        Option<string?> stateStorage = StateStorageOption();
        Option<string?> container = ContainerOption();
        Option<DateTimeOffset?> since = SinceOption();
        Option<string?> reason = ReasonOption();
        var json = new Option<bool>("--json") { Description = "JSON for scripts instead of a table." };
        var command = new Command("list", "Dead letters not yet redriven, newest first: id, when, source blob, kind, reason, place, items.") { storage, stateStorage, container, since, reason, json };
        CommandErrors.SetAction(command, async (result, cancellationToken) =>
        {
            DateTimeOffset? from = result.GetValue(since);
            return await WithOperationsAsync(Settings(result.GetValue(storage)!, result.GetValue(stateStorage), result.GetValue(container)), start: false, async operations =>
            {
                await operations.ListAsync(from, result.GetValue(reason), result.GetValue(json), result.InvocationConfiguration.Output, cancellationToken).ConfigureAwait(false);
                return ExitCodes.Success;
            }).ConfigureAwait(false);
        });
        return command;
    }

    private static Command Show()
    {
        Option<string[]> storage = StorageOption();
        Option<string?> stateStorage = StateStorageOption();
        Option<string?> container = ContainerOption();
        var id = new Argument<string>("id") { Description = "The dead letter's id (from list) or its full name." };
        var command = new Command("show", "One dead letter in full: reason, place in the blob, the bytes (text where they are text, else base64).") { id, storage, stateStorage, container };
        CommandErrors.SetAction(command, async (result, cancellationToken) =>
        {
            return await WithOperationsAsync(Settings(result.GetValue(storage)!, result.GetValue(stateStorage), result.GetValue(container)), start: false, async operations =>
            {
                if (await operations.ShowAsync(result.GetValue(id)!, result.InvocationConfiguration.Output, cancellationToken).ConfigureAwait(false))
                {
                    return ExitCodes.Success;
                }

                throw new CommandFailedException($"no dead letter '{result.GetValue(id)}' (see flowlogs dead-letters list)");
            }).ConfigureAwait(false);
        });
        return command;
    }

    private static Command Redrive()
    {
        Option<string[]> storage = StorageOption();
        Option<string?> stateStorage = StateStorageOption();
        Option<string?> container = ContainerOption();
        Option<DateTimeOffset?> since = SinceOption();
        Option<string?> reason = ReasonOption();
        var dryRun = new Option<bool>("--dry-run") { Description = "Parse and count what would be sent; send and write nothing." };
        // sekoia by default, unlike ingest: a redrive marks what it sent as delivered, so a local file must be asked for.
        Option<string> sink = SinkOption.Create("sekoia", "sekoia (settings from FlowLogs__Sekoia__* environment variables), ndjson (a local file, appended to) or stdout (the report then goes to stderr).");
        Option<string> output = SinkOption.Output("flowlogs-redriven.ndjson");
        Option<string> payload = SinkOption.Payload();
        var command = new Command("redrive", "Send dead letters on through today's parser and the sink, with the event ids the original read would have given; record each item's outcome.")
        {
            storage, stateStorage, container, since, reason, dryRun, sink, output, payload,
        };
        CommandErrors.SetAction(command, async (result, cancellationToken) =>
        {
            TextWriter stderr = result.InvocationConfiguration.Error;
            DateTimeOffset? from = result.GetValue(since);
            Dictionary<string, string?> settings = Settings(result.GetValue(storage)!, result.GetValue(stateStorage), result.GetValue(container));
            SinkOption.AddTo(settings, result.GetValue(sink), result.GetValue(output), result.GetValue(payload));
            return await WithOperationsAsync(settings, start: true, async operations =>
            {
                // With the stdout sink, stdout is for events: the report goes to stderr.
                TextWriter report = result.GetValue(sink) == "stdout" ? stderr : result.InvocationConfiguration.Output;
                (_, _, int stillFailing, _) = await operations.RedriveAsync(from, result.GetValue(reason), result.GetValue(dryRun), report, cancellationToken).ConfigureAwait(false);
                return stillFailing > 0 ? ExitCodes.Incomplete : ExitCodes.Success;
            }).ConfigureAwait(false);
        });
        return command;
    }

    // The same accounts as ingest: --storage for the flow logs, --state-storage (or --storage) for the app's state.
    private static Dictionary<string, string?> Settings(string[] storage, string? stateStorage, string? container)
    {
        var settings = new Dictionary<string, string?>();
        FlowLogStorageOption.AddTo(settings, storage, stateStorage);
        if (!string.IsNullOrEmpty(container))
        {
            settings["FlowLogs:Storage:DeadLetterContainer"] = container;
        }

        return settings;
    }

    // list and show only read: the host is not started (nothing is created, no sink settings are needed); redrive
    // starts it, so the sink's settings are checked first, naming the one to fix.
    private static async Task<int> WithOperationsAsync(Dictionary<string, string?> settings, bool start, Func<DeadLetterOperations, Task<int>> run)
    {
        using IHost host = CliHost.Build(settings, (services, configuration) => services.AddFlowLogPipeline(configuration));
        if (start)
        {
            await host.StartAsync(CancellationToken.None).ConfigureAwait(false);
        }

        int exit = await run(host.Services.GetRequiredService<DeadLetterOperations>()).ConfigureAwait(false);
        if (start)
        {
            await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }

        return exit;
    }
}
