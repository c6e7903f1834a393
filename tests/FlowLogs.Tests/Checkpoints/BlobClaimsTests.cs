using Azure;
using FlowLogs.Checkpoints;
using FlowLogs.Tests.Support;
using Moq;

namespace FlowLogs.Tests.Checkpoints;

/// <summary>The claim protocol's logic, with the store as a double (the real store is exercised on Azurite).</summary>
public class BlobClaimsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Duration = TimeSpan.FromMinutes(5);

    [Test]
    public async Task AFreeBlobIsClaimedWithAConditionalWrite()
    {
        var store = new Mock<ICheckpointStore>(MockBehavior.Strict);
        store.Setup(s => s.GetAsync("b", It.IsAny<CancellationToken>())).ReturnsAsync(Stored(new BlobCheckpoint { BlobName = "b", Offset = 10 }, "e1"));
        store.Setup(s => s.TryReplaceAsync(It.Is<BlobCheckpoint>(c => c.ClaimOwner == "me" && c.ClaimExpires == Now + Duration && c.Offset == 10), new ETag("e1"), It.IsAny<CancellationToken>()))
            .ReturnsAsync((BlobCheckpoint c, ETag _, CancellationToken _) => Stored(c, "e2"));

        (ClaimOutcome outcome, BlobClaim? held) = await Claims(store).TryClaimAsync("b", "me", Duration, null, CancellationToken.None);

        Assert.That(outcome, Is.EqualTo(ClaimOutcome.Claimed));
        Assert.That(held!.Stored.ETag, Is.EqualTo(new ETag("e2")));
    }

    [Test]
    public async Task AFreshProcessWhoseClockRunsAnHourAheadLeavesALiveClaimAlone()
    {
        // The storage service's time decides: the new process has had no answer yet when it sets out to claim.
        var service = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(Now);
        var store = new FlowLogs.Testing.MemoryCheckpointStore(service);
        await new BlobClaims(store, service, new CapturingLogger<BlobClaims>()).TryClaimAsync("b", "holder", Duration, null, CancellationToken.None);
        var ahead = new FlowLogs.Clock.StorageClock(new FixedTime(Now.AddMinutes(70)), new CapturingLogger<FlowLogs.Clock.StorageClock>());
        store.Clock = ahead;

        (ClaimOutcome outcome, _) = await new BlobClaims(store, ahead, new CapturingLogger<BlobClaims>()).TryClaimAsync("b", "fresh", Duration, null, CancellationToken.None);

        Assert.That(outcome, Is.EqualTo(ClaimOutcome.ClaimedElsewhere), "the holder's claim runs five more minutes by the service's time");
        Assert.That((await store.GetAsync("b", CancellationToken.None))!.Value.ClaimOwner, Is.EqualTo("holder"));
    }

    [Test]
    public async Task AnAnnouncedCommitAlreadyReadCostsOneReadAndNoWrite()
    {
        var store = new Mock<ICheckpointStore>(MockBehavior.Strict);
        store.Setup(s => s.GetAsync("b", It.IsAny<CancellationToken>())).ReturnsAsync(Stored(new BlobCheckpoint { BlobName = "b", BlobLength = 900, BlobETag = "\"0x8DC\"" }, "e1"));

        (ClaimOutcome same, _) = await Claims(store).TryClaimAsync("b", "me", Duration, new FlowLogs.Processing.AnnouncedCommit(900, "0x8DC").IsReadBy, CancellationToken.None);
        (ClaimOutcome older, _) = await Claims(store).TryClaimAsync("b", "me", Duration, new FlowLogs.Processing.AnnouncedCommit(700, "0x8DA").IsReadBy, CancellationToken.None);

        Assert.That((same, older), Is.EqualTo((ClaimOutcome.AlreadyRead, ClaimOutcome.AlreadyRead)));
        store.Verify(s => s.GetAsync("b", It.IsAny<CancellationToken>()), Times.Exactly(2));
        store.VerifyNoOtherCalls();
    }

    [TestCase(900, "0x8DD", Description = "same length, another ETag: rewritten in place")]
    [TestCase(1200, "0x8DE", Description = "longer: a new commit")]
    [TestCase(1200, null, Description = "no ETag given")]
    public void AnAnnouncedCommitNotReadYetIsRead(long length, string? etag)
        => Assert.That(new FlowLogs.Processing.AnnouncedCommit(length, etag).IsReadBy(new BlobCheckpoint { BlobName = "b", BlobLength = 900, BlobETag = "\"0x8DC\"" }), Is.False);

    [Test]
    public async Task AHeldBlobIsMarkedPendingForItsHolder()
    {
        var store = new Mock<ICheckpointStore>(MockBehavior.Strict);
        BlobCheckpoint held = new() { BlobName = "b", ClaimOwner = "other", ClaimExpires = Now + TimeSpan.FromMinutes(1) };
        store.Setup(s => s.GetAsync("b", It.IsAny<CancellationToken>())).ReturnsAsync(Stored(held, "e1"));
        store.Setup(s => s.TryReplaceAsync(It.Is<BlobCheckpoint>(c => c.Pending && c.ClaimOwner == "other"), new ETag("e1"), It.IsAny<CancellationToken>()))
            .ReturnsAsync((BlobCheckpoint c, ETag _, CancellationToken _) => Stored(c, "e2"));

        (ClaimOutcome outcome, BlobClaim? mine) = await Claims(store).TryClaimAsync("b", "me", Duration, null, CancellationToken.None);

        Assert.That(outcome, Is.EqualTo(ClaimOutcome.ClaimedElsewhere));
        Assert.That(mine, Is.Null);
        store.VerifyAll();
    }

    [Test]
    public async Task AlreadyPendingNeedsNoSecondWrite()
    {
        var store = new Mock<ICheckpointStore>(MockBehavior.Strict);
        BlobCheckpoint held = new() { BlobName = "b", ClaimOwner = "other", ClaimExpires = Now + TimeSpan.FromMinutes(1), Pending = true };
        store.Setup(s => s.GetAsync("b", It.IsAny<CancellationToken>())).ReturnsAsync(Stored(held, "e1"));

        (ClaimOutcome outcome, _) = await Claims(store).TryClaimAsync("b", "me", Duration, null, CancellationToken.None);

        Assert.That(outcome, Is.EqualTo(ClaimOutcome.ClaimedElsewhere));
    }

    [Test]
    public async Task ALapsedClaimIsTakenOverAndSaidInTheLog()
    {
        var store = new Mock<ICheckpointStore>(MockBehavior.Strict);
        BlobCheckpoint lapsed = new() { BlobName = "b", ClaimOwner = "crashed", ClaimExpires = Now - TimeSpan.FromSeconds(1), Pending = true };
        store.Setup(s => s.GetAsync("b", It.IsAny<CancellationToken>())).ReturnsAsync(Stored(lapsed, "e1"));
        store.Setup(s => s.TryReplaceAsync(It.Is<BlobCheckpoint>(c => c.ClaimOwner == "me" && !c.Pending), new ETag("e1"), It.IsAny<CancellationToken>()))
            .ReturnsAsync((BlobCheckpoint c, ETag _, CancellationToken _) => Stored(c, "e2"));
        var log = new CapturingLogger<BlobClaims>();

        (ClaimOutcome outcome, _) = await new BlobClaims(store.Object, new FixedTime(Now), log).TryClaimAsync("b", "me", Duration, null, CancellationToken.None);

        Assert.That(outcome, Is.EqualTo(ClaimOutcome.Claimed));
        Assert.That(log.Lines.Single().Message, Does.Contain("crashed lapsed"));
    }

    [Test]
    public async Task ReleaseFailsAndKeepsTheClaimWhenAnotherProcessMarkedTheBlobPending()
    {
        var store = new Mock<ICheckpointStore>(MockBehavior.Strict);
        BlobCheckpoint mine = new() { BlobName = "b", ClaimOwner = "me", ClaimExpires = Now + Duration, Offset = 10 };
        var held = new BlobClaim(Stored(mine, "e1"), "me", Now);

        // The release write loses the race to a pending mark...
        store.Setup(s => s.TryReplaceAsync(It.Is<BlobCheckpoint>(c => c.ClaimOwner == null), new ETag("e1"), It.IsAny<CancellationToken>())).ReturnsAsync((StoredCheckpoint?)null);
        store.Setup(s => s.GetAsync("b", It.IsAny<CancellationToken>())).ReturnsAsync(Stored(mine with { Pending = true }, "e2"));

        ReleaseOutcome released = await Claims(store).TryReleaseAsync(held, mine with { Offset = 20 }, CancellationToken.None);

        Assert.That(released, Is.EqualTo(ReleaseOutcome.LookAgain));
        Assert.That(held.Checkpoint.Pending, Is.True, "the caller sees the mark and looks at the blob again");
        Assert.That(held.Checkpoint.ClaimOwner, Is.EqualTo("me"));
    }

    [Test]
    public async Task AHolderThatFindsItsClaimTakenStopsAtOnceWithOneWarning()
    {
        // A slow holder: its claim lapsed and another process took the blob and moved on.
        var store = new Mock<ICheckpointStore>(MockBehavior.Strict);
        BlobCheckpoint mine = new() { BlobName = "b", ClaimOwner = "me", ClaimExpires = Now + Duration, Offset = 10 };
        var held = new BlobClaim(Stored(mine, "e1"), "me", Now);
        store.Setup(s => s.TryReplaceAsync(It.IsAny<BlobCheckpoint>(), new ETag("e1"), It.IsAny<CancellationToken>())).ReturnsAsync((StoredCheckpoint?)null);
        store.Setup(s => s.GetAsync("b", It.IsAny<CancellationToken>())).ReturnsAsync(Stored(mine with { ClaimOwner = "other", Offset = 30 }, "e2"));
        var log = new CapturingLogger<BlobClaims>();
        var lease = new BlobClaims(store.Object, new FixedTime(Now), log);

        ReleaseOutcome first = await lease.TryReleaseAsync(held, mine with { Offset = 20 }, CancellationToken.None);
        ReleaseOutcome second = await lease.TryReleaseAsync(held, mine with { Offset = 20 }, CancellationToken.None);
        bool saved = await lease.SaveAsync(held, mine with { Offset = 20 }, Duration, CancellationToken.None);
        bool renewed = await lease.RenewAsync(held, Duration, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(first, Is.EqualTo(ReleaseOutcome.ClaimLost));
            Assert.That(second, Is.EqualTo(ReleaseOutcome.ClaimLost));
            Assert.That(saved || renewed, Is.False);
            Assert.That(held.IsLost, Is.True);
            Assert.That(log.Lines.Count(l => l.Message.Contains("was lost", StringComparison.Ordinal)), Is.EqualTo(1));
        });

        // One failed write and one read: everything after is refused without a request.
        store.Verify(s => s.TryReplaceAsync(It.IsAny<BlobCheckpoint>(), It.IsAny<ETag>(), It.IsAny<CancellationToken>()), Times.Once);
        store.Verify(s => s.GetAsync("b", It.IsAny<CancellationToken>()), Times.Once);
    }

    [Test]
    public async Task ARenewalExtendsTheClaimWithoutMovingTheCheckpointAndKeepsAPendingMark()
    {
        var store = new Mock<ICheckpointStore>(MockBehavior.Strict);
        BlobCheckpoint mine = new() { BlobName = "b", ClaimOwner = "me", ClaimExpires = Now + Duration, Offset = 10 };
        var held = new BlobClaim(Stored(mine, "e1"), "me", Now - Duration);

        // Another process marked the blob pending since our last write.
        store.Setup(s => s.TryReplaceAsync(It.IsAny<BlobCheckpoint>(), new ETag("e1"), It.IsAny<CancellationToken>())).ReturnsAsync((StoredCheckpoint?)null);
        store.Setup(s => s.GetAsync("b", It.IsAny<CancellationToken>())).ReturnsAsync(Stored(mine with { Pending = true }, "e2"));
        store.Setup(s => s.TryReplaceAsync(It.Is<BlobCheckpoint>(c => c.Pending && c.Offset == 10 && c.ClaimExpires == Now + Duration && c.ClaimOwner == "me"), new ETag("e2"), It.IsAny<CancellationToken>()))
            .ReturnsAsync((BlobCheckpoint c, ETag _, CancellationToken _) => Stored(c, "e3"));

        bool renewed = await Claims(store).RenewAsync(held, Duration, CancellationToken.None);

        Assert.That(renewed, Is.True);
        Assert.That(held.Confirmed, Is.EqualTo(Now));
        Assert.That(held.Stored.ETag, Is.EqualTo(new ETag("e3")));
    }

    [Test]
    public void TheOffsetNeverMovesBackWithoutARestart()
    {
        var store = new Mock<ICheckpointStore>(MockBehavior.Strict);
        BlobCheckpoint mine = new() { BlobName = "b", ClaimOwner = "me", Offset = 100 };
        var held = new BlobClaim(Stored(mine, "e1"), "me", Now);

        Assert.That(async () => await Claims(store).SaveAsync(held, mine with { Offset = 50 }, Duration, CancellationToken.None), Throws.InvalidOperationException.With.Message.Contains("move back"));
        store.Setup(s => s.TryReplaceAsync(It.IsAny<BlobCheckpoint>(), new ETag("e1"), It.IsAny<CancellationToken>()))
            .ReturnsAsync((BlobCheckpoint c, ETag _, CancellationToken _) => Stored(c, "e2"));
        Assert.That(async () => await Claims(store).SaveAsync(held, mine with { Offset = 0, Restarts = 1 }, Duration, CancellationToken.None), Is.True);
    }

    private static BlobClaims Claims(Mock<ICheckpointStore> store) => new(store.Object, new FixedTime(Now), new CapturingLogger<BlobClaims>());

    private static StoredCheckpoint Stored(BlobCheckpoint checkpoint, string etag) => new(checkpoint, new ETag(etag));
}
