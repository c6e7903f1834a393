using System.Globalization;

namespace FlowLogs.SelfCheck;

/// <summary>A self-check: the verdict (the worst of its checks), a one-line summary, and one line per check, its verdict first.</summary>
public sealed record CheckReport
{
    /// <summary>Fail when a check failed, else Warn when one could not confirm, else Pass.</summary>
    public required CheckVerdict Verdict { get; init; }

    /// <summary>One line: how many checks passed, failed or could not confirm, and which.</summary>
    public required string Summary { get; init; }

    /// <summary>One line per check, in the order run: <c>FAIL intake intake.sekoia.io: …</c>. Never a secret.</summary>
    public required IReadOnlyList<string> Lines { get; init; }

    /// <summary>The lines of the checks that failed or could not confirm.</summary>
    public IReadOnlyList<string> Findings => [.. Lines.Where(l => l.StartsWith(Word(CheckVerdict.Fail) + " ", StringComparison.Ordinal) || l.StartsWith(Word(CheckVerdict.Warn) + " ", StringComparison.Ordinal))];

    /// <summary>When the self-check ended, by the clock of the machine that ran it.</summary>
    public DateTimeOffset CheckedAt { get; init; }

    /// <summary>The storage service's time at the self-check (a response's Date header); null when no account answered.</summary>
    public DateTimeOffset? ServiceTime { get; init; }

    /// <summary>Every check's result; empty in a report read back from the app's state.</summary>
    internal IReadOnlyList<CheckResult> Checks { get; init; } = [];

    /// <summary>A verdict as the lines write it: <c>PASS</c>, <c>SKIP</c>, <c>WARN</c>, <c>FAIL</c>.</summary>
    public static string Word(CheckVerdict verdict) => verdict.ToString().ToUpperInvariant();

    /// <summary>The report as JSON for scripts: every check with its setting and time, every unread commit.</summary>
    public string ToJson() => CheckReportJson.Write(this);

    /// <summary>The report of <paramref name="checks"/>: their verdict and summary. Pure.</summary>
    internal static CheckReport From(IReadOnlyList<CheckResult> checks, DateTimeOffset checkedAt, DateTimeOffset? serviceTime)
    {
        ArgumentNullException.ThrowIfNull(checks);
        string[] failed = Names(checks, CheckVerdict.Fail);
        string[] warned = Names(checks, CheckVerdict.Warn);
        int skipped = checks.Count(c => c.Verdict == CheckVerdict.Skip);
        string skips = skipped == 0 ? string.Empty : string.Create(CultureInfo.InvariantCulture, $", {skipped} skipped");
        (CheckVerdict verdict, string summary) = (failed.Length, warned.Length) switch
        {
            ( > 0, _) => (CheckVerdict.Fail, string.Create(CultureInfo.InvariantCulture, $"{failed.Length} of {checks.Count} checks failed: {string.Join(", ", failed)}")
                + (warned.Length > 0 ? $"; could not confirm: {string.Join(", ", warned)}" : string.Empty)),
            (0, > 0) => (CheckVerdict.Warn, string.Create(CultureInfo.InvariantCulture, $"{warned.Length} of {checks.Count} checks could not confirm: {string.Join(", ", warned)}{skips}")),
            _ => (CheckVerdict.Pass, string.Create(CultureInfo.InvariantCulture, $"{checks.Count - skipped} of {checks.Count} checks passed{skips}")),
        };
        return new CheckReport { Verdict = verdict, Summary = summary, Lines = [.. checks.Select(c => c.Line)], Checks = checks, CheckedAt = checkedAt, ServiceTime = serviceTime };
    }

    // The names of the checks with this verdict, each once (several accounts are one name with their targets).
    private static string[] Names(IReadOnlyList<CheckResult> checks, CheckVerdict verdict)
        => [.. checks.Where(c => c.Verdict == verdict).Select(c => c.Target.Length == 0 ? c.Name : $"{c.Name} {c.Target}").Distinct(StringComparer.Ordinal)];
}
