namespace FlowLogs.Cli;

/// <summary>A command's own failure, in words that say what is wrong and what to fix; <see cref="CommandErrors"/> reports it.</summary>
internal sealed class CommandFailedException : Exception
{
    /// <summary>Creates the exception with <paramref name="message"/>, which is shown as it is.</summary>
    public CommandFailedException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
