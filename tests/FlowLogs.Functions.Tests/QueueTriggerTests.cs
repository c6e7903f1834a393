using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Azure.Storage.Blobs;
using FlowLogs.BlobSource;
using FlowLogs.Parsing;
using FlowLogs.Testing;
using FlowLogs.WorkerHost;

namespace FlowLogs.Functions.Tests;

/// <summary>Queue delivery through the worker protocol: the FlowLogEvents function reads only what its events name.</summary>
[Category("Azurite")]
public class QueueTriggerTests
{
    private const string Key = "queue-test-key";
    private static readonly DateTimeOffset Hour = new(2031, 3, 5, 6, 0, 0, TimeSpan.Zero);

    [Test]
    public async Task AnEventGridEventFromTheQueueDeliversItsBlobOnceAndAStrangersEventIsDroppedWithoutARequest()
    {
        Scenario scenario = Scenario.Create(seed: 21);
        await using LoopbackIntake intake = await LoopbackIntake.StartAsync(Key);
        await using WorkerProtocolHost worker = await WorkerProtocolHost.StartAsync(FunctionsApp.BuildDirectory, AppSettings.For(scenario.Storage, intake, Key), CancellationToken.None);
        FlowLogBlob blob = null!;
        for (int minute = 0; minute < 2; minute++)
        {
            blob = await scenario.Simulator.AppendMinuteAsync(FlowLogKind.VirtualNetwork, scenario.Nic(0), Hour.AddMinutes(minute), CancellationToken.None);
        }

        Uri url = new BlobServiceClient(scenario.Storage).GetBlobContainerClient(blob.Container).GetBlobClient(blob.Name).Uri;
        using var stranger = new TcpListener(IPAddress.Loopback, 0);
        stranger.Start();
        var strangerUrl = new Uri($"http://127.0.0.1:{((IPEndPoint)stranger.LocalEndpoint).Port}/otheraccount/{blob.Container}/{blob.Name}");

        InvocationResult first = await worker.InvokeQueueTriggerAsync("FlowLogEvents", BlobCreated(url), CancellationToken.None);
        InvocationResult duplicate = await worker.InvokeQueueTriggerAsync("FlowLogEvents", BlobCreated(url), CancellationToken.None);
        InvocationResult foreign = await worker.InvokeQueueTriggerAsync("FlowLogEvents", BlobCreated(strangerUrl), CancellationToken.None);
        InvocationResult malformed = await worker.InvokeQueueTriggerAsync("FlowLogEvents", "{\"id\":\"1\"}", CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(first.Succeeded, Is.True, first.Exception);
            Assert.That(duplicate.Succeeded, Is.True, duplicate.Exception);
            Assert.That(Scenario.EventIds(intake, blob), Has.Count.EqualTo(scenario.Tuples(blob)).And.Unique);
            Assert.That(intake.Events, Has.Count.EqualTo(scenario.Tuples(blob)), "the duplicate event delivered nothing");
            Assert.That(foreign.Succeeded, Is.True, "an event of an account the app does not read is dropped, not retried");
            Assert.That(foreign.Logs.Select(l => l.Message), Has.Some.Contains("Dropped the events of /subscriptions/0/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/otheraccount"));
            Assert.That(stranger.Pending(), Is.False, "nothing fetched from it");
            Assert.That(malformed.Succeeded, Is.False, "a message that is no event fails, so the host moves it to the poison queue");
            Assert.That(malformed.Exception, Does.Contain("is not an Event Grid event"));
        });
    }

    private static string BlobCreated(Uri url) => JsonSerializer.Serialize(new
    {
        topic = $"/subscriptions/0/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/{url.AbsolutePath.Split('/')[1]}",
        subject = "/blobServices/default/containers/c/blobs/b",
        eventType = "Microsoft.Storage.BlobCreated",
        id = Guid.NewGuid().ToString(),
        data = new { api = "PutBlockList", url = url.AbsoluteUri },
        dataVersion = string.Empty,
        metadataVersion = "1",
    });
}
