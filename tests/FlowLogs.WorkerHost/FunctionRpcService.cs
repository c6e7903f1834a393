using FlowLogs.WorkerHost.Protocol;
using Grpc.Core;

namespace FlowLogs.WorkerHost;

/// <summary>The host's gRPC service: the worker opens <c>EventStream</c> and the host talks to it through its channel.</summary>
public sealed class FunctionRpcService(WorkerChannel channel) : FunctionRpc.FunctionRpcBase
{
    /// <inheritdoc/>
    public override Task EventStream(IAsyncStreamReader<StreamingMessage> requestStream, IServerStreamWriter<StreamingMessage> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return channel.RunAsync(requestStream, responseStream, context.CancellationToken);
    }
}
