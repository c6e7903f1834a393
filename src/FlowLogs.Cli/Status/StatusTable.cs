using System.Globalization;
using System.Text;
using FlowLogs.Inspection;

namespace FlowLogs.Cli.Status;

/// <summary>Renders the status as a compact table under a one-line verdict; ANSI colour only when asked for.</summary>
internal static class StatusTable
{
    private const string Reset = "\u001b[0m";
    private const string Red = "\u001b[31m";
    private const string Yellow = "\u001b[33m";
    private const string Green = "\u001b[32m";
    private const string Dim = "\u001b[2m";

    // How far the app's clock and this machine's run from the storage service's, whose time decides.
    private static string Clocks(StatusReport report)
        => $"clocks ahead of storage: app {Seconds(report.State.Replay?.ClockSkew)}, here {Seconds(report.State.ReaderClockSkew)}";

    private static string Seconds(TimeSpan? skew) => skew is { } s ? string.Create(CultureInfo.InvariantCulture, $"{s.TotalSeconds:+0;-0;0} s") : "?";

    /// <summary>The verdict, a summary line, then at most <paramref name="maxRows"/> rows, worst first.</summary>
    public static string Render(StatusReport report, int maxRows, bool colour, int nameWidth = 36)
    {
        ArgumentNullException.ThrowIfNull(report);
        var text = new StringBuilder();
        string verdict = report.Health.ToString().ToUpperInvariant();
        text.Append(Paint(verdict, HealthColour(report.Health), colour)).Append(": ").AppendLine(report.Reason);

        FlowLogState state = report.State;
        string replay = state.Replay is { } run
            ? $"replay last ran {Format.Age(state.ReadAt - run.LastRun)} ago, {(run.LastRunSucceeded ? "succeeded" : "did not catch up")}, resumes from {Format.Hour(run.ResumeFrom)}"
            : "replay: no run recorded";
        text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"{Format.Hour(state.From)}..{Format.Hour(state.To)} UTC, read {state.ReadAt.UtcDateTime:HH:mm:ss}: {report.Resources} resources, {report.BlobsSeen} blobs, {Format.Count(report.EventsDelivered)} events, {report.DeadLettered} dead letters, {report.ClaimsHeld} {(report.ClaimsHeld == 1 ? "claim" : "claims")} held; {report.HoursComplete}/{report.ResourceHours} resource hours complete; {replay}; {state.Listings} hour listings; {Clocks(report)}"));
        foreach (string route in report.Routes)
        {
            text.Append("route: ").AppendLine(route);
        }

        if (report.Rows.Count == 0)
        {
            AppendSelfCheck(text, report, colour);
            return text.ToString();
        }

        string[] header = ["RESOURCE", "HOUR (UTC)", "BLOBS", "BEHIND", "BYTES", "UNREAD", "EVENTS", "DLQ", "DONE", "CLAIMED BY", "LAST ANOMALY"];
        List<string[]> cells = [.. report.Rows.Take(maxRows).Select(r => new[]
        {
            Format.ShortName(r.Resource, nameWidth),
            Format.Hour(r.Hour),
            r.BlobsSeen.ToString(CultureInfo.InvariantCulture),
            r.BlobsBehind.ToString(CultureInfo.InvariantCulture),
            r.BytesBehind == 0 ? "-" : Format.Bytes(r.BytesBehind),
            r.OldestUnreadAge is { } age ? Format.Age(age) : "-",
            Format.Count(r.EventsDelivered),
            r.DeadLettered.ToString(CultureInfo.InvariantCulture),
            r.Complete ? "yes" : "no",
            r.ClaimedBy.Count == 0 ? "-" : Format.Cut(string.Join(',', r.ClaimedBy), 24),
            r.LastAnomaly is null ? "-" : Format.Cut(r.LastAnomaly, 48),
        })];
        int[] widths = [.. header.Select((h, i) => Math.Max(h.Length, cells.Count == 0 ? 0 : cells.Max(c => c[i].Length)))];
        bool[] right = [false, false, true, true, true, true, true, true, false, false, false];
        AppendRow(text, header, widths, right, colour ? Dim : null);
        for (int i = 0; i < cells.Count; i++)
        {
            AppendRow(text, cells[i], widths, right, colour ? RowColour(report.Rows[i].Health) : null);
        }

        if (report.Rows.Count > maxRows)
        {
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"… {report.Rows.Count - maxRows} more rows (--rows, or --json for all)"));
        }

        AppendSelfCheck(text, report, colour);
        return text.ToString();
    }

    // Under the table: the app's last self-check, its verdict line, then each check that did not pass, indented.
    private static void AppendSelfCheck(StringBuilder text, StatusReport report, bool colour)
    {
        if (report.State.LastSelfCheck is not { } check)
        {
            text.AppendLine("self-check: none recorded by the app (flowlogs check runs it from here)");
            return;
        }

        string verdict = SelfCheck.CheckReport.Word(check.Verdict);
        string painted = Paint(verdict, check.Verdict == SelfCheck.CheckVerdict.Fail ? Red : check.Verdict == SelfCheck.CheckVerdict.Warn ? Yellow : Green, colour);
        text.AppendLine($"self-check (the app's, {Format.Age(report.State.ReadAt - check.CheckedAt)} ago): {painted}: {check.Summary}");
        foreach (string finding in check.Findings)
        {
            text.Append("  ").AppendLine(finding);
        }
    }

    private static void AppendRow(StringBuilder text, string[] cells, int[] widths, bool[] right, string? colour)
    {
        var line = new StringBuilder();
        for (int i = 0; i < cells.Length; i++)
        {
            if (i > 0)
            {
                line.Append("  ");
            }

            line.Append(right[i] ? cells[i].PadLeft(widths[i]) : i == cells.Length - 1 ? cells[i] : cells[i].PadRight(widths[i]));
        }

        text.AppendLine(colour is null ? line.ToString() : colour + line + Reset);
    }

    private static string? RowColour(Health health) => health switch
    {
        Health.Failing => Red,
        Health.Behind => Yellow,
        _ => null,
    };

    private static string HealthColour(Health health) => health switch
    {
        Health.Failing => Red,
        Health.Behind => Yellow,
        _ => Green,
    };

    private static string Paint(string text, string colour, bool enabled) => enabled ? colour + text + Reset : text;
}
