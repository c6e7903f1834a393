using FlowLogs.Replay;
using Microsoft.Azure.Functions.Worker;

namespace FlowLogs.Functions;

/// <summary>The timer that replays whatever the triggers missed, on the schedule of the app setting <c>ReplaySchedule</c>.</summary>
public sealed class ReplayTimer(MissedHourReplay replay)
{
    /// <summary>The replay function's name.</summary>
    public const string FunctionName = "ReplayMissedHours";

    /// <summary>Runs one replay: every hour since the oldest one not complete, within its listing budget, and the window.</summary>
    [Function(FunctionName)]
    public Task RunAsync([TimerTrigger("%ReplaySchedule%")] TimerInfo timer, CancellationToken cancellationToken)
        => replay.RunAsync(cancellationToken);
}
