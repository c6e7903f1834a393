using System.CommandLine;
using System.Globalization;
using Azure.Storage.Blobs;
using FlowLogs.Parsing;
using FlowLogs.Simulation;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FlowLogs.Cli.Commands;

/// <summary><c>flowlogs simulate</c>: writes flow logs into a storage account the way Azure does.</summary>
public static class SimulateCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var storage = new Option<string>("--storage")
        {
            Description = "Connection string of the storage account to write to (UseDevelopmentStorage=true for Azurite on its default ports).",
            Required = true,
        };
        Option<int> nics = new Option<int>("--nics") { Description = "Number of NICs (one blob per NIC, kind and hour).", DefaultValueFactory = _ => 2 }.Takes(n => n >= 1, "at least 1");
        Option<int> minutes = new Option<int>("--minutes") { Description = "Minutes of flow logs to write (one block per blob per minute).", DefaultValueFactory = _ => 5 }.Takes(n => n >= 1, "at least 1");
        var kind = new Option<string>("--kind") { Description = "vnet, nsg or both.", DefaultValueFactory = _ => "both" };
        kind.AcceptOnlyFromAmong("vnet", "nsg", "both");
        Option<TimeSpan> interval = TimeOption.Duration("--interval", "Wall-clock time between two simulated minutes (0s writes them back to back).", TimeSpan.Zero);
        Option<DateTimeOffset?> start = TimeOption.Time("--start", "First simulated minute (UTC); default: the start of the current hour.");
        Option<int> tuples = new Option<int>("--tuples") { Description = "Tuples per NIC per minute.", DefaultValueFactory = _ => 40 }.Takes(n => n >= 1, "at least 1");
        var seed = new Option<int>("--seed") { Description = "Seed: the same seed writes the same bytes.", DefaultValueFactory = _ => 1 };

        var command = new Command("simulate", "Write flow logs into blob storage as Azure does: head block, one block a minute before the tail, Put Block List each time.")
        {
            storage, nics, minutes, kind, interval, start, tuples, seed,
        };
        CommandErrors.SetAction(command, async (result, cancellationToken) =>
        {
            TextWriter stderr = result.InvocationConfiguration.Error;
            int nicCount = result.GetValue(nics);
            int minuteCount = result.GetValue(minutes);
            FlowLogKind[] kinds = result.GetValue(kind) switch
            {
                "vnet" => [FlowLogKind.VirtualNetwork],
                "nsg" => [FlowLogKind.NetworkSecurityGroup],
                _ => [FlowLogKind.VirtualNetwork, FlowLogKind.NetworkSecurityGroup],
            };
            DateTimeOffset now = DateTimeOffset.UtcNow;
            DateTimeOffset first = result.GetValue(start) ?? new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero);

            using IHost host = CliHost.Build(
                new Dictionary<string, string?> { ["FlowLogStorage"] = result.GetValue(storage) },
                (services, configuration) => services.AddAzureClients(clients => clients.AddBlobServiceClient(configuration.GetSection("FlowLogStorage"))));
            SimulatedNic[] nicList = [.. Enumerable.Range(0, nicCount).Select(i => new SimulatedNic(i))];
            var progress = new LineProgress(line => stderr.WriteLine($"flowlogs simulate: {line}"));
            var simulator = new FlowLogSimulator(host.Services.GetRequiredService<BlobServiceClient>(), result.GetValue(seed), result.GetValue(tuples));
            await simulator.RunAsync(nicList, kinds, first, minuteCount, result.GetValue(interval), progress, cancellationToken).ConfigureAwait(false);

            await stderr.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"flowlogs simulate: wrote {simulator.TuplesWritten} tuples to {simulator.TuplesPerBlob.Count} blobs in {simulator.Commits} commits")).ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }

    // Progress<T> reports later on the thread pool; lines must be written in order and before the command returns.
    private sealed class LineProgress(Action<string> write) : IProgress<string>
    {
        public void Report(string value) => write(value);
    }
}
