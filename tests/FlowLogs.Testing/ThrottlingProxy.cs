using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace FlowLogs.Testing;

/// <summary>The rates above which <see cref="ThrottlingProxy"/> refuses requests; 0 or less: no limit.</summary>
/// <param name="AccountRequestsPerSecond">Requests a second to one account, all its services together.</param>
/// <param name="PartitionRequestsPerSecond">Requests a second to one table partition (entities, for the single-entity operations the product makes).</param>
public sealed record ThrottleLimits(double AccountRequestsPerSecond, double PartitionRequestsPerSecond)
{
    /// <summary>Every request served.</summary>
    public static ThrottleLimits None { get; } = new(0, 0);
}

/// <summary>
/// A loopback proxy in front of Azurite that answers as Azure Storage does above its scalability targets: a request past
/// the rate of its account, or of its table partition, is refused with <c>503 Server Busy</c> or
/// <c>500 Operation Timed Out</c> (in turn) and never reaches the storage; the rest is forwarded as it came (shared-key
/// signatures hold: they cover the path, not the port). Limits can change while it runs, to let a backlog drain.
/// </summary>
public sealed partial class ThrottlingProxy : IAsyncDisposable
{
    // Not forwarded: the connection's own headers, and the body's length, which the forwarded body sets itself.
    private static readonly string[] HopByHop = ["Connection", "Keep-Alive", "Transfer-Encoding", "Upgrade", "Host", "Proxy-Connection", "Expect", "Content-Length"];

    private readonly WebApplication _app;
    private readonly AzuriteServer _azurite;
    private readonly HttpClient _forward = new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, AutomaticDecompression = DecompressionMethods.None });
    private readonly ConcurrentDictionary<string, TokenBucket> _buckets = new(StringComparer.Ordinal);
    private long _served;
    private long _refused;

    private ThrottlingProxy(WebApplication app, AzuriteServer azurite, ThrottleLimits limits)
    {
        _app = app;
        _azurite = azurite;
        Limits = limits;
    }

    /// <summary>The limits in force; set to lift or tighten them while the proxy runs.</summary>
    public ThrottleLimits Limits { get; set; }

    /// <summary>Requests forwarded to Azurite.</summary>
    public long Served => Interlocked.Read(ref _served);

    /// <summary>Requests refused with 503 or 500.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Refusals by what was over its rate: <c>account</c> or <c>partition</c>.</summary>
    public ConcurrentDictionary<string, long> RefusedBy { get; } = new(StringComparer.Ordinal);

    /// <summary>The proxy's blob port.</summary>
    public int BlobPort { get; private set; }

    /// <summary>The proxy's queue port.</summary>
    public int QueuePort { get; private set; }

    /// <summary>The proxy's table port.</summary>
    public int TablePort { get; private set; }

    /// <summary>Starts the proxy on three free loopback ports, in front of <paramref name="azurite"/>'s three services.</summary>
    public static async Task<ThrottlingProxy> StartAsync(AzuriteServer azurite, ThrottleLimits limits)
    {
        ArgumentNullException.ThrowIfNull(azurite);
        ArgumentNullException.ThrowIfNull(limits);
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0", "http://127.0.0.1:0", "http://127.0.0.1:0");
        WebApplication app = builder.Build();
        var proxy = new ThrottlingProxy(app, azurite, limits);
        app.Run(proxy.HandleAsync);
        await app.StartAsync().ConfigureAwait(false);
        int[] ports = [.. app.Urls.Select(u => new Uri(u).Port)];
        (proxy.BlobPort, proxy.QueuePort, proxy.TablePort) = (ports[0], ports[1], ports[2]);
        return proxy;
    }

    /// <summary>A connection string of <paramref name="account"/> whose three endpoints are this proxy's.</summary>
    public string ConnectionStringOf(string account) =>
        $"DefaultEndpointsProtocol=http;AccountName={account};AccountKey={AzuriteServer.KeyOf(account)};BlobEndpoint=http://127.0.0.1:{BlobPort}/{account};QueueEndpoint=http://127.0.0.1:{QueuePort}/{account};TableEndpoint=http://127.0.0.1:{TablePort}/{account};";

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _forward.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        int port = context.Connection.LocalPort;
        bool table = port == TablePort;
        byte[] body = await ReadAsync(context.Request.Body, context.RequestAborted).ConfigureAwait(false);
        string path = context.Request.Path.Value ?? "/";
        string account = path.Split('/', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? string.Empty;
        ThrottleLimits limits = Limits;
        string? over = !Take($"account:{account}", limits.AccountRequestsPerSecond) ? "account"
            : table && PartitionOf(context.Request, body) is { } partition && !Take($"partition:{account}/{partition}", limits.PartitionRequestsPerSecond) ? "partition"
            : null;
        if (over is not null)
        {
            await RefuseAsync(context, table, over).ConfigureAwait(false);
            return;
        }

        Interlocked.Increment(ref _served);
        int target = port == BlobPort ? _azurite.BlobPort : port == QueuePort ? _azurite.QueuePort : _azurite.TablePort;
        // The target as it came, not as ASP.NET decoded it: a row key's own %2F must stay %252F.
        string rawTarget = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()!.RawTarget;
        using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), new Uri($"http://127.0.0.1:{target}{rawTarget}", UriKind.Absolute));
        request.Content = new ByteArrayContent(body);
        foreach ((string name, Microsoft.Extensions.Primitives.StringValues values) in context.Request.Headers)
        {
            if (HopByHop.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                continue;
            }

            if (!request.Headers.TryAddWithoutValidation(name, (IEnumerable<string>)values))
            {
                request.Content.Headers.TryAddWithoutValidation(name, (IEnumerable<string>)values);
            }
        }

        using HttpResponseMessage response = await _forward.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted).ConfigureAwait(false);
        context.Response.StatusCode = (int)response.StatusCode;
        foreach ((string name, IEnumerable<string> values) in response.Headers.Concat(response.Content.Headers))
        {
            if (!HopByHop.Contains(name, StringComparer.OrdinalIgnoreCase) || name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                context.Response.Headers[name] = values.ToArray();
            }
        }

        await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted).ConfigureAwait(false);
    }

    // What Azure answers past a target: 503 Server Busy or 500 Operation Timed Out, in its services' error formats.
    private async Task RefuseAsync(HttpContext context, bool table, string over)
    {
        long refused = Interlocked.Increment(ref _refused);
        RefusedBy.AddOrUpdate(over, 1, (_, n) => n + 1);
        (int status, string code, string message) = refused % 2 == 0
            ? (500, "OperationTimedOut", "Operation could not be completed within the specified time.")
            : (503, "ServerBusy", "The server is busy.");
        context.Response.StatusCode = status;
        context.Response.Headers["x-ms-error-code"] = code;
        context.Response.Headers["x-ms-request-id"] = Guid.NewGuid().ToString();
        context.Response.Headers.Date = DateTimeOffset.UtcNow.ToString("r", CultureInfo.InvariantCulture);
        if (table)
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync($"{{\"odata.error\":{{\"code\":\"{code}\",\"message\":{{\"lang\":\"en-US\",\"value\":\"{message}\"}}}}}}", context.RequestAborted).ConfigureAwait(false);
        }
        else
        {
            context.Response.ContentType = "application/xml";
            await context.Response.WriteAsync($"<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>{code}</Code><Message>{message}</Message></Error>", context.RequestAborted).ConfigureAwait(false);
        }
    }

    private bool Take(string key, double perSecond) => perSecond <= 0 || _buckets.GetOrAdd(key, _ => new TokenBucket()).TryTake(perSecond);

    // The partition a table request addresses: in the entity's path, the query's filter, or an inserted entity's body.
    private static string? PartitionOf(HttpRequest request, byte[] body)
    {
        string path = Uri.UnescapeDataString(request.Path.Value ?? string.Empty);
        if (EntityPath().Match(path) is { Success: true } entity)
        {
            return entity.Groups[1].Value;
        }

        string filter = Uri.UnescapeDataString(request.Query["$filter"].ToString());
        if (PartitionFilter().Match(filter) is { Success: true } queried)
        {
            return queried.Groups[1].Value;
        }

        return body.Length > 0 && InsertedPartition().Match(Encoding.UTF8.GetString(body)) is { Success: true } inserted ? inserted.Groups[1].Value : null;
    }

    private static async Task<byte[]> ReadAsync(Stream body, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await body.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }

    [GeneratedRegex(@"\(PartitionKey='((?:[^']|'')*)',RowKey=")]
    private static partial Regex EntityPath();

    [GeneratedRegex(@"PartitionKey (?:eq|ge) '((?:[^']|'')*)'")]
    private static partial Regex PartitionFilter();

    [GeneratedRegex(@"""PartitionKey""\s*:\s*""((?:[^""\\]|\\.)*)""")]
    private static partial Regex InsertedPartition();

    /// <summary>A second's worth of requests at the rate, refilled continuously.</summary>
    private sealed class TokenBucket
    {
        private readonly Lock _lock = new();
        private double _tokens = double.NaN;
        private long _last;

        public bool TryTake(double perSecond)
        {
            lock (_lock)
            {
                long now = Environment.TickCount64;
                _tokens = double.IsNaN(_tokens) ? perSecond : Math.Min(perSecond, _tokens + ((now - _last) / 1000.0 * perSecond));
                _last = now;
                if (_tokens < 1)
                {
                    return false;
                }

                _tokens--;
                return true;
            }
        }
    }
}
