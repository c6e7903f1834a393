using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using FlowLogs.BlobSource;
using FlowLogs.Checkpoints;
using FlowLogs.Clock;
using FlowLogs.DeadLetters;
using FlowLogs.Processing;
using FlowLogs.Sinks;
using FlowLogs.Sinks.Sekoia;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FlowLogs.Scenario;

/// <summary>
/// One processor process, as a Functions instance would be: takes blob triggers from a queue (duplicated and out of
/// order, as Event Grid delivers them) and processes them; a trigger is deleted only once processed, so one that a
/// killed process was handling comes back. The scenario kills these processes with SIGKILL at random moments.
/// </summary>
internal static class ScenarioWorker
{
    public static async Task<int> RunAsync(string[] args)
    {
        var a = new Dictionary<string, string>();
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            a[args[i]] = args[i + 1];
        }

        var blobs = new BlobServiceClient(a["--storage"]);
        await using ServiceProvider provider = ScenarioServices.Build(new Uri(a["--intake"]), a["--key"], blobs.GetBlobContainerClient(a["--deadletters"]), logToConsole: true);
        ILoggerFactory logs = provider.GetRequiredService<ILoggerFactory>();
        // This process's clock may be wrong on purpose (libfaketime): it goes by the storage service's, as the app does.
        StorageClock clock = ScenarioServices.Clock(TimeSpan.Zero);
        var processor = new BlobProcessor(
            ScenarioServices.Accounts(a.TryGetValue("--second-storage", out string? second) ? [a["--storage"], second] : [a["--storage"]], clock),
            new BlobClaims(new TableCheckpointStore(ScenarioServices.Table(a["--storage"], a["--table"], clock)), clock, logs.CreateLogger<BlobClaims>()),
            provider.GetRequiredService<IEventSink>(),
            provider.GetRequiredService<IDeadLetterStore>(),
            Options.Create(new BlobProcessorOptions { ClaimDuration = ScenarioRunner.ClaimDuration, MaxBatchBytes = 256 * 1024, CompletionGrace = ScenarioRunner.CompletionGrace }),
            logs.CreateLogger<BlobProcessor>(),
            clock);
        var queue = new QueueClient(a["--storage"], a["--queue"]);

        while (true)
        {
            try
            {
                QueueMessage[] messages = (await queue.ReceiveMessagesAsync(8, TimeSpan.FromSeconds(30)).ConfigureAwait(false)).Value;
                if (messages.Length == 0)
                {
                    await Task.Delay(200).ConfigureAwait(false);
                    continue;
                }

                foreach (QueueMessage message in messages)
                {
                    string name = message.Body.ToString();
                    FlowLogBlob blob = FlowLogBlob.TryParse(name, out FlowLogBlob? parsed) ? parsed : throw new FormatException($"not an account/container/name: {name}");
                    await processor.ProcessAsync(blob, CancellationToken.None).ConfigureAwait(false);
                    await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // Storage restarting, the intake failing past its budget: the trigger stays queued and comes back.
                await Console.Error.WriteLineAsync($"worker {Environment.ProcessId}: {ex.GetType().Name}: {ex.Message.Split((char)10)[0]}").ConfigureAwait(false);
                await Task.Delay(500).ConfigureAwait(false);
            }
        }
    }
}
