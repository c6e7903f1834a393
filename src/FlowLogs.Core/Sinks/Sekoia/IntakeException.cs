namespace FlowLogs.Sinks.Sekoia;

/// <summary>The intake did not acknowledge a batch; nothing of it is checkpointed, so it is sent again later.</summary>
internal class IntakeException : Exception
{
    /// <summary>Creates the exception.</summary>
    public IntakeException(string message, int? status = null, Exception? inner = null)
        : base(message, inner)
    {
        Status = status;
    }

    /// <summary>The last HTTP status, if there was an answer.</summary>
    public int? Status { get; }

    /// <summary>
    /// True when retrying cannot help until a setting is fixed (a wrong key or URL): the message names the setting.
    /// </summary>
    public bool IsConfigurationError { get; init; }
}
