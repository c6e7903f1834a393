using FlowLogs.BlobSource;
using FlowLogs.Checkpoints;
using FlowLogs.Processing;
using FlowLogs.Replay;
using FlowLogs.Testing;
using static FlowLogs.Tests.Replay.ReplayWorld;

namespace FlowLogs.Tests.Replay;

/// <summary>Loss and duplicate paths an outside review of issues 21 and 24 found, each closed: the replay, the processor, the claims.</summary>
public class LossPathTests
{
    private static readonly DateTimeOffset Start = new(2031, 3, 4, 12, 30, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset H = HourOf(Start);

    // Finding 1: the read-back of a new account is only computed in memory and saved after discovery returns. A run
    // killed (function timeout, SIGKILL) after the account's folders were saved but before that save leaves the folders
    // "known" and the look-back never owed.
    [TestCase(true)]
    [TestCase(false)]
    public async Task AnAccountWhoseFirstWalkIsKilledAfterItsFoldersWereSavedStillGetsItsLookBack(bool killed)
    {
        const string Second = AzuriteServer.SecondAccount;
        var w = new ReplayWorld(H.AddHours(-30), Account, Second);
        await w.RunBeforeAccountAddedAsync(Second, H.AddHours(-20), hours: 4, resources: 4, Start);

        // The second account is added; the run times out while walking its second container (NSG), after every VNet
        // folder was found and saved.
        using var timeout = new CancellationTokenSource();
        int roots = 0;
        var cut = new RecordingCatalog(w.Blobs, w.Listings)
        {
            OnWalk = (account, prefix) =>
            {
                if (account == Second && prefix.Length == 0 && ++roots == 2)
                {
                    if (!killed)
                    {
                        throw new IOException("503 (control: an exception, not a kill)");
                    }

                    timeout.Cancel();
                    timeout.Token.ThrowIfCancellationRequested();
                }
            },
        };
        if (killed)
        {
            Assert.That(async () => await w.Replay(DayBack, cut).RunAsync(null, null, null, timeout.Token), Throws.InstanceOf<OperationCanceledException>());
        }
        else
        {
            await w.Replay(DayBack, cut).RunAsync(CancellationToken.None);
        }

        Assert.That((await w.State.GetPrefixesAsync(CancellationToken.None)).Count(p => p.Account == Second), Is.EqualTo(4), "the folders were saved as found");

        w.At(Start.AddMinutes(10));
        await w.Replay(DayBack).RunAsync(CancellationToken.None);
        w.At(Start.AddHours(1));
        await w.Replay(DayBack).RunAsync(CancellationToken.None);

        Assert.That(w.Delivered, Is.EqualTo(w.TuplesWritten), "every blob of the added account, hours -20..-17");
    }

    // Finding 2: an account taken out of FlowLogConnections and put back: the replay moved ResumeFrom past the hours it
    // left the account's folders alone, and nothing reads them back when it returns.
    [Test]
    public async Task AnAccountRemovedAndAddedBackHasTheHoursItWasAwayReadBack()
    {
        const string Second = AzuriteServer.SecondAccount;
        var w = new ReplayWorld(H.AddHours(-30), Account, Second);
        w.WriteHour(H.AddHours(-30), minutes: 1, resources: 2, account: Second);
        w.At(H.AddHours(-29));
        await w.Replay(DayBack).RunAsync(CancellationToken.None);
        Assert.That(w.Delivered, Is.EqualTo(w.TuplesWritten));

        // The second account is left out of the settings by a deployment for a while; Azure goes on writing into it.
        RecordingCatalog firstOnly = w.FirstAccountOnly();
        foreach (int h in new[] { -20, -19, -18, -17 })
        {
            w.WriteHour(H.AddHours(h), minutes: 1, resources: 2, account: Second);
            w.At(H.AddHours(h + 1).AddMinutes(30));
            await w.Replay(DayBack, firstOnly).RunAsync(CancellationToken.None);
        }

        w.At(Start);
        await w.Replay(DayBack, firstOnly).RunAsync(CancellationToken.None);

        // Put back.
        w.At(Start.AddMinutes(10));
        await w.Replay(DayBack).RunAsync(CancellationToken.None);
        w.At(Start.AddHours(2));
        await w.Replay(DayBack).RunAsync(CancellationToken.None);

        Assert.That(w.Delivered, Is.EqualTo(w.TuplesWritten), "the second account's hours -20..-17, within MaxLookbackHours");
    }

    // Finding 5: the replay's "up to date" is the listed length alone: a rewrite that keeps the length is never looked
    // at without a trigger (polling delivery, flowlogs ingest), so the digest check never runs.
    [Test]
    public async Task ARewriteThatKeepsTheLengthIsReadByTheReplayToo()
    {
        var w = new ReplayWorld(H.AddHours(-3));
        DateTimeOffset hour = H.AddHours(-3);
        FlowLogBlob blob = BlobOf(0, hour);
        string record = Record(hour.AddMinutes(1), 0, 3);
        w.Blobs.Write(blob, "{\"records\":[", record, "]}");
        w.At(H.AddHours(-2).AddMinutes(1));
        await w.Replay(o => o.RecheckAfter = TimeSpan.FromHours(1)).RunAsync(CancellationToken.None);
        int before = w.Delivered;
        Assert.That(before, Is.EqualTo(3));

        // Rewritten with other tuples of the same length (other ports, same digit count).
        string other = record.Replace("1024", "1124", StringComparison.Ordinal);
        Assert.That(other, Is.Not.EqualTo(record).And.Length.EqualTo(record.Length));
        w.Blobs.Write(blob, "{\"records\":[", other, "]}");
        w.At(H.AddMinutes(30));
        await w.Replay(o => o.RecheckAfter = TimeSpan.FromHours(1)).RunAsync(CancellationToken.None);

        Assert.That(w.Delivered, Is.GreaterThan(before), "the rewritten tuples");
    }

    // Finding 7 (duplicates): the last run's checkpoint rides on the release; when that one write fails, the abandon
    // writes the checkpoint as last stored, not the cursor's acknowledged progress, so the whole delta is sent again.
    [Test]
    public async Task AReleaseWriteThatFailsAfterTheDeltaWasAcknowledgedDoesNotSendTheDeltaAgain()
    {
        var w = new ReplayWorld(H);
        FlowLogBlob blob = BlobOf(0, H);
        w.WriteMinute(H.AddMinutes(1), resources: 1);
        await w.Processor().ProcessAsync(blob, CancellationToken.None);
        w.WriteMinute(H.AddMinutes(2), resources: 1);

        // One release write refused past the client's retries (a 503 under load); the abandon after it goes through.
        bool refused = false;
        w.Checkpoints.BeforeWrite = c =>
        {
            if (!refused && c.ClaimOwner is null && c.Offset > 0)
            {
                refused = true;
                throw new IOException("503 Server Busy, retries exhausted");
            }
        };
        Assert.That(async () => await w.Processor().ProcessAsync(blob, CancellationToken.None), Throws.InstanceOf<IOException>());
        w.Checkpoints.BeforeWrite = null;
        await w.Processor().ProcessAsync(blob, CancellationToken.None);

        Assert.That(w.Sink.EventIds, Has.Count.EqualTo(w.Delivered), "each acknowledged event once");
    }

    // Finding 4: ResumeFrom is one row, last writer wins. A round that did not know a folder (a replica still on the
    // old setting, or one that read the prefixes earlier) overwrites the read-back another round owed for it; if that
    // other round is killed while reading back, nothing reads those hours again.
    [TestCase(true)]
    [TestCase(false)]
    public async Task AReadBackOwedByOneRoundSurvivesAnotherRoundEndingMeanwhile(bool concurrent)
    {
        const string Second = AzuriteServer.SecondAccount;
        var w = new ReplayWorld(H.AddHours(-30), Account, Second);
        w.WriteHour(H.AddHours(-30), minutes: 1, resources: 2);
        await w.RunBeforeAccountAddedAsync(Second, H.AddHours(-20), hours: 4, resources: 4, Start);

        // Replica Q, still configured with the first account alone, is in the middle of a round.
        using var gate = new ManualResetEventSlim(false);
        using var entered = new ManualResetEventSlim(false);
        var slow = new RecordingCatalog(w.Blobs, w.Listings)
        {
            Accounts = [Account],
            OnListing = _ =>
            {
                entered.Set();
                gate.Wait();
            },
        };
        Task<ReplayReport>? q = null;
        if (concurrent)
        {
            q = Task.Run(() => w.Replay(DayBack, slow).RunAsync(CancellationToken.None));
            entered.Wait();
        }

        // Replica P, with the second account added, finds its folders, owes their read-back, and is killed reading it.
        using var kill = new CancellationTokenSource();
        var killed = new RecordingCatalog(w.Blobs, w.Listings)
        {
            OnListing = prefix =>
            {
                if (prefix.Contains(BlobPath.HourFolder(H.AddHours(-19)), StringComparison.Ordinal))
                {
                    kill.Cancel();
                    kill.Token.ThrowIfCancellationRequested();
                }
            },
        };
        Assert.That(async () => await w.Replay(DayBack, killed).RunAsync(null, null, null, kill.Token), Throws.InstanceOf<OperationCanceledException>());

        // Q ends its round.
        gate.Set();
        if (q is not null)
        {
            await q;
        }

        w.At(Start.AddMinutes(10));
        await w.Replay(DayBack).RunAsync(CancellationToken.None);
        w.At(Start.AddHours(1));
        await w.Replay(DayBack).RunAsync(CancellationToken.None);

        Assert.That(w.Delivered, Is.EqualTo(w.TuplesWritten), "the second account's hours -20..-17");
    }

    // Finding 6 (cost): in block mode the "awaiting a cut record" flag is never cleared within a call; when a pending
    // mark makes the processor look again and the next commit finishes the record, the call still reports it waiting
    // and releases without the blob's length and ETag.
    [Test]
    public async Task ARecordFinishedInALookAgainPassIsNotReportedWaiting()
    {
        var w = new ReplayWorld(H.AddMinutes(5));
        FlowLogBlob blob = BlobOf(0, H);
        w.Commit(blob, Record(H.AddMinutes(1), 0, 3));
        await w.Processor().ProcessAsync(blob, CancellationToken.None);
        string split = Record(H.AddMinutes(2), 0, 3);
        w.At(H.AddMinutes(6));
        w.Blobs.InsertBeforeTail(blob, "," + split[..(split.Length / 2)]);

        // While this call holds the blob, Azure commits the rest of the record and its trigger marks the blob pending.
        bool marked = false;
        w.Checkpoints.BeforeWrite = c =>
        {
            if (!marked && c.ClaimOwner is null)
            {
                marked = true;
                w.At(H.AddMinutes(7));
                w.Blobs.InsertBeforeTail(blob, split[(split.Length / 2)..]);
                StoredCheckpoint current = w.Checkpoints.GetAsync(blob.FullName, CancellationToken.None).Result!;
                _ = w.Checkpoints.TryReplaceAsync(current.Value with { Pending = true }, current.ETag, CancellationToken.None).Result;
            }
        };
        BlobProcessResult result = await w.Processor().ProcessAsync(blob, CancellationToken.None);
        w.Checkpoints.BeforeWrite = null;
        BlobCheckpoint saved = (await w.Checkpoints.GetAsync(blob.FullName, CancellationToken.None))!.Value;

        Assert.Multiple(async () =>
        {
            Assert.That(w.Delivered, Is.EqualTo(6), "both records, once");
            Assert.That(result.WaitingForRecord, Is.False, "nothing waits any more");
            Assert.That(saved.BlobLength, Is.EqualTo((await w.Blobs.GetCommittedBlocksAsync(blob, CancellationToken.None))!.Length));
        });
    }
}
