using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace FlowLogs.Testing;

/// <summary>
/// Azurite serving HTTPS with <see cref="AzuriteTls"/>'s certificate and accepting OAuth bearer tokens
/// (<c>--oauth basic</c>: issuer, audience and expiry are checked, not the signature), in memory on free loopback
/// ports, so clients with a token credential (identity-based connections) can be tested against it.
/// </summary>
public sealed partial class HttpsAzuriteServer : IAsyncDisposable
{
    private const string Account = "devstoreaccount1";
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly Process _process;
    private readonly Dictionary<string, int> _ports;

    private HttpsAzuriteServer(Process process, Dictionary<string, int> ports)
    {
        _process = process;
        _ports = ports;
    }

    /// <summary>The blob service's URI (the account's root), as an identity-based connection names it.</summary>
    public Uri BlobServiceUri => Service("Blob");

    /// <summary>The queue service's URI.</summary>
    public Uri QueueServiceUri => Service("Queue");

    /// <summary>The table service's URI.</summary>
    public Uri TableServiceUri => Service("Table");

    /// <summary>A shared-key connection string (HTTPS) for the test's own clients.</summary>
    public string ConnectionString => $"DefaultEndpointsProtocol=https;AccountName={Account};AccountKey={AccountKey};BlobEndpoint={BlobServiceUri};QueueEndpoint={QueueServiceUri};TableEndpoint={TableServiceUri};";

    /// <summary>Starts it (installing Azurite first if needed).</summary>
    public static async Task<HttpsAzuriteServer> StartAsync(AzuriteTls tls, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tls);
        string azurite = await AzuriteServer.EnsureInstalledAsync(cancellationToken).ConfigureAwait(false);
        var start = new ProcessStartInfo(azurite)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepositoryRoot.Path,
        };
        foreach (string argument in AzuriteServer.Flags.Concat(
        [
            "--inMemoryPersistence", "--cert", tls.CertificatePemPath, "--key", tls.KeyPemPath, "--oauth", "basic",
            "--blobHost", "127.0.0.1", "--blobPort", "0", "--queueHost", "127.0.0.1", "--queuePort", "0", "--tableHost", "127.0.0.1", "--tablePort", "0",
        ]))
        {
            start.ArgumentList.Add(argument);
        }

        Process process = Process.Start(start) ?? throw new InvalidOperationException("could not start Azurite");
        return new HttpsAzuriteServer(process, await AzuriteServer.WaitUntilListeningAsync(process, ListeningLine(), cancellationToken).ConfigureAwait(false));
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
            // Already gone.
        }

        await _process.WaitForExitAsync().ConfigureAwait(false);
        _process.Dispose();
    }

    private Uri Service(string name) => new(string.Create(CultureInfo.InvariantCulture, $"https://127.0.0.1:{_ports[name]}/{Account}"));

    [GeneratedRegex(@"Azurite (Blob|Queue|Table) service is successfully listening at https://127\.0\.0\.1:(\d+)")]
    private static partial Regex ListeningLine();
}
