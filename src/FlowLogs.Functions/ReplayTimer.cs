using FlowLogs.Replay;
using FlowLogs.SelfCheck;
using Microsoft.Azure.Functions.Worker;

namespace FlowLogs.Functions;

/// <summary>
/// The timer that replays whatever the triggers missed, on the schedule of the app setting <c>ReplaySchedule</c>. Each
/// run first runs the self-check (bounded, read-only), so that commits the triggers never read are reported before
/// the replay reads them.
/// </summary>
public sealed class ReplayTimer(MissedHourReplay replay, SelfCheckRunner checks)
{
    /// <summary>The replay function's name.</summary>
    public const string FunctionName = "ReplayMissedHours";

    /// <summary>Runs the self-check, then one replay: every hour since the oldest one not complete, within its listing budget, and the window.</summary>
    [Function(FunctionName)]
    public async Task RunAsync([TimerTrigger("%ReplaySchedule%")] TimerInfo timer, CancellationToken cancellationToken)
    {
        CheckReport report = await checks.RunAsync(cancellationToken).ConfigureAwait(false);
        await checks.RecordAsync(report, cancellationToken).ConfigureAwait(false);
        await replay.RunAsync(cancellationToken).ConfigureAwait(false);
    }
}
