using FlowLogs.Testing;

namespace FlowLogs.Functions.Tests;

/// <summary>The app settings a deployment would have, pointed at Azurite and the loopback intake.</summary>
internal static class AppSettings
{
    public static Dictionary<string, string?> For(string storage, LoopbackIntake intake, string intakeKey) => new()
    {
        ["AzureWebJobsStorage"] = storage,
        ["FlowLogStorage"] = storage,
        ["ReplaySchedule"] = "0 */10 * * * *",
        ["FlowLogs__Sink__Kind"] = "sekoia",
        ["FlowLogs__Sekoia__BaseUrl"] = intake.BaseUrl.ToString().TrimEnd('/'),
        ["FlowLogs__Sekoia__IntakeKey"] = intakeKey,
        ["FlowLogs__Sekoia__Payload"] = "Ecs",
    };
}
