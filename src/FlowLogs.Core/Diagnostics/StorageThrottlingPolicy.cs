using Azure.Core;
using Azure.Core.Pipeline;

namespace FlowLogs.Diagnostics;

/// <summary>
/// Counts the storage answers that say a scalability target was passed (503 Server Busy, 500 Operation Timed Out):
/// the client retries them (<see cref="Hosting.StorageClientDefaults"/> bounds how), the count shows they happen.
/// </summary>
internal sealed class StorageThrottlingPolicy : HttpPipelineSynchronousPolicy
{
    /// <summary>The policy, shared by every client (it keeps no state of its own).</summary>
    public static StorageThrottlingPolicy Instance { get; } = new();

    /// <inheritdoc/>
    public override void OnReceivedResponse(HttpMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.HasResponse && message.Response.Status is 503 or 500)
        {
            FlowLogMetrics.RecordStorageThrottled();
        }
    }
}
