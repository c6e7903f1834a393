using System.Net.Http.Headers;
using System.Security.Authentication;
using System.Text.Json;
using FlowLogs.Sinks.Sekoia;

namespace FlowLogs.SelfCheck;

/// <summary>Why the intake gave no HTTP answer.</summary>
internal enum IntakeFault
{
    /// <summary>It answered (<see cref="IntakeAnswer.Status"/>).</summary>
    None,

    /// <summary>The TLS handshake failed.</summary>
    Tls,

    /// <summary>Name resolution or the connection failed.</summary>
    Unreachable,
}

/// <summary>What the intake answered to a request with no events.</summary>
/// <param name="Status">The HTTP status; 0 without an answer.</param>
/// <param name="EventIds">How many ids its <c>event_ids</c> held; null when the answer had none.</param>
/// <param name="Fault">Why there was no answer.</param>
/// <param name="Message">What the client said when there was no answer.</param>
/// <param name="Excerpt">The start of the answer's body, the key blanked out.</param>
internal sealed record IntakeAnswer(int Status, int? EventIds = null, IntakeFault Fault = IntakeFault.None, string? Message = null, string? Excerpt = null);

/// <summary>Sends the intake a request that holds no event.</summary>
internal interface IIntakeProbe
{
    /// <summary>Posts <c>{"intake_key": …, "jsons": []}</c> to <c>{baseUrl}/batch</c>, as the sink posts events.</summary>
    Task<IntakeAnswer> SendNoEventsAsync(Uri baseUrl, string intakeKey, CancellationToken cancellationToken);
}

/// <summary>
/// <see cref="IIntakeProbe"/> over HTTP: the sink's own request (URL, gzip, body framing) with an empty <c>jsons</c>,
/// once, without the sink's retries: nothing reaches the customer's SIEM.
/// </summary>
internal sealed class HttpIntakeProbe(IHttpClientFactory clients) : IIntakeProbe
{
    /// <summary>The <see cref="HttpClient"/> the probe asks the factory for (no resilience handler).</summary>
    public const string HttpClientName = "FlowLogs.IntakeCheck";

    /// <inheritdoc/>
    public async Task<IntakeAnswer> SendNoEventsAsync(Uri baseUrl, string intakeKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(intakeKey);
        using MemoryStream body = new IntakeRequestBody(intakeKey).Gzip(ReadOnlySpan<byte>.Empty);
        using var content = new ByteArrayContent(body.GetBuffer(), 0, (int)body.Length);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        content.Headers.ContentEncoding.Add("gzip");
        using var request = new HttpRequestMessage(HttpMethod.Post, SekoiaIntakeSink.BatchUrl(baseUrl)) { Content = content };
        try
        {
            using HttpResponseMessage response = await clients.CreateClient(HttpClientName).SendAsync(request, cancellationToken).ConfigureAwait(false);
            string text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            string excerpt = (text.Length <= 200 ? text : text[..200] + "…").Replace(intakeKey.Length > 0 ? intakeKey : "\0", "***", StringComparison.Ordinal);
            return new IntakeAnswer((int)response.StatusCode, CountEventIds(text), Excerpt: excerpt);
        }
        catch (HttpRequestException ex) when (ex.HttpRequestError == HttpRequestError.SecureConnectionError || ex.InnerException is AuthenticationException)
        {
            return new IntakeAnswer(0, Fault: IntakeFault.Tls, Message: ex.InnerException?.Message ?? ex.Message);
        }
        catch (HttpRequestException ex)
        {
            return new IntakeAnswer(0, Fault: IntakeFault.Unreachable, Message: ex.HttpRequestError.ToString());
        }
    }

    // The number of ids in the answer's "event_ids", or null when it has none (not the intake, or another answer).
    private static int? CountEventIds(string text)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(text);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("event_ids", out JsonElement ids)
                && ids.ValueKind == JsonValueKind.Array
                ? ids.GetArrayLength()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
