using System.CommandLine;
using FlowLogs.Cli;

namespace FlowLogs.Tests.Support;

/// <summary>Runs the <c>flowlogs</c> command in-process, as a user would type it, with its output captured.</summary>
internal static class CliRun
{
    public static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int exit = await Program.RunAsync(args, new InvocationConfiguration { Output = stdout, Error = stderr });
        return (exit, stdout.ToString(), stderr.ToString());
    }
}
