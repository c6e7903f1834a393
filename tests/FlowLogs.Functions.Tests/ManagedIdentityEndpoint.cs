using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace FlowLogs.Functions.Tests;

/// <summary>
/// A loopback stand-in for App Service's managed-identity endpoint (<c>IDENTITY_ENDPOINT</c> / <c>IDENTITY_HEADER</c>),
/// which ManagedIdentityCredential calls on App Service and Functions: it issues a token that Azurite's basic OAuth
/// mode accepts (issuer, audience, expiry; Azurite does not check signatures) and records who asked for what.
/// </summary>
internal sealed class ManagedIdentityEndpoint : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ManagedIdentityEndpoint(WebApplication app, string header)
    {
        _app = app;
        Header = header;
    }

    public Uri Endpoint { get; private set; } = null!;

    public string Header { get; }

    /// <summary>(client_id, resource) of every token request that carried the right header.</summary>
    public ConcurrentQueue<(string? ClientId, string? Resource)> Requests { get; } = new();

    public static async Task<ManagedIdentityEndpoint> StartAsync()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        WebApplication app = builder.Build();
        var endpoint = new ManagedIdentityEndpoint(app, Guid.NewGuid().ToString("N"));
        app.MapGet("/msi/token", endpoint.Issue);
        await app.StartAsync();
        endpoint.Endpoint = new Uri(app.Urls.First() + "/msi/token");
        return endpoint;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private IResult Issue(HttpContext context)
    {
        if (context.Request.Headers["X-IDENTITY-HEADER"] != Header)
        {
            return Results.StatusCode(401);
        }

        string? clientId = context.Request.Query["client_id"];
        string? resource = context.Request.Query["resource"];
        Requests.Enqueue((clientId, resource));
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        string token = string.Join('.', Encode(new { alg = "RS256", typ = "JWT" }), Encode(new
        {
            aud = "https://storage.azure.com",
            iss = "https://sts.windows.net/ab1f708d-50f6-404c-a006-d71b2ac7a606/",
            iat = now - 60,
            nbf = now - 60,
            exp = now + 3600,
            oid = clientId,
            tid = "ab1f708d-50f6-404c-a006-d71b2ac7a606",
            appid = clientId,
        }), "c2lnbmF0dXJl");
        return Results.Json(new Dictionary<string, string?>
        {
            ["access_token"] = token,
            ["expires_on"] = (now + 3600).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["resource"] = resource,
            ["token_type"] = "Bearer",
            ["client_id"] = clientId,
        });
    }

    private static string Encode(object value)
        => Convert.ToBase64String(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(value))).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
