using System.CommandLine;
using FlowLogs.Cli;
using FlowLogs.Tests.Support;

namespace FlowLogs.Tests.Cli;

public class TimeOptionTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 29, 15, 30, 0, TimeSpan.Zero);

    [TestCase("10s", 10_000)]
    [TestCase("500ms", 500)]
    [TestCase("2m", 120_000)]
    [TestCase("1.5h", 5_400_000)]
    [TestCase("00:00:03", 3_000)]
    public void DurationsReadAsPeopleWriteThem(string text, int milliseconds)
    {
        Assert.That(TimeOption.TryParseDuration(text, out TimeSpan duration), Is.True);
        Assert.That(duration, Is.EqualTo(TimeSpan.FromMilliseconds(milliseconds)));
    }

    [TestCase("soon")]
    [TestCase("-5m")]
    [TestCase("-00:01:00")]
    public void WhatIsNotADurationIsRefused(string text) => Assert.That(TimeOption.TryParseDuration(text, out _), Is.False);

    [TestCase("2026-11-23T10:00Z")]
    [TestCase("2026-11-23T10:00")]
    [TestCase("2026-11-23T12:00+02:00")]
    public void ATimeIsUtcUnlessItNamesItsOffsetAndComesBackInUtc(string text)
    {
        Assert.That(TimeOption.TryParseTime(text, Now, out DateTimeOffset time), Is.True);
        Assert.That(time, Is.EqualTo(new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero)));
        Assert.That(time.Offset, Is.EqualTo(TimeSpan.Zero));
    }

    [Test]
    public void AnAgeIsThatLongBeforeNow()
    {
        Assert.That(TimeOption.TryParseTime("6h", Now, out DateTimeOffset time), Is.True);
        Assert.That(time, Is.EqualTo(Now.AddHours(-6)));
        Assert.That(TimeOption.TryParseTime("yesterday", Now, out _), Is.False);
    }

    [Test]
    public void EveryTimeOptionReadsATimeWithoutOffsetAsUtc()
    {
        // simulate's --start once went through the default parser, which takes such a time as the machine's local time.
        Option<DateTimeOffset?> start = TimeOption.Time("--start", "test");
        var command = new RootCommand { start };
        Assert.That(command.Parse(["--start", "2031-01-02T03:00:00"]).GetValue(start), Is.EqualTo(new DateTimeOffset(2031, 1, 2, 3, 0, 0, TimeSpan.Zero)));
        Assert.That(command.Parse([]).GetValue(start), Is.Null);
    }

    [TestCase("status", "--max-lag", "flowlogs status: --max-lag takes a duration (500ms, 10s, 2m, 1h or 00:00:10) (see flowlogs status --help)")]
    [TestCase("ingest", "--since", "flowlogs ingest: --since takes a UTC time (2026-11-23T10:00Z) or an age (6h, 30m) (see flowlogs ingest --help)")]
    [TestCase("check", "--timeout", "flowlogs check: --timeout takes a duration (500ms, 10s, 2m, 1h or 00:00:10) (see flowlogs check --help)")]
    public async Task AValueThatIsNotATimeFailsOnOneLineNamingTheOption(string command, string option, string said)
    {
        string[] args = command == "ingest" ? [command, "--storage", "UseDevelopmentStorage=true", option, "soon"] : [command, option, "soon"];
        (int exit, string stdout, string stderr) = await CliRun.RunAsync(args);
        Assert.That(exit, Is.EqualTo(ExitCodes.Failure));
        Assert.That(stdout, Is.Empty);
        Assert.That(stderr, Is.EqualTo(said + Environment.NewLine));
    }
}
