using FlowLogs.SelfCheck;

namespace FlowLogs.Tests.SelfCheck;

/// <summary>The clock's bounds (crossed both ways), and how the checks make one verdict and one summary line.</summary>
public class ClockAndReportTests
{
    private static readonly DateTimeOffset Date = new(2030, 4, 5, 10, 30, 0, TimeSpan.Zero);

    [TestCase(0.5, CheckVerdict.Pass, "agrees with the storage service's")]
    [TestCase(30.5, CheckVerdict.Pass, "30s ahead of the storage service's")]
    [TestCase(30.6, CheckVerdict.Warn, "30s ahead of the storage service's: synchronise it")]
    [TestCase(-29.5, CheckVerdict.Pass, "30s behind the storage service's")]
    [TestCase(120.5, CheckVerdict.Warn, "2m ahead")]
    [TestCase(120.6, CheckVerdict.Fail, "ahead of the storage service's: synchronise it")]
    [TestCase(-3600, CheckVerdict.Fail, "60m behind")]
    public void TheClockIsJudgedAgainstTheMiddleOfTheDateHeadersSecond(double localSecondsAfterDate, CheckVerdict verdict, string said)
    {
        CheckResult result = ClockCheck.Judge(Date.AddSeconds(localSecondsAfterDate), Date);
        Assert.That(result.Verdict, Is.EqualTo(verdict));
        Assert.That(result.Detail, Does.Contain(said));
    }

    [Test]
    public void TheVerdictIsTheWorstCheckAndTheSummaryNamesThem()
    {
        CheckResult pass = new() { Name = "clock", Verdict = CheckVerdict.Pass, Detail = "ok" };
        CheckResult skip = new() { Name = "intake", Verdict = CheckVerdict.Skip, Detail = "ndjson" };
        CheckResult warn = new() { Name = "flow-log account", Target = "b", Verdict = CheckVerdict.Warn, Detail = "?" };
        CheckResult fail = new() { Name = "flow-log account", Target = "a", Verdict = CheckVerdict.Fail, Detail = "no" };

        Assert.Multiple(() =>
        {
            Assert.That(Summary(pass, skip), Is.EqualTo((CheckVerdict.Pass, "1 of 2 checks passed, 1 skipped")));
            Assert.That(Summary(pass, warn, skip), Is.EqualTo((CheckVerdict.Warn, "1 of 3 checks could not confirm: flow-log account b, 1 skipped")));
            Assert.That(Summary(pass, warn, fail), Is.EqualTo((CheckVerdict.Fail, "1 of 3 checks failed: flow-log account a; could not confirm: flow-log account b")));
            Assert.That(fail.Line, Is.EqualTo("FAIL flow-log account a: no"));
        });
    }

    private static (CheckVerdict, string) Summary(params CheckResult[] checks)
    {
        CheckReport report = CheckReport.From(checks, Date, Date);
        return (report.Verdict, report.Summary);
    }
}
