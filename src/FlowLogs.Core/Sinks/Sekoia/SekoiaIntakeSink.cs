using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using FlowLogs.Ecs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace FlowLogs.Sinks.Sekoia;

/// <summary>
/// Delivers events to Sekoia.io's HTTP intake: <c>POST {BaseUrl}/batch</c>, gzip, at most 9 MiB a request, every event
/// acknowledged by id. Each event goes to the intake its route names (<see cref="IntakeRoutes"/>: NSG tuples to their
/// own intake when it has a key), each request to one intake. Transient failures (timeouts, resets, 429, 5xx) are
/// retried by the HTTP client's standard resilience handler, honouring Retry-After, within the retry budget; a wrong key
/// or URL fails at once with the setting to fix. Events the intake refuses alone come back in the receipt with its
/// answer. Intake keys are never logged.
/// </summary>
internal sealed partial class SekoiaIntakeSink : IEventSink, IDisposable
{
    /// <summary>The name of the <see cref="HttpClient"/> the sink asks <see cref="IHttpClientFactory"/> for.</summary>
    public const string HttpClientName = "FlowLogs.SekoiaIntake";

    private static readonly MediaTypeHeaderValue Json = new("application/json");

    private readonly IHttpClientFactory _clients;
    private readonly SekoiaIntakeOptions _options;
    private readonly ILogger<SekoiaIntakeSink> _logger;
    private readonly SemaphoreSlim _inFlight;
    private readonly Uri _batchUrl;
    private readonly IntakeRoutes _routes;

    // The request bodies' prefixes, by intake (SekoiaIntake): the NSG intake's only when it has a key.
    private readonly IntakeRequestBody?[] _bodies;
    private readonly TimeProvider _time;

    // The intake's refusal of a whole request is taken as about its events while it accepted one this recently.
    internal static readonly TimeSpan AcceptedLately = TimeSpan.FromMinutes(10);

    // Timestamp (of _time) of the last request each intake accepted; 0 before the first.
    private readonly long[] _lastAccepted = new long[2];

    /// <summary>Creates the sink.</summary>
    public SekoiaIntakeSink(IHttpClientFactory clients, IOptions<SekoiaIntakeOptions> options, ILogger<SekoiaIntakeSink> logger, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _clients = clients ?? throw new ArgumentNullException(nameof(clients));
        _options = options?.Value ?? throw new ArgumentNullException(nameof(options));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _inFlight = new SemaphoreSlim(_options.MaxConcurrentRequests, _options.MaxConcurrentRequests);
        _batchUrl = BatchUrl(_options.BaseUrl);
        _routes = IntakeRoutes.From(_options);
        _bodies = [new IntakeRequestBody(_options.IntakeKey), _routes.HasNsgIntake ? new IntakeRequestBody(_options.NsgIntakeKey) : null];
    }

    /// <inheritdoc/>
    public EventBatchBuilder CreateBatch() => new(_options.Payload, new JsonStringFraming(_routes));

    /// <summary>The URL events are posted to: the base URL followed by <c>/batch</c>.</summary>
    public static Uri BatchUrl(Uri baseUrl)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        return new Uri(baseUrl.AbsoluteUri.TrimEnd('/') + "/batch");
    }

    /// <inheritdoc/>
    public async ValueTask<DeliveryReceipt> DeliverAsync(EventBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Framing is not JsonStringFraming)
        {
            throw new ArgumentException("the batch's events are not framed as the intake's JSON strings: build it with this sink's CreateBatch", nameof(batch));
        }

        // A request is a run of consecutive events of one intake, measured as its body will be: the prefix, the events
        // with a comma between each, the suffix. The first event of a run always goes: alone it is under MaxEventBytes,
        // at most half a request before escaping (an event of nothing but quotes could pass MaxRequestBytes escaped,
        // still far under the intake's own 10 MiB). An event over that limit, or one its route cannot carry, is never
        // sent, so it ends the run before it; so does an event for the other intake.
        var refused = new List<RefusedEvent>();
        int first = 0;
        long length = 0;
        for (int i = 0; i < batch.Count; i++)
        {
            string? unsent = batch.Unsendable(i) ?? (batch.JsonLength(i) > _options.MaxEventBytes
                ? string.Create(CultureInfo.InvariantCulture, $"event of {batch.JsonLength(i)} bytes is over the intake's limit of {_options.MaxEventBytes} bytes (FlowLogs:Sekoia:MaxEventBytes)")
                : null);
            if (unsent is not null)
            {
                refused.Add(new RefusedEvent(i, unsent));
                await SendRequestAsync(batch, first, i - first, refused, cancellationToken).ConfigureAwait(false);
                first = i + 1;
                continue;
            }

            if (i > first && batch.Destination(i) != batch.Destination(first))
            {
                await SendRequestAsync(batch, first, i - first, refused, cancellationToken).ConfigureAwait(false);
                first = i;
            }

            if (i == first)
            {
                length = Body(batch.Destination(i)).PrefixLength;
            }

            int framed = batch.FramedLength(i);
            if (i > first && length + 1 + framed + IntakeRequestBody.Suffix.Length > _options.MaxRequestBytes)
            {
                await SendRequestAsync(batch, first, i - first, refused, cancellationToken).ConfigureAwait(false);
                first = i;
                length = Body(batch.Destination(i)).PrefixLength;
            }

            length += (i > first ? 1 : 0) + framed;
        }

        await SendRequestAsync(batch, first, batch.Count - first, refused, cancellationToken).ConfigureAwait(false);
        return DeliveryReceipt.Refusing(refused);
    }

    // One request, and whatever splitting a 400 or 413 calls for. Events the intake refused alone are refused in the
    // receipt once the split is over, unless the intake accepted nothing, here or from this process for a while: then it
    // is refusing the requests (a wrong URL or payload), not these events, and the delivery fails naming the settings.
    private async Task SendRequestAsync(EventBatch batch, int first, int count, List<RefusedEvent> refused, CancellationToken cancellationToken)
    {
        if (count == 0)
        {
            return;
        }

        var intake = (SekoiaIntake)batch.Destination(first);
        var rejections = new Rejections(intake, IntakeWorks(intake));
        await SendAsync(batch, first, count, rejections, cancellationToken).ConfigureAwait(false);
        refused.AddRange(rejections.TooLarge);
        if (rejections.Refused.Count == 0)
        {
            return;
        }

        if (rejections.Accepted == 0 && !IntakeWorks(intake))
        {
            throw RefusedEverything(rejections.Refused[0].Reason);
        }

        refused.AddRange(rejections.Refused);
    }

    // Whether this intake accepted a request from this process lately: evidence that a 400 is about the events, not the requests.
    private bool IntakeWorks(SekoiaIntake intake) => Interlocked.Read(ref _lastAccepted[(int)intake]) is long last and not 0 && _time.GetElapsedTime(last) < AcceptedLately;

    // The body prefix of an intake; the framing routes to the NSG intake only when it has a key.
    private IntakeRequestBody Body(byte destination)
        => _bodies[destination] ?? throw new InvalidOperationException($"an event is routed to the intake of {IntakeRoutes.KeySetting((SekoiaIntake)destination)}, which has no key: build batches with this sink's CreateBatch");

    private static IntakeException RefusedEverything(string answer)
        => new($"the intake accepted none of the events it was sent ({answer}); check {SekoiaIntakeOptions.SectionName}:BaseUrl and {SekoiaIntakeOptions.SectionName}:Payload", 400) { IsConfigurationError = true };

    /// <inheritdoc/>
    public void Dispose() => _inFlight.Dispose();

    // Sends one request whose body holds exactly events first..first+count-1; a 413 or a 400 is answered by sending
    // halves, so one event the intake refuses is found and refused with its answer instead of blocking its blob.
    private async Task SendAsync(EventBatch batch, int first, int count, Rejections rejections, CancellationToken cancellationToken)
    {
        ReadOnlyMemory<byte> events = batch.Slice(first, count);
        IntakeRequestBody body = Body((byte)rejections.Intake);
        using MemoryStream compressed = body.Gzip(events.Span);
        var stopwatch = Stopwatch.StartNew();
        await _inFlight.WaitAsync(cancellationToken).ConfigureAwait(false);
        HttpResponseMessage response;
        try
        {
            using var content = new ByteArrayContent(compressed.GetBuffer(), 0, (int)compressed.Length);
            content.Headers.ContentType = Json;
            content.Headers.ContentEncoding.Add("gzip");
            using var message = new HttpRequestMessage(HttpMethod.Post, _batchUrl) { Content = content };
            response = await _clients.CreateClient(HttpClientName).SendAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (BrokenCircuitException ex)
        {
            throw new IntakeException($"the intake at {_batchUrl} kept failing and the circuit breaker stayed open past the retry budget ({SekoiaIntakeOptions.SectionName}:RetryBudget, {_options.RetryBudget}); the events go out with a later trigger or the replay", inner: ex);
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutRejectedException || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new IntakeException($"the intake at {_batchUrl} did not answer within the retry budget ({SekoiaIntakeOptions.SectionName}:RetryBudget, {_options.RetryBudget}): {ex.GetType().Name}", inner: ex);
        }
        finally
        {
            _inFlight.Release();
        }

        using (response)
        {
            int status = (int)response.StatusCode;
            if (response.StatusCode is HttpStatusCode.RequestEntityTooLarge or HttpStatusCode.BadRequest)
            {
                string answer = $"the intake refused this event ({status}): {await ExcerptAsync(response, cancellationToken).ConfigureAwait(false)}";
                await SplitAsync(batch, first, count, status, answer, rejections, cancellationToken).ConfigureAwait(false);
                return;
            }

            if (!response.IsSuccessStatusCode)
            {
                throw Failure(rejections.Intake, status, await ExcerptAsync(response, cancellationToken).ConfigureAwait(false));
            }

            int acknowledged = await CountEventIdsAsync(response, cancellationToken).ConfigureAwait(false);
            if (acknowledged < count)
            {
                // Which events the intake kept, it does not say: halves are sent until those it does not acknowledge
                // are found alone and refused. Sent again whole, the same batch would come back on every trigger.
                string answer = acknowledged < 0
                    ? $"the intake answered {status} without the event ids it acknowledges events with"
                    : string.Create(CultureInfo.InvariantCulture, $"the intake answered {status} but acknowledged {acknowledged} of {count} events");
                await SplitAsync(batch, first, count, status, answer, rejections, cancellationToken).ConfigureAwait(false);
                return;
            }

            rejections.Accepted += count;
            Interlocked.Exchange(ref _lastAccepted[(int)rejections.Intake], Math.Max(_time.GetTimestamp(), 1));
            int bodyLength = body.Length(events.Length);
            LogSent(_logger, count, bodyLength, (int)compressed.Length, batch.Source, rejections.Intake, stopwatch.ElapsedMilliseconds);
        }
    }

    private async Task SplitAsync(EventBatch batch, int first, int count, int status, string answer, Rejections rejections, CancellationToken cancellationToken)
    {
        if (count == 1 && status == 413)
        {
            rejections.TooLarge.Add(new RefusedEvent(first, "the intake answered 413 (too large) for this event alone"));
            return;
        }

        if (count == 1 || rejections.SplitsLeft <= 0)
        {
            // Found, or the isolation budget is spent: what is left is refused as it stands, each event kept.
            string why = count == 1 ? answer : $"{answer} (sent with {count - 1} others; not isolated further)";
            for (int i = first; i < first + count; i++)
            {
                rejections.Refused.Add(new RefusedEvent(i, why));
            }

            // Nothing accepted and no sign the intake accepts anything: stop early, it is the requests it refuses.
            if (!rejections.IntakeWorked && rejections.Accepted == 0 && rejections.Refused.Count >= Rejections.RefusedBeforeGivingUp)
            {
                throw RefusedEverything(answer);
            }

            return;
        }

        // Halves of a run are runs: each is sent from its own slice of the batch, nothing re-encoded.
        rejections.SplitsLeft--;
        LogSplit(_logger, status, count);
        int half = count / 2;
        await SendAsync(batch, first, half, rejections, cancellationToken).ConfigureAwait(false);
        await SendAsync(batch, first + half, count - half, rejections, cancellationToken).ConfigureAwait(false);
    }

    private IntakeException Failure(SekoiaIntake intake, int status, string excerpt) => status switch
    {
        401 or 403 => new IntakeException($"the intake refused the intake key ({status}): check {IntakeRoutes.KeySetting(intake)}", status) { IsConfigurationError = true },
        404 => new IntakeException($"there is no intake at {_batchUrl} (404): check {SekoiaIntakeOptions.SectionName}:BaseUrl", status) { IsConfigurationError = true },
        _ => new IntakeException($"the intake answered {status} and retries ran out within {_options.RetryBudget}: {excerpt}", status),
    };

    private static async Task<string> ExcerptAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        string text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        return text.Length <= 200 ? text : text[..200] + "…";
    }

    private static async Task<int> CountEventIdsAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        byte[] json = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var reader = new Utf8JsonReader(json);
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 && reader.ValueTextEquals("event_ids"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.StartArray)
                    {
                        return -1;
                    }

                    int count = 0;
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        count++;
                        reader.Skip();
                    }

                    return count;
                }
            }
        }
        catch (JsonException)
        {
            // An answer that is not JSON acknowledges nothing.
        }

        return -1;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Sent {Events} events ({Bytes} bytes, {Compressed} gzipped) from {Blob} to the {Intake} intake in {ElapsedMs} ms")]
    private static partial void LogSent(ILogger logger, int events, int bytes, int compressed, string blob, SekoiaIntake intake, long elapsedMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The intake answered {Status} for {Events} events without accepting them all; sending them in two halves to find what it refuses")]
    private static partial void LogSplit(ILogger logger, int status, int events);

    /// <summary>What one request's splitting found: events accepted, events refused, splits it may still make.</summary>
    private sealed class Rejections(SekoiaIntake intake, bool intakeWorked)
    {
        /// <summary>Refused events, none accepted, intake silent: enough to say it refuses the requests.</summary>
        public const int RefusedBeforeGivingUp = 8;

        /// <summary>The intake the request goes to.</summary>
        public SekoiaIntake Intake { get; } = intake;

        /// <summary>Whether the intake had accepted a request from this process lately when this one began.</summary>
        public bool IntakeWorked { get; } = intakeWorked;

        public int Accepted { get; set; }

        /// <summary>Splits (each two requests) left: a batch full of refused events costs at most this many.</summary>
        public int SplitsLeft { get; set; } = 64;

        /// <summary>Events refused with a 400 or without an acknowledgement: about the events only if the intake accepts anything.</summary>
        public List<RefusedEvent> Refused { get; } = [];

        /// <summary>Events the intake answered 413 for alone: too large, whatever else it accepts.</summary>
        public List<RefusedEvent> TooLarge { get; } = [];
    }
}
