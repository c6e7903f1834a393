using Azure.Core;
using Azure.Core.Pipeline;

namespace FlowLogs.Testing;

/// <summary>An Azure SDK pipeline policy that counts the HTTP requests a client sends (retries included).</summary>
public sealed class RequestCounter : HttpPipelinePolicy
{
    private long _count;

    /// <summary>Requests sent so far.</summary>
    public long Count => Interlocked.Read(ref _count);

    /// <summary>Sets the count back to zero.</summary>
    public void Reset() => Interlocked.Exchange(ref _count, 0);

    /// <inheritdoc/>
    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Interlocked.Increment(ref _count);
        ProcessNext(message, pipeline);
    }

    /// <inheritdoc/>
    public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Interlocked.Increment(ref _count);
        return ProcessNextAsync(message, pipeline);
    }
}
