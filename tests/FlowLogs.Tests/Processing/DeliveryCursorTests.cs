using FlowLogs.BlobSource;
using FlowLogs.Checkpoints;
using FlowLogs.Processing;
using FlowLogs.Testing;
using FlowLogs.Tests.Support;

namespace FlowLogs.Tests.Processing;

/// <summary>The cursor's one rule every reader relies on: progress moves back only by a counted restart.</summary>
public class DeliveryCursorTests
{
    private static readonly FlowLogBlob Blob = new(AzuriteServer.Account, FlowLogBlob.VNetContainer, "flowLogResourceID=/SUB/FL/y=2026/m=11/d=23/h=10/m=00/macAddress=AA/PT1H.json");

    [Test]
    public async Task ProgressThatWouldMoveBackThrowsNamingTheBlobAndARestartMayMoveItToZero()
    {
        DeliveryCursor cursor = await CursorAsync();
        cursor.BlocksDelivered(1_000, 3, "d3");

        InvalidOperationException? error = Assert.Throws<InvalidOperationException>(() => cursor.BlocksDelivered(400, 2, "d2"));
        Assert.That(error!.Message, Does.Contain(Blob.FullName).And.Contain("offset 1000 → 400"));
        Assert.That(cursor.Current.Offset, Is.EqualTo(1_000), "unchanged by the refused move");

        cursor.Restart();
        Assert.That((cursor.Current.Offset, cursor.Current.Restarts), Is.EqualTo((0L, 1)));
    }

    [Test]
    public async Task AnEarlierRecordMarkAtTheSameOffsetIsIgnoredNotTakenBack()
    {
        DeliveryCursor cursor = await CursorAsync();
        cursor.MarkPartialRecord(2_000, 5);
        cursor.MarkPartialRecord(1_500, 9);
        cursor.MarkPartialRecord(2_000, 3);

        Assert.That((cursor.Current.PartialRecordOffset, cursor.Current.PartialRecordTuples), Is.EqualTo(((long?)2_000, 5)));
        Assert.That(cursor.TuplesDelivered(1_500), Is.EqualTo(-1), "a record before the mark was delivered whole");
    }

    private static async Task<DeliveryCursor> CursorAsync()
    {
        var claims = new BlobClaims(new MemoryCheckpointStore(), TimeProvider.System, new CapturingLogger<BlobClaims>());
        (ClaimOutcome outcome, BlobClaim? held) = await claims.TryClaimAsync(Blob.FullName, "me", TimeSpan.FromMinutes(5), null, CancellationToken.None);
        Assert.That(outcome, Is.EqualTo(ClaimOutcome.Claimed));
        return new DeliveryCursor(Blob, held!, claims, TimeSpan.FromMinutes(5), TimeProvider.System, new CapturingLogger<DeliveryCursor>());
    }
}
