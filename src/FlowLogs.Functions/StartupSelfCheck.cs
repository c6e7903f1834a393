using FlowLogs.SelfCheck;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FlowLogs.Functions;

/// <summary>
/// The self-check at start, once the storage is initialised: in the background (the worker's start never waits for
/// it), its verdict logged, counted (<c>flowlogs.checks.failed</c>) and kept for <c>flowlogs status</c>.
/// </summary>
internal sealed partial class StartupSelfCheck(SelfCheckRunner checks, ILogger<StartupSelfCheck> logger) : BackgroundService
{
    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            CheckReport report = await checks.RunAsync(stoppingToken).ConfigureAwait(false);
            await checks.RecordAsync(report, stoppingToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            // A self-check that cannot run must not stop the app: a background service's failure would.
            LogNotRun(logger, ex.GetType().Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The self-check at start could not run ({Failure}); the next replay run tries again")]
    private static partial void LogNotRun(ILogger logger, string failure);
}
