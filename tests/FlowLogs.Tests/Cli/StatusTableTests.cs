using FlowLogs.BlobSource;
using FlowLogs.Cli;
using FlowLogs.Cli.Status;
using FlowLogs.Inspection;
using FlowLogs.Replay;

namespace FlowLogs.Tests.Cli;

public class StatusTableTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 29, 15, 30, 0, TimeSpan.Zero);

    [Test]
    public void ResourceNamesAreShortenedToKindGroupAndName()
    {
        Assert.Multiple(() =>
        {
            Assert.That(
                Format.ShortName(FlowLogBlob.VNetContainer + "/flowLogResourceID=/SUBSCRIPTIONS/0000/RESOURCEGROUPS/RG-PROD/PROVIDERS/MICROSOFT.NETWORK/NETWORKWATCHERS/NETWORKWATCHER_WESTEUROPE/FLOWLOGS/FL-WEB", 36),
                Is.EqualTo("vnet RG-PROD/FL-WEB"));
            Assert.That(
                Format.ShortName(FlowLogBlob.NsgContainer + "/resourceId=/SUBSCRIPTIONS/0000/RESOURCEGROUPS/RG-PROD/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/NSG-DB", 36),
                Is.EqualTo("nsg RG-PROD/NSG-DB"));
            Assert.That(Format.ShortName("custom/some/deep/folder", 36), Is.EqualTo("custom deep/folder"));
            string cut = Format.ShortName(FlowLogBlob.VNetContainer + "/flowLogResourceID=/SUBSCRIPTIONS/0000/RESOURCEGROUPS/RG-A-VERY-LONG-RESOURCE-GROUP-NAME/PROVIDERS/X/FLOWLOGS/FLOWLOG-WITH-A-LONG-NAME", 30);
            Assert.That(cut, Has.Length.EqualTo(30));
            Assert.That(cut, Does.StartWith("vnet RG-A-VERY").And.EndWith("A-LONG-NAME").And.Contain("…"));
        });
    }

    [Test]
    public void TheTableHasTheVerdictFirstAndNoEscapeCodesWithoutColour()
    {
        StatusReport report = Report();

        string plain = StatusTable.Render(report, maxRows: 10, colour: false);
        string coloured = StatusTable.Render(report, maxRows: 10, colour: true);

        string[] lines = plain.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines[0], Is.EqualTo("BEHIND: 1 blob behind"));
        Assert.That(lines[2], Does.StartWith("RESOURCE").And.Contain("BEHIND").And.Contain("CLAIMED BY"));
        Assert.That(lines[3], Does.StartWith("vnet RG/FL-A").And.Contain("1.5 KiB").And.Contain("7m"));
        Assert.That(lines[4], Does.StartWith("nsg RG/NSG-B").And.Contain("host-1/1/x"));
        Assert.That(plain, Does.Not.Contain("\u001b"));
        Assert.That(coloured, Does.StartWith("\u001b[33mBEHIND\u001b[0m"));
    }

    [Test]
    public void TheAppsLastSelfCheckIsShownUnderTheTableWithWhatDidNotPass()
    {
        var check = new FlowLogs.SelfCheck.CheckReport
        {
            Verdict = FlowLogs.SelfCheck.CheckVerdict.Fail,
            Summary = "1 of 5 checks failed: intake intake.sekoia.io",
            Lines = ["PASS clock: agrees", "FAIL intake intake.sekoia.io: reachable over TLS, but the intake refused the key (401): check FlowLogs:Sekoia:IntakeKey"],
            CheckedAt = Now.AddMinutes(-4),
        };

        string[] lines = StatusTable.Render(WithSelfCheck(check), maxRows: 10, colour: false).Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        string[] none = StatusTable.Render(Report(), maxRows: 10, colour: false).Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        var json = System.Text.Json.Nodes.JsonNode.Parse(StatusJson.Write(WithSelfCheck(check)))!;

        Assert.That(lines[^2], Is.EqualTo("self-check (the app's, 4m ago): FAIL: 1 of 5 checks failed: intake intake.sekoia.io"));
        Assert.That(lines[^1], Is.EqualTo("  " + check.Lines[1]), "only what did not pass");
        Assert.That(none[^1], Does.StartWith("self-check: none recorded by the app"));
        Assert.That(json["selfCheck"]!["verdict"]!.GetValue<string>(), Is.EqualTo("fail"));
        Assert.That(json["selfCheck"]!["findings"]![0]!.GetValue<string>(), Does.Contain("FlowLogs:Sekoia:IntakeKey"));
        Assert.That(System.Text.Json.Nodes.JsonNode.Parse(StatusJson.Write(Report()))!["selfCheck"], Is.Null);
    }

    [Test]
    public void RowsBeyondTheLimitAreCountedNotShown()
    {
        string text = StatusTable.Render(Report(), maxRows: 1, colour: false);
        Assert.That(text, Does.Contain("… 1 more rows").And.Not.Contain("NSG-B"));
    }

    [Test]
    public void TheJsonHasEveryRowWithItsFullName()
    {
        var json = System.Text.Json.Nodes.JsonNode.Parse(StatusJson.Write(Report()))!;
        Assert.That(json["verdict"]!.GetValue<string>(), Is.EqualTo("behind"));
        Assert.That(json["rows"]!.AsArray(), Has.Count.EqualTo(2));
        Assert.That(json["rows"]![0]!["resource"]!.GetValue<string>(), Does.Contain("/RESOURCEGROUPS/RG/"));
        Assert.That(json["rows"]![0]!["oldestUnreadSeconds"]!.GetValue<double>(), Is.EqualTo(420));
        Assert.That(json["rows"]![1]!["oldestUnreadSeconds"], Is.Null);
        Assert.That(json["replay"]!["lastRunSucceeded"]!.GetValue<bool>(), Is.True);
    }

    [Test]
    public void TheProgressLineHasHoursEventsBytesRateAndTimeLeft()
    {
        string line = BackfillProgress.Line(new ReplayProgress(6, 24, 120_000, 3 * 1024 * 1024, 0), TimeSpan.FromSeconds(30));
        Assert.That(line, Is.EqualTo("flowlogs ingest: 6/24 hours, 120,000 events, 3.0 MiB, 102.4 KiB/s, 4,000 events/s, 1m left"));
    }

    [Test]
    public void RedirectedProgressWritesPlainLinesAtTheIntervalAndAtTheEnd()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(Now);
        using var output = new StringWriter();
        var progress = new BackfillProgress(output, terminal: false, TimeSpan.FromSeconds(10), time);

        progress.Report(new ReplayProgress(1, 4, 10, 100, 0));
        time.Advance(TimeSpan.FromSeconds(3));
        progress.Report(new ReplayProgress(2, 4, 20, 200, 0));
        time.Advance(TimeSpan.FromSeconds(8));
        progress.Report(new ReplayProgress(3, 4, 30, 300, 0));
        progress.Report(new ReplayProgress(4, 4, 40, 400, 0));
        progress.Complete();

        string[] lines = output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines.Select(l => l[..l.IndexOf(" hours", StringComparison.Ordinal)]), Is.EqualTo(new[] { "flowlogs ingest: 1/4", "flowlogs ingest: 3/4", "flowlogs ingest: 4/4" }));
        Assert.That(output.ToString(), Does.Not.Contain("\r"));
    }

    [Test]
    public void OnATerminalProgressRewritesOneLineInPlaceAndEndsItWithTheRound()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(Now);
        using var output = new StringWriter();
        var progress = new BackfillProgress(output, terminal: true, TimeSpan.FromSeconds(10), time);

        progress.Report(new ReplayProgress(1, 2, 10, 100, 0));
        time.Advance(TimeSpan.FromSeconds(1));
        progress.Report(new ReplayProgress(2, 2, 20, 200, 0));
        progress.Complete();

        string text = output.ToString();
        Assert.That(text, Does.StartWith("\rflowlogs ingest: 1/2 hours"));
        Assert.That(text.Split('\r', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(3), "two reports and the final figures, each over the last");
        Assert.That(text, Does.EndWith(Environment.NewLine));
        Assert.That(text.TrimEnd().Split(Environment.NewLine), Has.Length.EqualTo(1), "one line");
    }

    [Test]
    public void TheRoutesFollowTheSummaryInTheTableAndAreInTheJson()
    {
        StatusReport report = Report() with { Routes = ["VNet flow-log tuples go to A", "NSG flow-log tuples go to B"] };

        string[] lines = StatusTable.Render(report, maxRows: 10, colour: false).Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines[2..4], Is.EqualTo(new[] { "route: VNet flow-log tuples go to A", "route: NSG flow-log tuples go to B" }));
        Assert.That(lines[4], Does.StartWith("RESOURCE"));
        var json = System.Text.Json.Nodes.JsonNode.Parse(StatusJson.Write(report))!;
        Assert.That(json["routes"]!.AsArray().Select(r => r!.GetValue<string>()), Is.EqualTo(report.Routes));
    }

    private static StatusReport Report() => new()
    {
        State = new FlowLogState { ReadAt = Now, From = Now.AddHours(-23), To = Now, Replay = new ReplayRunState(Now.AddMinutes(-3), Now.AddHours(-1)) },
        Health = Health.Behind,
        Reason = "1 blob behind",
        Rows =
        [
            new StatusRow { Resource = FlowLogBlob.VNetContainer + "/flowLogResourceID=/SUBSCRIPTIONS/1/RESOURCEGROUPS/RG/PROVIDERS/X/FLOWLOGS/FL-A", Hour = Now, BlobsSeen = 2, BlobsBehind = 1, BytesBehind = 1536, OldestUnreadAge = TimeSpan.FromMinutes(7), Health = Health.Behind },
            new StatusRow { Resource = FlowLogBlob.NsgContainer + "/resourceId=/SUBSCRIPTIONS/1/RESOURCEGROUPS/RG/PROVIDERS/X/NETWORKSECURITYGROUPS/NSG-B", Hour = Now, BlobsSeen = 1, ClaimedBy = ["host-1/1/x"] },
        ],
    };

    private static StatusReport WithSelfCheck(FlowLogs.SelfCheck.CheckReport check)
    {
        StatusReport report = Report();
        return report with { State = report.State with { LastSelfCheck = check } };
    }
}
