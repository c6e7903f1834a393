using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FlowLogs.WorkerHost.Protocol;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FlowLogs.WorkerHost;

/// <summary>How long each start-up step of the worker took, from the moment its process was started.</summary>
/// <param name="Connected">Until the worker's <c>StartStream</c>.</param>
/// <param name="Initialized">Until its <c>WorkerInitResponse</c>.</param>
/// <param name="Loaded">Until the last <c>FunctionLoadResponse</c>: ready to be invoked.</param>
public sealed record WorkerStartTimings(TimeSpan Connected, TimeSpan Initialized, TimeSpan Loaded);

/// <summary>What the worker answered to one invocation.</summary>
/// <param name="InvocationId">The invocation's id.</param>
/// <param name="Status">Success, Failure or Cancelled.</param>
/// <param name="Exception">The failure's message, null on success.</param>
/// <param name="Logs">The logs the worker streamed for this invocation.</param>
/// <param name="Duration">From sending the request to receiving the response.</param>
public sealed record InvocationResult(string InvocationId, StatusResult.Types.Status Status, string? Exception, IReadOnlyList<RpcLog> Logs, TimeSpan Duration)
{
    /// <summary>True when the worker answered Success.</summary>
    public bool Succeeded => Status == StatusResult.Types.Status.Success;
}

/// <summary>The worker process stopped, or refused to start, before it was ready.</summary>
public sealed class WorkerStartException : Exception
{
    /// <summary>Creates the exception.</summary>
    public WorkerStartException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public WorkerStartException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public WorkerStartException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The process's exit code, if it exited.</summary>
    public int? ExitCode { get; init; }

    /// <summary>What the process wrote to stderr and stdout.</summary>
    public string Output { get; init; } = "";
}

/// <summary>
/// Plays the Functions host's side of the language-worker protocol for one worker process: a loopback gRPC server
/// (cleartext HTTP/2), the app started as <c>dotnet FlowLogs.Functions.dll</c> with the host's arguments and the app
/// settings as environment variables, then init, metadata, one load per function, and invocations on demand.
/// </summary>
public sealed class WorkerProtocolHost : IAsyncDisposable
{
    private const int MaxMessageLength = int.MaxValue;
    private static readonly string[] InheritedVariables = ["PATH", "HOME", "TMPDIR", "DOTNET_ROOT", "DOTNET_CLI_HOME", "NUGET_PACKAGES"];

    private readonly WebApplication _server;
    private readonly WorkerChannel _channel;
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly Dictionary<string, RpcFunctionMetadata> _functions = new(StringComparer.Ordinal);
    private long _peakWorkingSet;

    private WorkerProtocolHost(WebApplication server, WorkerChannel channel, Process process)
    {
        _server = server;
        _channel = channel;
        _process = process;
    }

    /// <summary>The functions the worker reported, by name, with the ids the host gave them.</summary>
    public IReadOnlyDictionary<string, RpcFunctionMetadata> Functions => _functions;

    /// <summary>How long start-up took.</summary>
    public WorkerStartTimings Timings { get; private set; } = null!;

    /// <summary>The worker's process id.</summary>
    public int ProcessId => _process.Id;

    /// <summary>Every log line the worker streamed over gRPC.</summary>
    public IReadOnlyCollection<RpcLog> Logs => _channel.Logs;

    /// <summary>Everything the process wrote to stdout and stderr, line by line.</summary>
    public IReadOnlyCollection<string> ProcessOutput => _output;

    /// <summary>Called for each line the process prints (the local run shows them).</summary>
    public Action<string>? OnLine { get; set; }

    /// <summary>The worker process's peak working set (VmHWM), in bytes, as last seen while it ran.</summary>
    public long PeakWorkingSet
    {
        get
        {
            try
            {
                if (!_process.HasExited)
                {
                    _process.Refresh();
                    _peakWorkingSet = Math.Max(_peakWorkingSet, _process.PeakWorkingSet64);
                }
            }
            catch (InvalidOperationException)
            {
                // Exited meanwhile: the last sample stands.
            }

            return _peakWorkingSet;
        }
    }

    /// <summary>
    /// Starts the gRPC server and the worker in <paramref name="appDirectory"/> with <paramref name="settings"/> as its
    /// only app settings, and drives it to ready: init, metadata, loads. Throws <see cref="WorkerStartException"/>
    /// (with the process's output) when the worker exits or fails a step.
    /// </summary>
    /// <param name="appDirectory">The built or published app.</param>
    /// <param name="settings">The app settings, as environment variables.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <param name="onLine">Called for each line the process prints.</param>
    /// <param name="onLog">Called for each log the worker streams.</param>
    public static async Task<WorkerProtocolHost> StartAsync(string appDirectory, IReadOnlyDictionary<string, string?> settings, CancellationToken cancellationToken, Action<string>? onLine = null, Action<RpcLog>? onLog = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        string app = Path.GetFullPath(appDirectory);
        if (!File.Exists(Path.Combine(app, FunctionsApp.AssemblyFile)))
        {
            throw new FileNotFoundException($"the Functions app is not built in {app}", Path.Combine(app, FunctionsApp.AssemblyFile));
        }

        var channel = new WorkerChannel { LogReceived = onLog };
        WebApplication server = await StartServerAsync(channel, cancellationToken).ConfigureAwait(false);
        var uri = new Uri(server.Urls.First());
        string workerId = Guid.NewGuid().ToString();
        string requestId = Guid.NewGuid().ToString();
        var start = new ProcessStartInfo(DotnetPath())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = app,
        };
        start.ArgumentList.Add(Path.Combine(app, FunctionsApp.AssemblyFile));
        string port = uri.Port.ToString(CultureInfo.InvariantCulture);
        string length = MaxMessageLength.ToString(CultureInfo.InvariantCulture);
        foreach (string argument in new[]
        {
            "--host", uri.Host, "--port", port, "--workerId", workerId, "--requestId", requestId, "--grpcMaxMessageLength", length,
            "--functions-uri", uri.ToString(), "--functions-worker-id", workerId, "--functions-request-id", requestId,
            "--functions-grpc-max-message-length", length,
        })
        {
            start.ArgumentList.Add(argument);
        }

        // Only the app settings given (plus what a process needs to run): nothing leaks in from the caller's environment.
        Dictionary<string, string?> inherited = InheritedVariables.Where(v => Environment.GetEnvironmentVariable(v) is not null).ToDictionary(v => v, Environment.GetEnvironmentVariable);
        start.Environment.Clear();
        foreach ((string name, string? value) in inherited.Concat(settings))
        {
            start.Environment[name] = value;
        }

        start.Environment["FUNCTIONS_WORKER_RUNTIME"] = "dotnet-isolated";
        start.Environment["FUNCTIONS_APPLICATION_DIRECTORY"] = app;
        start.Environment["DOTNET_NOLOGO"] = "1";

        var stopwatch = Stopwatch.StartNew();
        Process process = Process.Start(start) ?? throw new InvalidOperationException("could not start the worker process");
        var host = new WorkerProtocolHost(server, channel, process) { OnLine = onLine };
        process.OutputDataReceived += (_, e) => host.Print(e.Data);
        process.ErrorDataReceived += (_, e) => host.Print(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _ = host.WatchExitAsync();
        try
        {
            await host.HandshakeAsync(app, stopwatch, cancellationToken).ConfigureAwait(false);
            return host;
        }
        catch (Exception exception) when (exception is not WorkerStartException && exception is not OperationCanceledException)
        {
            await host.DisposeAsync().ConfigureAwait(false);
            throw new WorkerStartException($"the worker did not start: {exception.Message}{Environment.NewLine}{host.OutputText()}", exception) { Output = host.OutputText() };
        }
        catch
        {
            await host.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Invokes a blob trigger as the host does for an Event Grid BlobCreated event: the blob as model binding data.</summary>
    public Task<InvocationResult> InvokeBlobTriggerAsync(string functionName, string blobName, CancellationToken cancellationToken)
    {
        RpcFunctionMetadata function = Function(functionName);
        JsonObject trigger = TriggerBinding(function);
        string path = (string)trigger["path"]!;
        string container = path[..path.IndexOf('/', StringComparison.Ordinal)];
        string content = JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["Connection"] = (string)trigger["connection"]!,
            ["ContainerName"] = container,
            ["BlobName"] = blobName,
        });
        var data = new TypedData
        {
            ModelBindingData = new ModelBindingData
            {
                Version = "1.0",
                Source = "AzureStorageBlobs",
                ContentType = "application/json",
                Content = ByteString.CopyFromUtf8(content),
            },
        };
        return InvokeAsync(function, (string)trigger["name"]!, data, cancellationToken);
    }

    /// <summary>Invokes a queue trigger with a message's text, as the host does once it has taken (and decoded) the message.</summary>
    public Task<InvocationResult> InvokeQueueTriggerAsync(string functionName, string message, CancellationToken cancellationToken)
    {
        RpcFunctionMetadata function = Function(functionName);
        return InvokeAsync(function, (string)TriggerBinding(function)["name"]!, new TypedData { String = message }, cancellationToken);
    }

    /// <summary>Invokes a timer trigger as its schedule would.</summary>
    public Task<InvocationResult> InvokeTimerAsync(string functionName, CancellationToken cancellationToken)
    {
        RpcFunctionMetadata function = Function(functionName);
        DateTime now = DateTime.UtcNow;
        string timer = JsonSerializer.Serialize(new
        {
            Schedule = new { AdjustForDST = true },
            ScheduleStatus = new { Last = now.AddMinutes(-10), Next = now.AddMinutes(10), LastUpdated = now },
            IsPastDue = false,
        });
        return InvokeAsync(function, (string)TriggerBinding(function)["name"]!, new TypedData { Json = timer }, cancellationToken);
    }

    /// <summary>Asks the worker to terminate, as the host does on shutdown, and waits for its exit code.</summary>
    public async Task<int> StopAsync(CancellationToken cancellationToken)
    {
        _ = PeakWorkingSet;
        if (!_process.HasExited)
        {
            try
            {
                await _channel.SendAsync(new StreamingMessage { RequestId = Guid.NewGuid().ToString(), WorkerTerminate = new WorkerTerminate { GracePeriod = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromSeconds(5)) } }, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException)
            {
                // The stream is already gone; the process exits or is killed below.
            }
        }

        using var grace = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        grace.CancelAfter(TimeSpan.FromSeconds(10));
        try
        {
            await _process.WaitForExitAsync(grace.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }

        return _process.ExitCode;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }

        await _process.WaitForExitAsync().ConfigureAwait(false);
        _process.Dispose();
        await _server.StopAsync().ConfigureAwait(false);
        await _server.DisposeAsync().ConfigureAwait(false);
        _channel.Dispose();
    }

    private static async Task<WebApplication> StartServerAsync(WorkerChannel channel, CancellationToken cancellationToken)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");

        // The worker speaks gRPC over cleartext HTTP/2 (h2c), with messages as large as the app's.
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.ConfigureEndpointDefaults(endpoint => endpoint.Protocols = HttpProtocols.Http2);
            kestrel.Limits.MaxRequestBodySize = null;
        });
        builder.Services.AddSingleton(channel);
        builder.Services.AddGrpc(options =>
        {
            options.MaxReceiveMessageSize = null;
            options.MaxSendMessageSize = null;
        });
        WebApplication server = builder.Build();
        server.MapGrpcService<FunctionRpcService>();
        await server.StartAsync(cancellationToken).ConfigureAwait(false);
        return server;
    }

    private static string DotnetPath()
        => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } path && File.Exists(path)
            ? path
            : Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";

    private static JsonObject TriggerBinding(RpcFunctionMetadata function)
        => function.RawBindings.Select(b => JsonNode.Parse(b)!.AsObject()).Single(b => ((string)b["type"]!).EndsWith("Trigger", StringComparison.Ordinal));

    private async Task HandshakeAsync(string app, Stopwatch stopwatch, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        CancellationToken token = timeout.Token;

        await _channel.Started.WaitAsync(token).ConfigureAwait(false);
        TimeSpan connected = stopwatch.Elapsed;

        StreamingMessage init = await _channel.RequestAsync(new StreamingMessage
        {
            RequestId = NewRequestId(),
            WorkerInitRequest = new WorkerInitRequest { HostVersion = "4.0.0-flowlogs-test-host", WorkerDirectory = app, FunctionAppDirectory = app },
        }, token).ConfigureAwait(false);
        Require(init.WorkerInitResponse.Result, "WorkerInitResponse");
        TimeSpan initialized = stopwatch.Elapsed;

        StreamingMessage metadata = await _channel.RequestAsync(new StreamingMessage
        {
            RequestId = NewRequestId(),
            FunctionsMetadataRequest = new FunctionsMetadataRequest { FunctionAppDirectory = app },
        }, token).ConfigureAwait(false);
        Require(metadata.FunctionMetadataResponse.Result, "FunctionMetadataResponse");
        foreach (RpcFunctionMetadata function in metadata.FunctionMetadataResponse.FunctionMetadataResults)
        {
            _functions.Add(function.Name, function);
        }

        // One load request per function, each answered before the next (worker 2.52 does not answer the collection form).
        foreach (RpcFunctionMetadata function in _functions.Values)
        {
            StreamingMessage loaded = await _channel.RequestAsync(new StreamingMessage
            {
                RequestId = NewRequestId(),
                FunctionLoadRequest = new FunctionLoadRequest { FunctionId = function.FunctionId, Metadata = function },
            }, token).ConfigureAwait(false);
            Require(loaded.FunctionLoadResponse.Result, $"FunctionLoadResponse of {function.Name}");
        }

        Timings = new WorkerStartTimings(connected, initialized, stopwatch.Elapsed);
    }

    private async Task<InvocationResult> InvokeAsync(RpcFunctionMetadata function, string bindingName, TypedData data, CancellationToken cancellationToken)
    {
        var request = new InvocationRequest
        {
            InvocationId = Guid.NewGuid().ToString(),
            FunctionId = function.FunctionId,
            TraceContext = new RpcTraceContext(),
        };
        request.InputData.Add(new ParameterBinding { Name = bindingName, Data = data });
        var stopwatch = Stopwatch.StartNew();
        InvocationResponse response = await _channel.InvokeAsync(request, cancellationToken).ConfigureAwait(false);
        TimeSpan duration = stopwatch.Elapsed;
        List<RpcLog> logs = [.. _channel.Logs.Where(l => l.InvocationId == request.InvocationId)];
        StatusResult result = response.Result;
        string? exception = result.Status == StatusResult.Types.Status.Success ? null : result.Exception?.Message ?? result.Result;
        return new InvocationResult(request.InvocationId, result.Status, exception, logs, duration);
    }

    private RpcFunctionMetadata Function(string name)
        => _functions.TryGetValue(name, out RpcFunctionMetadata? function) ? function : throw new ArgumentException($"the worker reported no function {name}", nameof(name));

    private void Require(StatusResult? result, string step)
    {
        if (result?.Status != StatusResult.Types.Status.Success)
        {
            throw new WorkerStartException($"{step} failed: {result?.Exception?.Message ?? result?.Result}{Environment.NewLine}{OutputText()}") { Output = OutputText() };
        }
    }

    private async Task WatchExitAsync()
    {
        await _process.WaitForExitAsync().ConfigureAwait(false);
        string output = OutputText();
        _channel.Fail(new WorkerStartException($"the worker process exited with code {_process.ExitCode}{Environment.NewLine}{output}") { ExitCode = _process.ExitCode, Output = output });
    }

    private void Print(string? line)
    {
        if (line is not null)
        {
            _output.Enqueue(line);
            OnLine?.Invoke(line);
        }
    }

    private string OutputText()
    {
        var text = new StringBuilder();
        foreach (string line in _output)
        {
            text.AppendLine(line);
        }

        return text.ToString();
    }

    private static string NewRequestId() => Guid.NewGuid().ToString();
}
