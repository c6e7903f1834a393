using Azure.Core;
using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using FlowLogs.Diagnostics;
using FlowLogs.Hosting;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;

// The app is a thin shell: the pipeline (processor, replay, stores, sink) is registered by FlowLogs.Core, exactly as
// the flowlogs CLI registers it, from the app settings (FlowLogs__…, FlowLogStorage, AzureWebJobsStorage).
FunctionsApplicationBuilder builder = FunctionsApplication.CreateBuilder(args);

// Logs, traces and the FlowLogs meter go to Application Insights through OpenTelemetry (host.json "telemetryMode":
// "OpenTelemetry"); the classic SDK never collected System.Diagnostics.Metrics. Without a connection string (locally,
// under the tests' host) nothing is exported.
if (!string.IsNullOrEmpty(builder.Configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"]))
{
    TokenCredential? credential = EntraCredential(builder.Configuration);
    builder.Services.AddOpenTelemetry()
        .UseFunctionsWorkerDefaults()
        .WithMetrics(metrics => metrics.AddMeter(FlowLogMetrics.MeterName))
        .UseAzureMonitorExporter(options => options.Credential = credential);
}

// The pipeline logs one line per delivered chunk; the HTTP client's and the resilience handler's own lines for every
// intake request would bury it (failures still show: they log warnings).
builder.Logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);
builder.Logging.AddFilter("Polly", LogLevel.Warning);

// The host cuts every invocation off at its functionTimeout (host.json, or the AzureFunctionsJobHost__functionTimeout
// app setting): the pipeline checks at start that one batch's delivery fits in it, naming the settings if not.
if (builder.Configuration["FlowLogs:Processing:InvocationTimeout"] is null && FunctionTimeout(builder.Configuration) is { } timeout)
{
    builder.Configuration.AddInMemoryCollection([new("FlowLogs:Processing:InvocationTimeout", timeout)]);
}

builder.Services.AddFlowLogPipeline(builder.Configuration);

// The self-check at start, after the storage initialiser (hosted services start in order), in the background.
builder.Services.AddHostedService<FlowLogs.Functions.StartupSelfCheck>();
using IHost host = builder.Build();

// Taken before running: RunAsync disposes the host's services when it ends.
CancellationToken stopping = host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
try
{
    await host.RunAsync().ConfigureAwait(false);
}
catch (OperationCanceledException) when (stopping.IsCancellationRequested)
{
    // The host told the worker to stop (WorkerTerminate, scale-in) while start-up work (creating the checkpoint table)
    // was still running: a clean stop, not a crash.
}

static string? FunctionTimeout(IConfiguration configuration)
{
    if (configuration["AzureFunctionsJobHost:functionTimeout"] is { Length: > 0 } overridden)
    {
        return overridden;
    }

    string hostJson = Path.Combine(AppContext.BaseDirectory, "host.json");
    if (!File.Exists(hostJson))
    {
        return null;
    }

    using System.Text.Json.JsonDocument document = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(hostJson));
    return document.RootElement.TryGetProperty("functionTimeout", out System.Text.Json.JsonElement value) && value.ValueKind == System.Text.Json.JsonValueKind.String
        ? value.GetString()
        : null;
}

// The deployment turns Application Insights' local authentication off and says which identity ingests with
// APPLICATIONINSIGHTS_AUTHENTICATION_STRING ("ClientId=…;Authorization=AAD"), the setting the host reads; the exporter
// does not read it, so the worker builds the same credential from it.
static TokenCredential? EntraCredential(IConfiguration configuration)
{
    string? value = configuration["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"];
    if (string.IsNullOrEmpty(value))
    {
        return null;
    }

    Dictionary<string, string> parts = value
        .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(part => part.Split('=', 2, StringSplitOptions.TrimEntries))
        .Where(pair => pair.Length == 2)
        .ToDictionary(pair => pair[0], pair => pair[1], StringComparer.OrdinalIgnoreCase);
    if (!parts.TryGetValue("Authorization", out string? authorization) || !authorization.Equals("AAD", StringComparison.OrdinalIgnoreCase))
    {
        return null;
    }

    return parts.TryGetValue("ClientId", out string? clientId) && clientId.Length > 0
        ? new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId))
        : new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned);
}
