using FlowLogs.BlobSource;
using FlowLogs.Checkpoints;
using FlowLogs.Clock;
using FlowLogs.Inspection;
using FlowLogs.Parsing;
using FlowLogs.Replay;
using FlowLogs.Simulation;
using FlowLogs.Testing;
using FlowLogs.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace FlowLogs.Tests.Inspection;

/// <summary>The state flowlogs status reads is the processor's own: each blob's checkpoint as stored, with what a listing found.</summary>
public class FlowLogStateReaderTests
{
    private static readonly DateTimeOffset Hour = new(2030, 1, 1, 11, 0, 0, TimeSpan.Zero);

    [Test]
    public async Task EachBlobCarriesItsCheckpointAsStoredAndTheListingJoinedToIt()
    {
        var time = new FakeTimeProvider(Hour.AddMinutes(30));
        var blobs = new MemoryBlobStore(time);
        var checkpoints = new MemoryCheckpointStore();
        FlowLogBlob read = FlowLogSimulator.BlobFor(MemoryBlobStore.DefaultAccount, FlowLogKind.VirtualNetwork, new SimulatedNic(0), Hour);
        FlowLogBlob unread = FlowLogSimulator.BlobFor(MemoryBlobStore.DefaultAccount, FlowLogKind.VirtualNetwork, new SimulatedNic(1), Hour);
        blobs.Write(read, "{\"records\":[", "{}", "]}");
        blobs.Write(unread, "{\"records\":[", "]}");

        // Fields a copy of the checkpoint once left out (the mode, the restarts, the digest) come back as they were written.
        BlobCheckpoint stored = BlobCheckpoint.New(read.FullName, Hour) with { Offset = 12, BlobLength = 12, DocumentMode = true, Restarts = 2, ConsumedBlocksDigest = "d1", ClaimOwner = "fn/1", ClaimExpires = Hour.AddHours(1) };
        await checkpoints.TryAddAsync(stored, CancellationToken.None);

        var reader = new FlowLogStateReader(checkpoints, KnownResources.Of(read, unread), () => blobs, new StorageClock(time, NullLogger<StorageClock>.Instance));
        FlowLogState state = await reader.ReadAsync(Hour, Hour, maxListings: 10, CancellationToken.None);

        BlobState withCheckpoint = state.Blobs.Single(b => b.BlobName == read.FullName);
        BlobState withoutCheckpoint = state.Blobs.Single(b => b.BlobName == unread.FullName);
        Assert.Multiple(() =>
        {
            Assert.That(withCheckpoint.Checkpoint, Is.EqualTo(stored));
            Assert.That(withCheckpoint.Listed?.Length, Is.EqualTo(16));
            Assert.That(withCheckpoint.UnseenBytes, Is.EqualTo(4), "listed 16, caught up at 12");
            Assert.That(withCheckpoint.Checkpoint!.IsHeldAt(Hour.AddMinutes(30)), Is.True);
            Assert.That(withoutCheckpoint.Checkpoint, Is.Null);
            Assert.That(withoutCheckpoint.UnseenBytes, Is.EqualTo(withoutCheckpoint.Listed?.Length), "never read: all of it");
            Assert.That(withCheckpoint.ResourcePrefix, Is.EqualTo($"{read.Account}/{read.Container}/{read.Name[..read.Name.IndexOf("/y=", StringComparison.Ordinal)]}"), "from the checkpoint's name, as a listing names it");
            Assert.That(state.Replay, Is.Null, "no run recorded");
        });
    }
}
