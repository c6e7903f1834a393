using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace FlowLogs.Testing;

/// <summary>
/// Azurite, the Azure Storage emulator, installed from the repository's npm lockfile and started on free loopback
/// ports with in-memory storage, always with <see cref="Flags"/> (telemetry off: it sends nothing off the machine);
/// stopped (its whole process tree) on dispose.
/// </summary>
public sealed partial class AzuriteServer : IAsyncDisposable
{
    /// <summary>The emulator's documented, public development account: the one <see cref="ConnectionString"/> names.</summary>
    public const string Account = "devstoreaccount1";

    /// <summary>A second account every Azurite started here also serves (<c>AZURITE_ACCOUNTS</c>), for several flow-log accounts.</summary>
    public const string SecondAccount = "flowlogssecond";

    // Development keys, public like the emulator's own (Azurite serves only loopback here).
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private const string SecondAccountKey = "c2Vjb25kLWZsb3ctbG9nLWFjY291bnQta2V5LWZvci10ZXN0cy1vbmx5LTAwMDA=";
    private static readonly SemaphoreSlim InstallGate = new(1, 1);

    private readonly string? _location;
    private readonly string? _debugLog;
    private Process _process;

    private AzuriteServer(Process process, int blobPort, int queuePort, int tablePort, string? location, string? debugLog)
    {
        _process = process;
        BlobPort = blobPort;
        QueuePort = queuePort;
        TablePort = tablePort;
        _location = location;
        _debugLog = debugLog;
    }

    /// <summary>
    /// The flags every Azurite this repository starts gets, first of all <c>--disableTelemetry</c>: without it Azurite
    /// opens connections off the machine and takes up to half a minute to exit after SIGTERM.
    /// <c>scripts/run-local.sh</c> keeps the same list in <c>AZURITE_FLAGS</c>.
    /// </summary>
    public static IReadOnlyList<string> Flags { get; } = ["--disableTelemetry", "--skipApiVersionCheck", "--silent", "--disableProductStyleUrl"];

    /// <summary>The blob service's port.</summary>
    public int BlobPort { get; }

    /// <summary>The queue service's port.</summary>
    public int QueuePort { get; }

    /// <summary>The table service's port.</summary>
    public int TablePort { get; }

    /// <summary>A connection string for the Azure SDK clients.</summary>
    public string ConnectionString => ConnectionStringOf(Account);

    /// <summary>A connection string of <paramref name="account"/> (<see cref="Account"/> or <see cref="SecondAccount"/>).</summary>
    public string ConnectionStringOf(string account) => string.Create(
        CultureInfo.InvariantCulture,
        $"DefaultEndpointsProtocol=http;AccountName={account};AccountKey={KeyOf(account)};BlobEndpoint=http://127.0.0.1:{BlobPort}/{account};QueueEndpoint=http://127.0.0.1:{QueuePort}/{account};TableEndpoint=http://127.0.0.1:{TablePort}/{account};");

    internal static string KeyOf(string account) => account switch
    {
        Account => AccountKey,
        SecondAccount => SecondAccountKey,
        _ => throw new ArgumentException($"Azurite here serves {Account} and {SecondAccount}, not {account}", nameof(account)),
    };

    /// <summary>Installs Azurite if needed (<c>npm ci</c>) and starts it in memory on free ports.</summary>
    public static Task<AzuriteServer> StartAsync(CancellationToken cancellationToken = default) => StartAsync(null, 0, 0, 0, cancellationToken);

    /// <summary>Starts Azurite keeping its data in <paramref name="location"/> (null: in memory), on the given ports (0: free ones).</summary>
    public static Task<AzuriteServer> StartAsync(string? location, int blobPort, int queuePort, int tablePort, CancellationToken cancellationToken = default) =>
        StartAsync(location, blobPort, queuePort, tablePort, null, cancellationToken);

    /// <summary>As above, with Azurite's own debug log (<c>--debug</c>) written to <paramref name="debugLog"/> (null: none).</summary>
    public static async Task<AzuriteServer> StartAsync(string? location, int blobPort, int queuePort, int tablePort, string? debugLog, CancellationToken cancellationToken = default)
    {
        (Process process, Dictionary<string, int> ports) = await LaunchAsync(location, blobPort, queuePort, tablePort, debugLog, cancellationToken).ConfigureAwait(false);
        return new AzuriteServer(process, ports["Blob"], ports["Queue"], ports["Table"], location, debugLog);
    }

    /// <summary>Stops Azurite and starts it again on the same ports (with a location, the data survives).</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await StopAsync(cancellationToken).ConfigureAwait(false);
        _process.Dispose();
        (_process, _) = await LaunchAsync(_location, BlobPort, QueuePort, TablePort, _debugLog, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Stops Azurite gracefully (SIGTERM; SIGKILL after 15 s) and returns how long it took to exit after SIGTERM.
    /// Dispose still releases the process.
    /// </summary>
    public async Task<TimeSpan> StopAsync(CancellationToken cancellationToken = default)
    {
        // SIGTERM, not SIGKILL: Azurite saves its metadata on a graceful stop (a storage service's restart, not a crash).
        var stopwatch = Stopwatch.StartNew();
        using (Process term = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await term.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }

        using var grace = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        grace.CancelAfter(TimeSpan.FromSeconds(15));
        try
        {
            await _process.WaitForExitAsync(grace.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Kill(_process);
            await _process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }

        return stopwatch.Elapsed;
    }

    private static async Task<(Process Process, Dictionary<string, int> Ports)> LaunchAsync(string? location, int blobPort, int queuePort, int tablePort, string? debugLog, CancellationToken cancellationToken)
    {
        string azurite = await EnsureInstalledAsync(cancellationToken).ConfigureAwait(false);
        var start = new ProcessStartInfo(azurite)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepositoryRoot.Path,
        };

        // Naming accounts replaces the default one, so it is named too.
        start.Environment["AZURITE_ACCOUNTS"] = $"{Account}:{AccountKey};{SecondAccount}:{SecondAccountKey}";
        foreach (string argument in Flags.Concat(
        [
            "--blobHost", "127.0.0.1", "--blobPort", blobPort.ToString(CultureInfo.InvariantCulture),
            "--queueHost", "127.0.0.1", "--queuePort", queuePort.ToString(CultureInfo.InvariantCulture),
            "--tableHost", "127.0.0.1", "--tablePort", tablePort.ToString(CultureInfo.InvariantCulture),
        ]))
        {
            start.ArgumentList.Add(argument);
        }

        if (debugLog is not null)
        {
            start.ArgumentList.Add("--debug");
            start.ArgumentList.Add(debugLog);
        }

        if (location is null)
        {
            start.ArgumentList.Add("--inMemoryPersistence");
        }
        else
        {
            start.ArgumentList.Add("--location");
            start.ArgumentList.Add(location);
        }

        Process process = Process.Start(start) ?? throw new InvalidOperationException("could not start Azurite");
        return (process, await WaitUntilListeningAsync(process, ListeningLine(), cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// Reads a starting Azurite's output until its three services say on which port they listen (killing it if it
    /// exits or takes over a minute), then keeps draining its output so it never blocks on a full pipe.
    /// </summary>
    internal static async Task<Dictionary<string, int>> WaitUntilListeningAsync(Process process, Regex listeningLine, CancellationToken cancellationToken)
    {
        var ports = new Dictionary<string, int>();
        var output = new List<string>();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        _ = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            while (ports.Count < 3)
            {
                string? line = await process.StandardOutput.ReadLineAsync(timeout.Token).ConfigureAwait(false)
                    ?? throw new InvalidOperationException($"Azurite exited before listening: {string.Join(" | ", output)}");
                output.Add(line);
                Match match = listeningLine.Match(line);
                if (match.Success)
                {
                    ports[match.Groups[1].Value] = int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture);
                }
            }
        }
        catch
        {
            Kill(process);
            throw;
        }

        _ = DrainAsync(process.StandardOutput);
        return ports;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        Kill(_process);
        await _process.WaitForExitAsync().ConfigureAwait(false);
        _process.Dispose();
    }

    internal static async Task<string> EnsureInstalledAsync(CancellationToken cancellationToken)
    {
        string azurite = Path.Combine(RepositoryRoot.Path, "node_modules", ".bin", "azurite");
        await InstallGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // dotnet test runs test assemblies in parallel processes, and npm ci first deletes node_modules: one
            // process installs while the others wait on a lock file outside node_modules.
            string lockFolder = Directory.CreateDirectory(Path.Combine(RepositoryRoot.Path, "obj")).FullName;
            using FileStream installLock = await LockAsync(Path.Combine(lockFolder, "azurite-install.lock"), cancellationToken).ConfigureAwait(false);
            if (!File.Exists(azurite))
            {
                var npm = new ProcessStartInfo("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"]) { WorkingDirectory = RepositoryRoot.Path, UseShellExecute = false };
                using Process install = Process.Start(npm) ?? throw new InvalidOperationException("could not start npm (Node.js 20+ is needed for Azurite)");
                await install.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
                if (install.ExitCode != 0 || !File.Exists(azurite))
                {
                    throw new InvalidOperationException($"npm ci failed with exit code {install.ExitCode}; Azurite is not installed");
                }
            }

            return azurite;
        }
        finally
        {
            InstallGate.Release();
        }
    }

    private static async Task<FileStream> LockAsync(string path, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(5));
        while (true)
        {
            try
            {
                // FileShare.None is an exclusive advisory lock on Unix too; it goes with the handle, even on a crash.
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                await Task.Delay(200, timeout.Token).ConfigureAwait(false);
            }
        }
    }

    private static async Task DrainAsync(StreamReader reader)
    {
        try
        {
            while (await reader.ReadLineAsync().ConfigureAwait(false) is not null)
            {
            }
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    [GeneratedRegex(@"Azurite (Blob|Queue|Table) service is successfully listening at http://127\.0\.0\.1:(\d+)")]
    private static partial Regex ListeningLine();
}
