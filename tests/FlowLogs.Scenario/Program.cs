namespace FlowLogs.Scenario;

/// <summary>
/// The end-to-end fault scenario (see docs/verification.md, "Proving nothing is lost").
/// <c>run [--nics 6] [--minutes 12] [--workers 4] [--tuples 20] [--interval-ms 1000] [--kill-every-ms 3000] [--fault-rate 0.15] [--out audit.json]</c>;
/// <c>worker …</c> is one processor process, started and killed by <c>run</c>. Exit code 0 when nothing was lost.
/// </summary>
public static class ScenarioProgram
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "worker")
        {
            return await ScenarioWorker.RunAsync(args[1..]).ConfigureAwait(false);
        }

        Audit audit = await ScenarioRunner.RunAsync(ScenarioOptions.Parse(args.Length > 0 && args[0] == "run" ? args[1..] : args), Console.Out).ConfigureAwait(false);
        return audit.Lost == 0 && audit.Unexpected == 0 ? 0 : 1;
    }
}
