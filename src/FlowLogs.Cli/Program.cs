using System.CommandLine;
using FlowLogs.Cli.Commands;

namespace FlowLogs.Cli;

/// <summary>Entry point of the <c>flowlogs</c> command.</summary>
public static class Program
{
    /// <summary>Runs the command line.</summary>
    public static Task<int> Main(string[] args) => RunAsync(args, new InvocationConfiguration());

    /// <summary>
    /// Parses and runs <paramref name="args"/> with <paramref name="configuration"/>'s output and error writers. Arguments
    /// that do not parse fail as a command's own failures do (<see cref="CommandErrors"/>), with <see cref="ExitCodes.Failure"/>.
    /// </summary>
    public static Task<int> RunAsync(string[] args, InvocationConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ParseResult parsed = BuildRootCommand().Parse(args);
        return parsed.Errors.Count > 0 ? CommandErrors.FailAsync(parsed, configuration.Error) : parsed.InvokeAsync(configuration);
    }

    private static RootCommand BuildRootCommand() => new("Azure network flow logs (VNet and NSG) into ECS events for a SIEM.")
    {
        ParseCommand.Create(),
        SimulateCommand.Create(),
        IngestCommand.Create(),
        StatusCommand.Create(),
        CheckCommand.Create(),
        DeadLettersCommand.Create(),
    };
}
