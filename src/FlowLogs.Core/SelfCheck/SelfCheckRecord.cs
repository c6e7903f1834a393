namespace FlowLogs.SelfCheck;

/// <summary>The app's last self-check as it recorded it in its state (the replay table), for <c>flowlogs status</c>.</summary>
public sealed record SelfCheckRecord
{
    /// <summary>Its verdict.</summary>
    public required CheckVerdict Verdict { get; init; }

    /// <summary>Its summary line.</summary>
    public required string Summary { get; init; }

    /// <summary>The line of every check that did not pass.</summary>
    public IReadOnlyList<string> Findings { get; init; } = [];

    /// <summary>When it ran, by the clock of the instance that ran it.</summary>
    public DateTimeOffset CheckedAt { get; init; }

    /// <summary>The record of <paramref name="report"/>.</summary>
    public static SelfCheckRecord Of(CheckReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return new SelfCheckRecord
        {
            Verdict = report.Verdict,
            Summary = report.Summary,
            Findings = [.. report.Checks.Where(c => c.Verdict is CheckVerdict.Fail or CheckVerdict.Warn).Select(c => c.Line)],
            CheckedAt = report.CheckedAt,
        };
    }
}

/// <summary>Where the app keeps its last self-check.</summary>
internal interface ISelfCheckStore
{
    /// <summary>Replaces the last record.</summary>
    Task SaveAsync(SelfCheckRecord record, CancellationToken cancellationToken);

    /// <summary>The last record, or null when none was kept.</summary>
    Task<SelfCheckRecord?> GetAsync(CancellationToken cancellationToken);
}
