using System.Collections.Concurrent;
using System.IO.Compression;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace FlowLogs.Testing;

/// <summary>What the loopback intake does with one request.</summary>
public enum IntakeFault
{
    /// <summary>Accept and acknowledge every event.</summary>
    None,

    /// <summary>500, nothing stored.</summary>
    ServerError,

    /// <summary>503, nothing stored.</summary>
    Unavailable,

    /// <summary>429 with <c>Retry-After: 1</c>, nothing stored.</summary>
    TooManyRequests,

    /// <summary>Answer after a long delay (longer than the client's attempt timeout), nothing stored.</summary>
    Slow,

    /// <summary>Reset the connection before reading the request, nothing stored.</summary>
    Reset,

    /// <summary>Store the events, then reset the connection: the client never sees the acknowledgement.</summary>
    StoreThenReset,

    /// <summary>Store the events, then acknowledge one fewer.</summary>
    WrongCount,

    /// <summary>413, nothing stored.</summary>
    TooLarge,

    /// <summary>Store the events and acknowledge them, but only after <see cref="LoopbackIntake.SlowAcknowledgementDelay"/>.</summary>
    SlowAcknowledgement,
}

/// <summary>
/// A real HTTP server on loopback implementing Sekoia's intake contract (<c>POST …/batch</c>, gzip,
/// <c>{"intake_key","jsons"}</c> → <c>{"event_ids"}</c>, 250 KiB per event, 10 MiB per request) with fault injection,
/// keeping every event it accepted and the key it came with. It serves one or several intake keys (one per intake, as
/// Sekoia gives each intake its own) and refuses any other.
/// </summary>
public sealed class LoopbackIntake : IAsyncDisposable
{
    /// <summary>The intake's limit on one event.</summary>
    public const int MaxEventBytes = 250 * 1024;

    /// <summary>The intake's limit on one request body, decompressed.</summary>
    public const int MaxBodyBytes = 10 * 1024 * 1024;

    private readonly WebApplication _app;
    private readonly HashSet<string> _keys;
    private int _requests;
    private long _maxBody;
    private long _maxEvent;
    private int _inFlight;
    private int _maxInFlight;
    private long _storedUnacknowledged;

    private LoopbackIntake(WebApplication app, IEnumerable<string> keys)
    {
        _app = app;
        _keys = new HashSet<string>(keys, StringComparer.Ordinal);
    }

    /// <summary>The base URL to configure (<c>http://127.0.0.1:port</c> plus the path given at start).</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>Every event accepted, as the JSON string it was sent as, in arrival order.</summary>
    public ConcurrentQueue<string> Events { get; } = new();

    /// <summary>Every event accepted with the intake key of its request, in arrival order.</summary>
    public ConcurrentQueue<(string Key, string Event)> KeyedEvents { get; } = new();

    /// <summary>Every event accepted with the time it arrived, for delivery-lag figures.</summary>
    public ConcurrentQueue<(DateTimeOffset ReceivedAt, string Event)> TimedEvents { get; } = new();

    /// <summary>Decides the fault of request number n (from 1); null means none.</summary>
    public Func<int, IntakeFault>? Faults { get; set; }

    /// <summary>Events the intake refuses: a request holding one is answered 400, nothing stored.</summary>
    public Func<string, bool>? RefuseEvent { get; set; }

    /// <summary>Events the intake silently leaves out: not stored, not acknowledged, the others of their request are (a 200 with fewer ids).</summary>
    public Func<string, bool>? LeaveUnacknowledged { get; set; }

    /// <summary>Requests received.</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Requests answered with a fault, by kind.</summary>
    public ConcurrentDictionary<IntakeFault, int> FaultsServed { get; } = new();

    /// <summary>Largest decompressed body received.</summary>
    public long MaxBodyBytesSeen => Interlocked.Read(ref _maxBody);

    /// <summary>Largest single event received.</summary>
    public long MaxEventBytesSeen => Interlocked.Read(ref _maxEvent);

    /// <summary>Most requests handled at the same time.</summary>
    public int MaxConcurrentRequests => Volatile.Read(ref _maxInFlight);

    /// <summary>Events stored by requests whose acknowledgement the client did not get (reset or wrong count): the only source of duplicates.</summary>
    public long StoredWithoutAcknowledgement => Interlocked.Read(ref _storedUnacknowledged);

    /// <summary>Requests whose body was not gzip-encoded.</summary>
    public int UncompressedRequests { get; private set; }

    /// <summary>How long <see cref="IntakeFault.Slow"/> waits.</summary>
    public TimeSpan SlowDelay { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>How long a <see cref="IntakeFault.SlowAcknowledgement"/> takes to acknowledge what it stored.</summary>
    public TimeSpan SlowAcknowledgementDelay { get; set; } = TimeSpan.FromSeconds(12);

    /// <summary>
    /// Starts the server on a free loopback port, answering under <paramref name="pathBase"/>: plain http, or https
    /// with <paramref name="certificate"/> when given (one a client may or may not trust).
    /// </summary>
    public static Task<LoopbackIntake> StartAsync(string intakeKey, string pathBase = "", X509Certificate2? certificate = null) => StartAsync([intakeKey], pathBase, certificate);

    /// <summary>As <see cref="StartAsync(string, string, X509Certificate2?)"/>, accepting each of <paramref name="intakeKeys"/>.</summary>
    public static async Task<LoopbackIntake> StartAsync(IReadOnlyCollection<string> intakeKeys, string pathBase = "", X509Certificate2? certificate = null)
    {
        ArgumentNullException.ThrowIfNull(intakeKeys);
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = MaxBodyBytes * 2L;
            k.Listen(IPAddress.Loopback, 0, listen =>
            {
                if (certificate is not null)
                {
                    listen.UseHttps(certificate);
                }
            });
        });
        WebApplication app = builder.Build();
        var intake = new LoopbackIntake(app, intakeKeys);
        app.MapPost(pathBase + "/batch", intake.HandleAsync);
        await app.StartAsync().ConfigureAwait(false);
        intake.BaseUrl = new Uri(app.Urls.First() + pathBase);
        return intake;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private async Task HandleAsync(HttpContext context)
    {
        int inFlight = Interlocked.Increment(ref _inFlight);
        int seen;
        while (inFlight > (seen = Volatile.Read(ref _maxInFlight)) && Interlocked.CompareExchange(ref _maxInFlight, inFlight, seen) != seen)
        {
        }

        try
        {
            await HandleOneAsync(context).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private async Task HandleOneAsync(HttpContext context)
    {
        int number = Interlocked.Increment(ref _requests);
        IntakeFault fault = Faults?.Invoke(number) ?? IntakeFault.None;
        if (fault != IntakeFault.None)
        {
            FaultsServed.AddOrUpdate(fault, 1, (_, n) => n + 1);
        }

        switch (fault)
        {
            case IntakeFault.Reset:
                context.Abort();
                return;
            case IntakeFault.Slow:
                await Task.Delay(SlowDelay, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
                context.Response.StatusCode = 503;
                return;
            case IntakeFault.ServerError:
                context.Response.StatusCode = 500;
                return;
            case IntakeFault.Unavailable:
                context.Response.StatusCode = 503;
                return;
            case IntakeFault.TooManyRequests:
                context.Response.StatusCode = 429;
                context.Response.Headers.RetryAfter = "1";
                return;
            case IntakeFault.TooLarge:
                context.Response.StatusCode = 413;
                return;
        }

        byte[] body = await ReadBodyAsync(context).ConfigureAwait(false);
        if (body.Length > MaxBodyBytes)
        {
            context.Response.StatusCode = 413;
            return;
        }

        InterlockedMax(ref _maxBody, body.Length);
        string? key = null;
        var events = new List<string>();
        using (JsonDocument document = JsonDocument.Parse(body))
        {
            if (document.RootElement.TryGetProperty("intake_key", out JsonElement k))
            {
                key = k.GetString();
            }

            foreach (JsonElement item in document.RootElement.GetProperty("jsons").EnumerateArray())
            {
                events.Add(item.GetString()!);
            }
        }

        if (key is null || !_keys.Contains(key))
        {
            context.Response.StatusCode = 401;
            return;
        }

        foreach (string item in events)
        {
            int size = System.Text.Encoding.UTF8.GetByteCount(item);
            InterlockedMax(ref _maxEvent, size);
            if (size > MaxEventBytes)
            {
                context.Response.StatusCode = 413;
                return;
            }
        }

        // The intake refuses the whole request when one event is malformed, naming what it did not like.
        if (RefuseEvent is { } refuse && events.Any(refuse))
        {
            context.Response.StatusCode = 400;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("{\"message\":\"invalid event in jsons\"}", context.RequestAborted).ConfigureAwait(false);
            return;
        }

        if (LeaveUnacknowledged is { } leave)
        {
            events.RemoveAll(e => leave(e));
        }

        DateTimeOffset now = DateTimeOffset.UtcNow;
        foreach (string item in events)
        {
            Events.Enqueue(item);
            KeyedEvents.Enqueue((key, item));
            TimedEvents.Enqueue((now, item));
        }

        if (fault is IntakeFault.StoreThenReset or IntakeFault.WrongCount)
        {
            Interlocked.Add(ref _storedUnacknowledged, events.Count);
        }

        if (fault == IntakeFault.StoreThenReset)
        {
            context.Abort();
            return;
        }

        if (fault == IntakeFault.SlowAcknowledgement)
        {
            await Task.Delay(SlowAcknowledgementDelay, context.RequestAborted).ConfigureAwait(false);
        }

        int acknowledged = fault == IntakeFault.WrongCount ? events.Count - 1 : events.Count;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(
            "{\"event_ids\":[" + string.Join(',', Enumerable.Range(0, acknowledged).Select(_ => $"\"{Guid.NewGuid()}\"")) + "]}",
            context.RequestAborted).ConfigureAwait(false);
    }

    private async Task<byte[]> ReadBodyAsync(HttpContext context)
    {
        bool gzip = context.Request.Headers.ContentEncoding.ToString().Contains("gzip", StringComparison.OrdinalIgnoreCase);
        if (!gzip)
        {
            UncompressedRequests++;
        }

        Stream input = gzip ? new GZipStream(context.Request.Body, CompressionMode.Decompress) : context.Request.Body;
        await using (input.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream();
            await input.CopyToAsync(buffer, context.RequestAborted).ConfigureAwait(false);
            return buffer.ToArray();
        }
    }

    private static void InterlockedMax(ref long target, long value)
    {
        long current;
        while (value > (current = Interlocked.Read(ref target)) && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
