using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Reflection;
using FlowLogs.SelfCheck;
using Microsoft.Extensions.Options;

namespace FlowLogs.Cli;

/// <summary>
/// The one way a <c>flowlogs</c> command fails: one line on stderr, <c>flowlogs &lt;command&gt;: &lt;what is wrong&gt;</c>,
/// naming the option or setting to fix and never a key, connection string or SAS, and <see cref="ExitCodes.Failure"/>.
/// </summary>
internal static class CommandErrors
{
    // What a request refused by role needed: the roles docs/operations.md gives each command.
    private const string Roles = "a Storage Blob, Table or Queue Data role (docs/operations.md says which)";

    /// <summary>
    /// Sets <paramref name="action"/> as <paramref name="command"/>'s action, what it throws that a user can fix reported
    /// here. Anything else is a fault of the program: it keeps its stack trace.
    /// </summary>
    public static void SetAction(Command command, Func<ParseResult, CancellationToken, Task<int>> action)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(action);
        string accounts = Accounts(command);
        command.SetAction(async (result, cancellationToken) =>
        {
            try
            {
                return await action(result, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (Describe(ex, accounts) is { } message)
            {
                return await FailAsync(result, result.InvocationConfiguration.Error, message).ConfigureAwait(false);
            }
        });
    }

    /// <summary>
    /// What is wrong in <paramref name="exception"/> and what to fix, in one line, storage failures naming
    /// <paramref name="accounts"/>; null when it is a fault of the program. Decided on the exception's type, status and
    /// error code: a message is shown only where it is this program's own words.
    /// </summary>
    internal static string? Describe(Exception exception, string accounts) => exception switch
    {
        CommandFailedException failed => failed.Message,
        OptionsValidationException invalid => string.Join("; ", invalid.Failures),
        TargetInvocationException { InnerException: { } inner } => Describe(inner, accounts),

        // Starting a host gathers what its services threw: settings that failed validation say the most.
        AggregateException many when many.Flatten().InnerExceptions.OfType<OptionsValidationException>().Any()
            => string.Join("; ", many.Flatten().InnerExceptions.OfType<OptionsValidationException>().SelectMany(v => v.Failures).Distinct()),
        AggregateException { InnerExceptions: [var first, ..] } when Describe(first, accounts) is { } said => said,
        _ when StorageAnswer.From(exception) is { } answer => StorageRefusals.Explain(answer, accounts, Roles),
        _ => null,
    };

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

    // Storage failures name the options that give the accounts, as this command has them.
    private static string Accounts(Command command)
    {
        string[] options = [.. command.Options.Select(o => o.Name).Where(n => n is "--storage" or "--state-storage")];
        return options.Length == 0 ? "storage" : $"storage ({string.Join(" or ", options)})";
    }

    // "flowlogs dead-letters list": the root is named by the program, not by the process that runs it (tests, dotnet).
    private static string CommandPath(ParseResult result)
    {
        var names = new Stack<string>();
        for (SymbolResult? symbol = result.CommandResult; symbol is CommandResult command && command.Command is not RootCommand; symbol = symbol.Parent)
        {
            names.Push(command.Command.Name);
        }

        names.Push("flowlogs");
        return string.Join(' ', names);
    }
}
