using FlowLogs.BlobSource;
using FlowLogs.Checkpoints;
using FlowLogs.Hosting;
using FlowLogs.Inspection;
using FlowLogs.Parsing;
using FlowLogs.Replay;
using FlowLogs.SelfCheck;
using FlowLogs.Simulation;
using FlowLogs.Sinks.Sekoia;
using FlowLogs.Testing;
using FlowLogs.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Moq;

namespace FlowLogs.Tests.SelfCheck;

/// <summary>
/// The runner without storage: each check bounded by its time-out (crossed with a fake clock), and ages and the clock
/// judged by the storage service's time, not this machine's.
/// </summary>
public class SelfCheckRunnerTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Test]
    public async Task AnAccountThatNeverAnswersFailsWhenTheTimeOutIsCrossedNotBefore()
    {
        var local = new FakeTimeProvider(new DateTimeOffset(2030, 1, 1, 12, 0, 0, TimeSpan.Zero));
        var asked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var storage = new FakeStorage(local)
        {
            Silent = "FlowLogStorage",
            Asked = asked,
        };
        SelfCheckRunner runner = Runner(storage, local, new MemoryBlobStore(local), new MemoryCheckpointStore(), KnownResources.Of());

        Task<CheckReport> running = runner.RunAsync(CancellationToken.None);
        await asked.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await Task.Delay(100);
        local.Advance(Timeout - TimeSpan.FromMilliseconds(1));
        await Task.Delay(200);
        Assert.That(running.IsCompleted, Is.False, "still waiting just before the time-out");

        local.Advance(TimeSpan.FromMilliseconds(2));
        CheckReport report = await running.WaitAsync(TimeSpan.FromSeconds(10));

        CheckResult account = report.Checks.Single(c => c.Name == FlowLogAccountCheck.Name);
        Assert.That(account.Verdict, Is.EqualTo(CheckVerdict.Fail));
        Assert.That(account.Detail, Does.StartWith("no answer within 10s (FlowLogs:Check:Timeout): check FlowLogStorage"));
        Assert.That(account.Setting, Is.EqualTo("FlowLogStorage"));
        Assert.That(account.Elapsed, Is.GreaterThanOrEqualTo(Timeout));
        Assert.That(await Task.WhenAny(storage.Cancelled.Task, Task.Delay(TimeSpan.FromSeconds(10))), Is.SameAs(storage.Cancelled.Task), "the abandoned request was cancelled");
        Assert.That(report.Checks.Single(c => c.Name == AppAccountCheck.Name).Verdict, Is.EqualTo(CheckVerdict.Pass), "the other checks ran meanwhile");
        Assert.That(report.Verdict, Is.EqualTo(CheckVerdict.Fail));
    }

    [Test]
    public async Task CommitAgesAndTheClockGoByTheStorageServicesTimeNotThisMachines()
    {
        // This machine's clock is an hour ahead of the storage service's.
        var service = new FakeTimeProvider(new DateTimeOffset(2030, 1, 1, 11, 50, 0, TimeSpan.Zero));
        var local = new FakeTimeProvider(new DateTimeOffset(2030, 1, 1, 13, 0, 0, TimeSpan.Zero));
        var blobs = new MemoryBlobStore(service);
        var checkpoints = new MemoryCheckpointStore();
        DateTimeOffset hour = new(2030, 1, 1, 11, 0, 0, TimeSpan.Zero);
        FlowLogBlob old = FlowLogSimulator.BlobFor(MemoryBlobStore.DefaultAccount, FlowLogKind.VirtualNetwork, new SimulatedNic(0), hour);
        FlowLogBlob fresh = FlowLogSimulator.BlobFor(MemoryBlobStore.DefaultAccount, FlowLogKind.VirtualNetwork, new SimulatedNic(1), hour);

        // Committed 10 minutes before the service's now, read up to an older length; and 10 seconds before, never read.
        blobs.Write(old, "{\"records\":[", "{}", "]}");
        await checkpoints.TryAddAsync(BlobCheckpoint.New(old.FullName, hour) with { Offset = 12, BlobLength = 12 }, CancellationToken.None);
        service.SetUtcNow(new DateTimeOffset(2030, 1, 1, 11, 59, 50, TimeSpan.Zero));
        blobs.Write(fresh, "{\"records\":[", "]}");
        service.SetUtcNow(new DateTimeOffset(2030, 1, 1, 12, 0, 0, TimeSpan.Zero));

        SelfCheckRunner runner = Runner(new FakeStorage(service), local, blobs, checkpoints, KnownResources.Of(old, fresh), unreadAfter: TimeSpan.FromMinutes(1));
        CheckReport report = await runner.RunAsync(CancellationToken.None);

        CheckResult unread = report.Checks.Single(c => c.Name == UnreadCommitsCheck.Name);
        Assert.That(unread.Verdict, Is.EqualTo(CheckVerdict.Fail));
        Assert.That(unread.UnreadCommits.Select(u => u.Blob), Is.EqualTo(new[] { old.FullName }), "the blob committed 10 s ago (by the service) is not yet a finding, though an hour old by this machine");
        Assert.That(unread.UnreadCommits[0].Age, Is.EqualTo(TimeSpan.FromMinutes(10)).Within(TimeSpan.FromSeconds(1)));
        CheckResult clock = report.Checks.Single(c => c.Name == ClockCheck.Name);
        Assert.That(clock.Verdict, Is.EqualTo(CheckVerdict.Fail));
        Assert.That(clock.Detail, Does.StartWith("this machine's clock is 60m ahead of the storage service's"));
        Assert.That(report.ServiceTime, Is.EqualTo(service.GetUtcNow()));
    }

    private static SelfCheckRunner Runner(IStorageProbe storage, TimeProvider local, MemoryBlobStore blobs, ICheckpointStore checkpoints, IReplayStateStore replay, TimeSpan? unreadAfter = null)
    {
        var settings = new SelfCheckSettings(
            () => new SelfCheckOptions { Timeout = Timeout, UnreadAfter = unreadAfter ?? TimeSpan.FromMinutes(5) },
            () => new StorageOptions(),
            () => new ReplayOptions(),
            () => "ndjson",
            () => new SekoiaIntakeOptions());
        var reader = new FlowLogStateReader(checkpoints, replay, () => blobs, new FlowLogs.Clock.StorageClock(local, Microsoft.Extensions.Logging.Abstractions.NullLogger<FlowLogs.Clock.StorageClock>.Instance));
        return new SelfCheckRunner(storage, new Mock<IIntakeProbe>(MockBehavior.Strict).Object, settings, () => reader, local);
    }

    // Storage answering at once with the service's Date (whole seconds, as the header has it), except one connection that never answers.
    private sealed class FakeStorage(TimeProvider service) : IStorageProbe
    {
        public string? Silent { get; init; }

        public TaskCompletionSource? Asked { get; init; }

        public TaskCompletionSource Cancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string? AccountName(string connection) => connection == Silent ? "silentaccount" : "devstoreaccount1";

        public Task<StorageAnswer> ListContainerAsync(string connection, string container, CancellationToken cancellationToken) => AnswerAsync(connection, cancellationToken);

        public Task<StorageAnswer> QueryTableAsync(string connection, string table, CancellationToken cancellationToken) => AnswerAsync(connection, cancellationToken);

        public Task<StorageAnswer> GetQueueAsync(string connection, string queue, CancellationToken cancellationToken) => AnswerAsync(connection, cancellationToken);

        private async Task<StorageAnswer> AnswerAsync(string connection, CancellationToken cancellationToken)
        {
            if (connection != Silent)
            {
                DateTimeOffset now = service.GetUtcNow();
                return new StorageAnswer(200, ServiceTime: now.AddTicks(-(now.Ticks % TimeSpan.TicksPerSecond)), Count: 0);
            }

            Asked?.TrySetResult();
            try
            {
                await Task.Delay(System.Threading.Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                Cancelled.TrySetResult();
                throw;
            }

            return new StorageAnswer(200);
        }
    }
}
