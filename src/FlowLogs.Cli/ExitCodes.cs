namespace FlowLogs.Cli;

/// <summary>The process exit codes of <c>flowlogs</c>.</summary>
public static class ExitCodes
{
    /// <summary>Everything was read and written.</summary>
    public const int Success = 0;

    /// <summary>The command could not run: bad arguments, unreadable input.</summary>
    public const int Failure = 2;

    /// <summary>Some input was skipped and reported; all good events were still written.</summary>
    public const int Skipped = 3;

    /// <summary>Some blobs could not be brought up to date (the sink failed); their data stays unread and is retried.</summary>
    public const int Incomplete = 4;

    /// <summary><c>flowlogs status</c>: blobs are behind, none for longer than the lag threshold.</summary>
    public const int Behind = 5;

    /// <summary><c>flowlogs status</c>: ingestion is failing (the replay failed or stopped, or a byte is unread for too long).</summary>
    public const int Failing = 6;

    /// <summary><c>flowlogs check</c>: at least one check failed.</summary>
    public const int CheckFailed = 7;

    /// <summary><c>flowlogs check</c>: no check failed, but at least one could not confirm what it checks.</summary>
    public const int CheckUnconfirmed = 8;
}
