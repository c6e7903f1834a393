using System.Collections.Concurrent;
using FlowLogs.WorkerHost.Protocol;
using Grpc.Core;

namespace FlowLogs.WorkerHost;

/// <summary>
/// The one EventStream of one worker, seen from the host: sends requests, matches replies by request id (invocations
/// by invocation id), keeps every streamed log.
/// </summary>
public sealed class WorkerChannel : IDisposable
{
    private readonly TaskCompletionSource<string> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<StreamingMessage>> _replies = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<InvocationResponse>> _invocations = new();
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private IServerStreamWriter<StreamingMessage>? _writer;
    private Exception? _failure;

    /// <summary>Completes with the worker id of the worker's <c>StartStream</c>.</summary>
    public Task<string> Started => _started.Task;

    /// <summary>Completes when the stream ends.</summary>
    public Task Closed => _closed.Task;

    /// <summary>Every log the worker streamed, in arrival order.</summary>
    public ConcurrentQueue<RpcLog> Logs { get; } = new();

    /// <summary>Called for each log as it arrives.</summary>
    public Action<RpcLog>? LogReceived { get; set; }

    /// <summary>Serves the stream until the worker closes it (called by the gRPC service).</summary>
    public async Task RunAsync(IAsyncStreamReader<StreamingMessage> requests, IServerStreamWriter<StreamingMessage> responses, CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _writer, responses, null) is not null)
        {
            throw new Grpc.Core.RpcException(new Status(StatusCode.AlreadyExists, "this host serves one worker"));
        }

        try
        {
            while (await requests.MoveNext(cancellationToken).ConfigureAwait(false))
            {
                Dispatch(requests.Current);
            }

            Fail(new IOException("the worker closed its EventStream"));
        }
        catch (Exception exception) when (exception is IOException or OperationCanceledException or Grpc.Core.RpcException)
        {
            Fail(new IOException("the worker's EventStream broke", exception));
        }
        finally
        {
            _closed.TrySetResult();
        }
    }

    /// <summary>Sends <paramref name="message"/> and waits for the reply carrying the same request id.</summary>
    public async Task<StreamingMessage> RequestAsync(StreamingMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var reply = new TaskCompletionSource<StreamingMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        _replies[message.RequestId] = reply;
        await SendAsync(message, cancellationToken).ConfigureAwait(false);
        return await reply.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends an invocation and waits for its response.</summary>
    public async Task<InvocationResponse> InvokeAsync(InvocationRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var reply = new TaskCompletionSource<InvocationResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        _invocations[request.InvocationId] = reply;
        await SendAsync(new StreamingMessage { RequestId = Guid.NewGuid().ToString(), InvocationRequest = request }, cancellationToken).ConfigureAwait(false);
        return await reply.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends a message that has no reply.</summary>
    public async Task SendAsync(StreamingMessage message, CancellationToken cancellationToken)
    {
        IServerStreamWriter<StreamingMessage> writer = _writer ?? throw new InvalidOperationException("the worker has not connected");
        if (_failure is not null)
        {
            throw new IOException("the worker's EventStream is closed", _failure);
        }

        // A stream writer takes one write at a time; invocations are sent from many tasks.
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await writer.WriteAsync(message, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>Fails whatever still waits (the process died, or the stream ended).</summary>
    public void Fail(Exception reason)
    {
        _failure ??= reason;
        _started.TrySetException(reason);
        foreach (TaskCompletionSource<StreamingMessage> reply in _replies.Values)
        {
            reply.TrySetException(reason);
        }

        foreach (TaskCompletionSource<InvocationResponse> reply in _invocations.Values)
        {
            reply.TrySetException(reason);
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _writeGate.Dispose();

    private void Dispatch(StreamingMessage message)
    {
        switch (message.ContentCase)
        {
            case StreamingMessage.ContentOneofCase.StartStream:
                _started.TrySetResult(message.StartStream.WorkerId);
                break;
            case StreamingMessage.ContentOneofCase.RpcLog:
                Logs.Enqueue(message.RpcLog);
                LogReceived?.Invoke(message.RpcLog);
                break;
            case StreamingMessage.ContentOneofCase.InvocationResponse:
                if (_invocations.TryRemove(message.InvocationResponse.InvocationId, out TaskCompletionSource<InvocationResponse>? invocation))
                {
                    invocation.TrySetResult(message.InvocationResponse);
                }

                break;
            default:
                if (_replies.TryRemove(message.RequestId, out TaskCompletionSource<StreamingMessage>? reply))
                {
                    reply.TrySetResult(message);
                }

                break;
        }
    }
}
