using System.Globalization;
using Azure.Core;
using Azure.Core.Pipeline;

namespace FlowLogs.Clock;

/// <summary>Hands the <c>Date</c> header of every storage answer (blobs, tables, queues) to the <see cref="StorageClock"/>.</summary>
internal sealed class StorageClockPolicy(StorageClock clock) : HttpPipelineSynchronousPolicy
{
    /// <inheritdoc/>
    public override void OnReceivedResponse(HttpMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.HasResponse
            && message.Response.Headers.TryGetValue("Date", out string? text)
            && DateTimeOffset.TryParseExact(text, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset date))
        {
            clock.Observe(date);
        }
    }
}
