using Azure.Storage.Blobs;
using FlowLogs.BlobSource;
using FlowLogs.Processing;
using Microsoft.Azure.Functions.Worker;

namespace FlowLogs.Functions;

/// <summary>
/// The two ways a commit of a PT1H.json reaches the app. Webhook delivery: one blob trigger per flow-log container, fired
/// by Event Grid, for the account of the connection <c>FlowLogStorage</c> (the blob is bound as a <see cref="BlobClient"/>,
/// never as content: only the new blocks are read, by the processor). Queue delivery: Event Grid writes the events of
/// every flow-log account into the queue <see cref="BlobCreatedHandler.QueueName"/> of the app's own account, and one
/// queue trigger hands each event's blob to the same processor; this is the way for several accounts and for an app
/// without a public endpoint.
/// </summary>
public sealed class FlowLogTriggers(BlobCreatedHandler events)
{
    /// <summary>The VNet trigger; Event Grid's webhook names it <c>Host.Functions.VNetFlowLogs</c>.</summary>
    public const string VNetFunction = "VNetFlowLogs";

    /// <summary>The NSG trigger; Event Grid's webhook names it <c>Host.Functions.NsgFlowLogs</c>.</summary>
    public const string NsgFunction = "NsgFlowLogs";

    /// <summary>A commit of a VNet flow-log blob.</summary>
    [Function(VNetFunction)]
    public Task VNetFlowLogsAsync(
        [BlobTrigger(FlowLogBlob.VNetContainer + "/{name}", Source = BlobTriggerSource.EventGrid, Connection = "FlowLogStorage")] BlobClient blob,
        CancellationToken cancellationToken)
        => ProcessAsync(blob, cancellationToken);

    /// <summary>The queue trigger of queue delivery.</summary>
    public const string EventsFunction = "FlowLogEvents";

    /// <summary>A commit of an NSG flow-log blob.</summary>
    [Function(NsgFunction)]
    public Task NsgFlowLogsAsync(
        [BlobTrigger(FlowLogBlob.NsgContainer + "/{name}", Source = BlobTriggerSource.EventGrid, Connection = "FlowLogStorage")] BlobClient blob,
        CancellationToken cancellationToken)
        => ProcessAsync(blob, cancellationToken);

    /// <summary>
    /// Event Grid events of a commit, from the queue. A failure propagates: the host retries the message 5 times
    /// (maxDequeueCount) and then moves it to <c>flowlog-events-poison</c>; the replay timer catches up what is unread.
    /// </summary>
    [Function(EventsFunction)]
    public Task FlowLogEventsAsync(
        [QueueTrigger(BlobCreatedHandler.QueueName, Connection = "AzureWebJobsStorage")] string message,
        CancellationToken cancellationToken)
        => events.HandleAsync(message, cancellationToken);

    // A failure propagates and the checkpoint stays where it was. Event Grid does not redeliver a delivered event: its
    // webhook only enqueued it into the host's blob-trigger queue, which retries the invocation 5 times
    // (maxDequeueCount) and then moves the message to the poison queue webjobs-blobtrigger-poison; the replay timer
    // catches up whatever is still unread.
    private Task<BlobProcessResult> ProcessAsync(BlobClient blob, CancellationToken cancellationToken)
        => events.HandleAsync(new FlowLogBlob(blob.AccountName, blob.BlobContainerName, blob.Name), cancellationToken);
}
