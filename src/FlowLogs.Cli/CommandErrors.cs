using System.CommandLine;
using System.Globalization;

namespace FlowLogs.Cli;

/// <summary>
/// The one way a <c>flowlogs</c> command fails: one line on stderr, <c>flowlogs &lt;command&gt;: &lt;what is wrong&gt;</c>,
/// naming the option or setting to fix and never a key, connection string or SAS, and <see cref="ExitCodes.Failure"/>.
/// </summary>
internal static class CommandErrors
{
    /// <summary>Writes <paramref name="message"/> as <paramref name="result"/>'s command's failure on <paramref name="stderr"/>.</summary>
    public static async Task<int> FailAsync(ParseResult result, TextWriter stderr, string message)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(stderr);
        await stderr.WriteLineAsync($"{CommandPath(result)}: {message}").ConfigureAwait(false);
        return ExitCodes.Failure;
    }

    /// <summary>
    /// Writes the arguments of <paramref name="result"/> that did not parse as the command's failure. Tokens nothing
    /// matched are counted, not shown: a connection string given without <c>--storage</c> would be one.
    /// </summary>
    public static Task<int> FailAsync(ParseResult result, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(result);
        IReadOnlyList<string> unmatched = result.UnmatchedTokens;
        List<string> errors = [.. result.Errors
            .Select(e => e.Message)
            .Where(m => !unmatched.Any(t => m.Contains($"'{t}'", StringComparison.Ordinal)))
            .Select(m => string.Join(' ', m.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries)))];
        if (unmatched.Count > 0)
        {
            errors.Insert(0, string.Create(CultureInfo.InvariantCulture, $"{unmatched.Count} {(unmatched.Count == 1 ? "argument" : "arguments")} not understood (not shown: a key goes in an environment variable, a connection string after --storage)"));
        }

        return FailAsync(result, stderr, $"{string.Join("; ", errors)} (see {CommandPath(result)} --help)");
    }

    // "flowlogs dead-letters list": the root is named by the program, not by the process that runs it (tests, dotnet).
    private static string CommandPath(ParseResult result)
    {
        var names = new Stack<string>();
        for (System.CommandLine.Parsing.SymbolResult? symbol = result.CommandResult; symbol is System.CommandLine.Parsing.CommandResult command && command.Command is not RootCommand; symbol = symbol.Parent)
        {
            names.Push(command.Command.Name);
        }

        names.Push("flowlogs");
        return string.Join(' ', names);
    }
}
