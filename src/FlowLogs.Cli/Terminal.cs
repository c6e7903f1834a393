namespace FlowLogs.Cli;

/// <summary>Whether a writer is an interactive terminal, and whether colour may be used on it.</summary>
internal static class Terminal
{
    /// <summary>True when <paramref name="writer"/> is the process's stdout and stdout is not redirected.</summary>
    public static bool IsStdout(TextWriter writer) => ReferenceEquals(writer, Console.Out) && !Console.IsOutputRedirected;

    /// <summary>True when <paramref name="writer"/> is the process's stderr and stderr is not redirected.</summary>
    public static bool IsStderr(TextWriter writer) => ReferenceEquals(writer, Console.Error) && !Console.IsErrorRedirected;

    /// <summary>Colour on a terminal unless <c>NO_COLOR</c> is set (https://no-color.org).</summary>
    public static bool Colour(bool terminal) => terminal && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));

    /// <summary>Clears the screen and moves the cursor home.</summary>
    public const string ClearHome = "\u001b[H\u001b[2J";
}
