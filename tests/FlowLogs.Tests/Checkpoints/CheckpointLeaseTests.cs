using Azure;
using FlowLogs.Checkpoints;
using FlowLogs.Tests.Support;
using Moq;

namespace FlowLogs.Tests.Checkpoints;

/// <summary>The claim protocol's logic, with the store as a double (the real store is exercised on Azurite).</summary>
public class CheckpointLeaseTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Duration = TimeSpan.FromMinutes(5);

    [Test]
    public async Task AFreeBlobIsClaimedWithAConditionalWrite()
    {
        var store = new Mock<ICheckpointStore>(MockBehavior.Strict);
        store.Setup(s => s.GetAsync("b", It.IsAny<CancellationToken>())).ReturnsAsync(Stored(new BlobCheckpoint { BlobName = "b", Offset = 10 }, "e1"));
        store.Setup(s => s.TryReplaceAsync(It.Is<BlobCheckpoint>(c => c.LeaseOwner == "me" && c.LeaseExpires == Now + Duration && c.Offset == 10), new ETag("e1"), It.IsAny<CancellationToken>()))
            .ReturnsAsync((BlobCheckpoint c, ETag _, CancellationToken _) => Stored(c, "e2"));

        (LeaseOutcome outcome, HeldBlob? held) = await Lease(store).TryAcquireAsync("b", "me", Duration, CancellationToken.None);

        Assert.That(outcome, Is.EqualTo(LeaseOutcome.Acquired));
        Assert.That(held!.Stored.ETag, Is.EqualTo(new ETag("e2")));
    }

    [Test]
    public async Task AHeldBlobIsMarkedPendingForItsHolder()
    {
        var store = new Mock<ICheckpointStore>(MockBehavior.Strict);
        BlobCheckpoint held = new() { BlobName = "b", LeaseOwner = "other", LeaseExpires = Now + TimeSpan.FromMinutes(1) };
        store.Setup(s => s.GetAsync("b", It.IsAny<CancellationToken>())).ReturnsAsync(Stored(held, "e1"));
        store.Setup(s => s.TryReplaceAsync(It.Is<BlobCheckpoint>(c => c.Pending && c.LeaseOwner == "other"), new ETag("e1"), It.IsAny<CancellationToken>()))
            .ReturnsAsync((BlobCheckpoint c, ETag _, CancellationToken _) => Stored(c, "e2"));

        (LeaseOutcome outcome, HeldBlob? mine) = await Lease(store).TryAcquireAsync("b", "me", Duration, CancellationToken.None);

        Assert.That(outcome, Is.EqualTo(LeaseOutcome.HandedToHolder));
        Assert.That(mine, Is.Null);
        store.VerifyAll();
    }

    [Test]
    public async Task AlreadyPendingNeedsNoSecondWrite()
    {
        var store = new Mock<ICheckpointStore>(MockBehavior.Strict);
        BlobCheckpoint held = new() { BlobName = "b", LeaseOwner = "other", LeaseExpires = Now + TimeSpan.FromMinutes(1), Pending = true };
        store.Setup(s => s.GetAsync("b", It.IsAny<CancellationToken>())).ReturnsAsync(Stored(held, "e1"));

        (LeaseOutcome outcome, _) = await Lease(store).TryAcquireAsync("b", "me", Duration, CancellationToken.None);

        Assert.That(outcome, Is.EqualTo(LeaseOutcome.HandedToHolder));
    }

    [Test]
    public async Task ALapsedClaimIsTakenOverAndSaidInTheLog()
    {
        var store = new Mock<ICheckpointStore>(MockBehavior.Strict);
        BlobCheckpoint lapsed = new() { BlobName = "b", LeaseOwner = "crashed", LeaseExpires = Now - TimeSpan.FromSeconds(1), Pending = true };
        store.Setup(s => s.GetAsync("b", It.IsAny<CancellationToken>())).ReturnsAsync(Stored(lapsed, "e1"));
        store.Setup(s => s.TryReplaceAsync(It.Is<BlobCheckpoint>(c => c.LeaseOwner == "me" && !c.Pending), new ETag("e1"), It.IsAny<CancellationToken>()))
            .ReturnsAsync((BlobCheckpoint c, ETag _, CancellationToken _) => Stored(c, "e2"));
        var log = new CapturingLogger<CheckpointLease>();

        (LeaseOutcome outcome, _) = await new CheckpointLease(store.Object, new FixedTime(Now), log).TryAcquireAsync("b", "me", Duration, CancellationToken.None);

        Assert.That(outcome, Is.EqualTo(LeaseOutcome.Acquired));
        Assert.That(log.Lines.Single().Message, Does.Contain("crashed lapsed"));
    }

    [Test]
    public async Task ReleaseFailsAndKeepsTheClaimWhenAnotherProcessMarkedTheBlobPending()
    {
        var store = new Mock<ICheckpointStore>(MockBehavior.Strict);
        BlobCheckpoint mine = new() { BlobName = "b", LeaseOwner = "me", LeaseExpires = Now + Duration, Offset = 10 };
        var held = new HeldBlob(Stored(mine, "e1"), "me");

        // The release write loses the race to a pending mark...
        store.Setup(s => s.TryReplaceAsync(It.Is<BlobCheckpoint>(c => c.LeaseOwner == null), new ETag("e1"), It.IsAny<CancellationToken>())).ReturnsAsync((StoredCheckpoint?)null);
        store.Setup(s => s.GetAsync("b", It.IsAny<CancellationToken>())).ReturnsAsync(Stored(mine with { Pending = true }, "e2"));

        bool released = await Lease(store).TryReleaseAsync(held, mine with { Offset = 20 }, CancellationToken.None);

        Assert.That(released, Is.False);
        Assert.That(held.Checkpoint.Pending, Is.True, "the caller sees the mark and looks at the blob again");
        Assert.That(held.Checkpoint.LeaseOwner, Is.EqualTo("me"));
    }

    [Test]
    public void TheOffsetNeverMovesBackWithoutARestart()
    {
        var store = new Mock<ICheckpointStore>(MockBehavior.Strict);
        BlobCheckpoint mine = new() { BlobName = "b", LeaseOwner = "me", Offset = 100 };
        var held = new HeldBlob(Stored(mine, "e1"), "me");

        Assert.That(async () => await Lease(store).SaveAsync(held, mine with { Offset = 50 }, Duration, CancellationToken.None), Throws.InvalidOperationException.With.Message.Contains("move back"));
        store.Setup(s => s.TryReplaceAsync(It.IsAny<BlobCheckpoint>(), new ETag("e1"), It.IsAny<CancellationToken>()))
            .ReturnsAsync((BlobCheckpoint c, ETag _, CancellationToken _) => Stored(c, "e2"));
        Assert.That(async () => await Lease(store).SaveAsync(held, mine with { Offset = 0, Restarts = 1 }, Duration, CancellationToken.None), Is.True);
    }

    private static CheckpointLease Lease(Mock<ICheckpointStore> store) => new(store.Object, new FixedTime(Now), new CapturingLogger<CheckpointLease>());

    private static StoredCheckpoint Stored(BlobCheckpoint checkpoint, string etag) => new(checkpoint, new ETag(etag));
}
