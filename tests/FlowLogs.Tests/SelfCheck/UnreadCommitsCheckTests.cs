using FlowLogs.BlobSource;
using FlowLogs.Checkpoints;
using FlowLogs.Inspection;
using FlowLogs.SelfCheck;

namespace FlowLogs.Tests.SelfCheck;

/// <summary>Commits nobody read: the bound crossed by the storage service's time, checkpoints that caught up or not, claims.</summary>
public class UnreadCommitsCheckTests
{
    private static readonly DateTimeOffset Service = new(2030, 4, 5, 10, 30, 0, TimeSpan.Zero);
    private static readonly TimeSpan After = TimeSpan.FromMinutes(5);

    [Test]
    public void ACommitIsUnreadOnlyOnceOlderThanTheBound()
    {
        BlobState atBound = Blob("a", listed: 2000, read: 1000, committed: Service - After);
        BlobState pastBound = Blob("b", listed: 2000, read: 1000, committed: Service - After - TimeSpan.FromTicks(1));

        IReadOnlyList<UnreadCommit> unread = UnreadCommitsCheck.Find(State(atBound, pastBound), Service, After);

        Assert.That(unread, Is.EqualTo(new[] { new UnreadCommit("b", After + TimeSpan.FromTicks(1), 1000) }));
    }

    [Test]
    public void CaughtUpHeldAndUnlistedBlobsAreNotFindingsNeverReadOnesAre()
    {
        DateTimeOffset old = Service - TimeSpan.FromMinutes(20);
        BlobState caughtUp = Blob("caught-up", listed: 2000, read: 2000, committed: old);
        BlobState held = Blob("held", listed: 2000, read: 1000, committed: old, heldUntil: Service.AddMinutes(3));
        BlobState lapsed = Blob("lapsed", listed: 2000, read: 1000, committed: old, heldUntil: Service.AddMinutes(-1));
        BlobState unlisted = Blob("unlisted", listed: null, read: 1000, committed: null);
        BlobState neverRead = Blob("never-read", listed: 700, read: 0, committed: old.AddMinutes(5)) with { Checkpoint = null };
        BlobState rewritten = Blob("rewritten", listed: 300, read: 2000, committed: old.AddMinutes(1));

        IReadOnlyList<UnreadCommit> unread = UnreadCommitsCheck.Find(State(caughtUp, held, lapsed, unlisted, neverRead, rewritten), Service, After);

        Assert.That(unread.Select(u => (u.Blob, u.UnreadBytes)), Is.EqualTo(new[] { ("lapsed", 1000L), ("rewritten", 300L), ("never-read", 700L) }), "oldest first; a shorter blob is unread whole");
    }

    [Test]
    public void TheFailureNamesEventGridOrTheTriggersTheBlobItsAgeAndWhatToCheck()
    {
        FlowLogState state = State(Blob("acct/insights-logs-flowlogflowevent/x/PT1H.json", listed: 5000, read: 1000, committed: Service.AddMinutes(-12)));
        CheckResult result = UnreadCommitsCheck.Judge(state, UnreadCommitsCheck.Find(state, Service, After), After);

        Assert.That(result.Verdict, Is.EqualTo(CheckVerdict.Fail));
        Assert.That(result.Detail, Does.StartWith("Event Grid or the triggers are not delivering: 1 blob committed more than 5m ago (storage time) unread, the oldest acct/insights-logs-flowlogflowevent/x/PT1H.json committed 12m ago with 4000 bytes unread; check"));
        Assert.That(result.Detail, Does.Contain("DeliveryFailures").And.Contain("flowlog-events").And.Contain("FlowLogEvents"));
        Assert.That(result.UnreadCommits, Has.Count.EqualTo(1));
    }

    [Test]
    public void NothingUnreadPassesAndNoKnownResourceIsSkipped()
    {
        CheckResult pass = UnreadCommitsCheck.Judge(State(Blob("a", 10, 10, Service.AddHours(-1))) with { ListingsSkipped = 3, Listings = 2 }, [], After);
        CheckResult skip = UnreadCommitsCheck.Judge(new FlowLogState(), [], After);
        Assert.That(pass.Verdict, Is.EqualTo(CheckVerdict.Pass));
        Assert.That(pass.Detail, Is.EqualTo("none: every commit older than 5m (storage time) is read; 2 hour listings of 1 resources; 3 resource hours not listed (FlowLogs:Check:MaxListings)"));
        Assert.That(skip.Verdict, Is.EqualTo(CheckVerdict.Skip));
    }

    private static BlobState Blob(string name, long? listed, long read, DateTimeOffset? committed, DateTimeOffset? heldUntil = null)
    {
        var hour = new DateTimeOffset(2030, 4, 5, 10, 0, 0, TimeSpan.Zero);
        return new BlobState
        {
            BlobName = name,
            ResourcePrefix = "acct/c/p",
            Hour = hour,
            Checkpoint = BlobCheckpoint.New(name, hour) with { Offset = read, BlobLength = read, ClaimOwner = heldUntil is null ? null : "fn/1", ClaimExpires = heldUntil },
            Listed = listed is { } length ? new CatalogBlob(new FlowLogBlob("acct", "c", name), length, committed) : null,
        };
    }

    private static FlowLogState State(params BlobState[] blobs) => new() { Blobs = blobs, ResourcePrefixes = ["acct/c/p"] };
}
