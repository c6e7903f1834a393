using System.CommandLine;
using FlowLogs.Cli.Commands;

namespace FlowLogs.Cli;

/// <summary>Entry point of the <c>flowlogs</c> command.</summary>
public static class Program
{
    /// <summary>Runs the command line.</summary>
    public static Task<int> Main(string[] args) => BuildRootCommand().Parse(args).InvokeAsync();

    /// <summary>The command tree, shared with the tests.</summary>
    public static RootCommand BuildRootCommand() => new("Azure network flow logs (VNet and NSG) into ECS events for a SIEM.")
    {
        ParseCommand.Create(),
        SimulateCommand.Create(),
        IngestCommand.Create(),
        StatusCommand.Create(),
        CheckCommand.Create(),
        DeadLettersCommand.Create(),
    };
}
