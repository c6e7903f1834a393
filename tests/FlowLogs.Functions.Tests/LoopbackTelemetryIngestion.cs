using System.Collections.Concurrent;
using System.IO.Compression;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace FlowLogs.Functions.Tests;

/// <summary>
/// A loopback stand-in for Application Insights' ingestion endpoint (<c>POST /v2.1/track</c>, newline-delimited
/// telemetry items, gzip or not), keeping every item it accepted; its address goes into the connection string.
/// </summary>
internal sealed class LoopbackTelemetryIngestion : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LoopbackTelemetryIngestion(WebApplication app) => _app = app;

    public Uri Endpoint { get; private set; } = null!;

    /// <summary>Every telemetry item received, as JSON text.</summary>
    public ConcurrentQueue<string> Items { get; } = new();

    /// <summary>Request paths received (track, live metrics, anything else).</summary>
    public ConcurrentQueue<string> Paths { get; } = new();

    /// <summary>A connection string sending everything here (ingestion and live metrics).</summary>
    public string ConnectionString => $"InstrumentationKey=00000000-0000-0000-0000-00000000f10e;IngestionEndpoint={Endpoint};LiveEndpoint={Endpoint}";

    public static async Task<LoopbackTelemetryIngestion> StartAsync()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        WebApplication app = builder.Build();
        var ingestion = new LoopbackTelemetryIngestion(app);
        app.Run(ingestion.HandleAsync);
        await app.StartAsync();
        ingestion.Endpoint = new Uri(app.Urls.First() + "/");
        return ingestion;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        Paths.Enqueue(context.Request.Path);
        if (!context.Request.Path.StartsWithSegments("/v2.1/track", StringComparison.Ordinal))
        {
            context.Response.StatusCode = 404;
            return;
        }

        bool gzip = context.Request.Headers.ContentEncoding.ToString().Contains("gzip", StringComparison.OrdinalIgnoreCase);
        Stream body = gzip ? new GZipStream(context.Request.Body, CompressionMode.Decompress) : context.Request.Body;
        string text;
        using (var reader = new StreamReader(body, Encoding.UTF8))
        {
            text = await reader.ReadToEndAsync(context.RequestAborted);
        }

        string[] items = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (string item in items)
        {
            Items.Enqueue(item);
        }

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync($"{{\"itemsReceived\":{items.Length},\"itemsAccepted\":{items.Length},\"errors\":[]}}", context.RequestAborted);
    }
}
