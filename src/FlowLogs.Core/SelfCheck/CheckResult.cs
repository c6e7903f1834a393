namespace FlowLogs.SelfCheck;

/// <summary>One check's finding: a verdict, what was checked, one line saying what was found and what to do.</summary>
internal sealed record CheckResult
{
    /// <summary>The check: <c>flow-log account</c>, <c>app account</c>, <c>intake</c>, <c>unread commits</c> or <c>clock</c>.</summary>
    public required string Name { get; init; }

    /// <summary>What it checked: an account's name, the intake's host; empty when the check covers everything.</summary>
    public string Target { get; init; } = string.Empty;

    /// <summary>The verdict.</summary>
    public required CheckVerdict Verdict { get; init; }

    /// <summary>What was found, and for a failure what to do; never a secret.</summary>
    public required string Detail { get; init; }

    /// <summary>The setting to fix when the check failed because of one; null otherwise.</summary>
    public string? Setting { get; init; }

    /// <summary>How long the check took.</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>The commits nobody read (the unread-commits check only), oldest first.</summary>
    public IReadOnlyList<UnreadCommit> UnreadCommits { get; init; } = [];

    /// <summary>The check on one line, its verdict first: <c>FAIL intake intake.sekoia.io: …</c>.</summary>
    public string Line => $"{CheckReport.Word(Verdict)} {Name}{(Target.Length > 0 ? " " + Target : string.Empty)}: {Detail}";
}

/// <summary>A blob committed to longer ago than the check allows whose checkpoint never caught up with it.</summary>
/// <param name="Blob">The blob, <c>account/container/name</c>.</param>
/// <param name="Age">Time since its last commit, by the storage service's clock.</param>
/// <param name="UnreadBytes">Bytes its checkpoint has not reached (the whole blob when it has none).</param>
internal sealed record UnreadCommit(string Blob, TimeSpan Age, long UnreadBytes);
