using Azure.Data.Tables;
using FlowLogs.Replay;
using FlowLogs.SelfCheck;
using FlowLogs.Testing;
using FlowLogs.WorkerHost;

namespace FlowLogs.Functions.Tests;

/// <summary>The app's self-check through the worker protocol: at start and with each replay run, one verdict line, kept for <c>flowlogs status</c>.</summary>
[Category("Azurite")]
public class SelfCheckTests
{
    [Test]
    public async Task AtStartTheAppLogsOneVerdictLineNamingARefusedKeyKeepsItAndSendsNoEvent()
    {
        await using LoopbackIntake intake = await LoopbackIntake.StartAsync("the-intake-s-own-key");
        const string Wrong = "a-key-the-intake-refuses-51c3";
        await using WorkerProtocolHost worker = await WorkerProtocolHost.StartAsync(FunctionsApp.BuildDirectory, AppSettings.For(AzuriteFixture.Server.ConnectionString, intake, Wrong), CancellationToken.None);

        string? line = null;
        for (int i = 0; i < 300 && line is null; i++)
        {
            line = worker.Logs.Select(l => l.Message).FirstOrDefault(m => m.StartsWith("Self-check ", StringComparison.Ordinal));
            if (line is null)
            {
                await Task.Delay(100);
            }
        }

        TestContext.Out.WriteLine(line);
        Assert.That(line, Is.Not.Null, () => "no verdict line: " + string.Join(Environment.NewLine, worker.Logs.Select(l => l.Message)));
        Assert.That(line, Does.StartWith("Self-check FAIL: ").And.Contain("FAIL intake").And.Contain("FlowLogs:Sekoia:IntakeKey"));
        Assert.That(worker.Logs.Count(l => l.Message.StartsWith("Self-check ", StringComparison.Ordinal)), Is.EqualTo(1), "one line");
        Assert.That(intake.Events, Is.Empty, "no event sent");
        Assert.That(string.Join('\n', worker.Logs.Select(l => l.Message)), Does.Not.Contain(Wrong), "the key is never logged");

        var store = new TableSelfCheckStore(new TableClient(AzuriteFixture.Server.ConnectionString, new ReplayOptions().StateTable));
        CheckReport? kept = null;
        for (int i = 0; i < 50 && kept?.Findings.Any(f => f.StartsWith("FAIL intake", StringComparison.Ordinal)) != true; i++)
        {
            kept = await store.GetAsync(CancellationToken.None);
            await Task.Delay(100);
        }

        Assert.That(kept, Is.Not.Null);
        Assert.That(kept!.Verdict, Is.EqualTo(CheckVerdict.Fail));
        Assert.That(kept.Findings, Has.Some.StartsWith("FAIL intake").And.Some.Contains("FlowLogs:Sekoia:IntakeKey"));
    }

    [Test]
    public async Task EachReplayRunChecksFirstAndLogsTheVerdictAgainstTheInvocation()
    {
        const string Key = "self-check-timer-key";
        await using LoopbackIntake intake = await LoopbackIntake.StartAsync(Key);
        await using WorkerProtocolHost worker = await WorkerProtocolHost.StartAsync(FunctionsApp.BuildDirectory, AppSettings.For(AzuriteFixture.Server.ConnectionString, intake, Key), CancellationToken.None);

        InvocationResult result = await worker.InvokeTimerAsync("ReplayMissedHours", CancellationToken.None);

        Assert.That(result.Succeeded, Is.True, result.Exception);
        string[] messages = [.. result.Logs.Select(l => l.Message)];
        int verdict = Array.FindIndex(messages, m => m.StartsWith("Self-check ", StringComparison.Ordinal));
        int replay = Array.FindIndex(messages, m => m.StartsWith("Replay ", StringComparison.Ordinal));
        Assert.That(verdict, Is.GreaterThanOrEqualTo(0), () => string.Join(Environment.NewLine, messages));
        Assert.That(messages[verdict], Does.Match("^Self-check (PASS|WARN|FAIL): "));
        Assert.That(messages[verdict], Does.Not.Contain("FAIL intake").And.Not.Contain("WARN intake"), "the intake accepted the key (only checks that did not pass are listed)");
        Assert.That(replay, Is.GreaterThan(verdict), "the check runs before the replay reads what the triggers missed");
        Assert.That(intake.Events.Where(e => e.Length == 0), Is.Empty);
    }
}
