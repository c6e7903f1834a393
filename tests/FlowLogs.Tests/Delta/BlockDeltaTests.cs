using FlowLogs.BlobSource;
using FlowLogs.Checkpoints;
using FlowLogs.Delta;

namespace FlowLogs.Tests.Delta;

public class BlockDeltaTests
{
    [Test]
    public void AnEmptyBlockListIsEmpty()
    {
        Assert.That(BlockDelta.Plan([], null, 100).Status, Is.EqualTo(DeltaStatus.Empty));
    }

    [Test]
    public void ANewBlobIsReadWholeInOneChunkWithHeadAndTail()
    {
        CommittedBlock[] blocks = Blocks(12, 500, 300, 2);
        DeltaPlan plan = BlockDelta.Plan(blocks, null, 1 << 20);
        Assert.That(plan.Status, Is.EqualTo(DeltaStatus.NewBlocks));
        Assert.That(plan.Chunks, Is.EqualTo(new[] { new DeltaChunk(0, 4, 0, 814, HasHead: true, HasTail: true) }));
        Assert.That(plan.DataBlocks, Is.EqualTo(3));
    }

    [Test]
    public void AnAppendReadsOnlyTheNewBlocksAndTheTail()
    {
        CommittedBlock[] blocks = Blocks(12, 500, 300, 2);
        BlobCheckpoint checkpoint = After(blocks, 2);
        DeltaPlan plan = BlockDelta.Plan(blocks, checkpoint, 1 << 20);
        Assert.That(plan.Status, Is.EqualTo(DeltaStatus.NewBlocks));
        Assert.That(plan.Chunks, Is.EqualTo(new[] { new DeltaChunk(2, 2, 512, 814, HasHead: false, HasTail: true) }));
    }

    [Test]
    public void NothingNewIsUpToDate()
    {
        CommittedBlock[] blocks = Blocks(12, 500, 300, 2);
        Assert.That(BlockDelta.Plan(blocks, After(blocks, 3), 1 << 20).Status, Is.EqualTo(DeltaStatus.UpToDate));
        CommittedBlock[] headAndTail = Blocks(12, 2);
        Assert.That(BlockDelta.Plan(headAndTail, After(headAndTail, 1), 1 << 20).Status, Is.EqualTo(DeltaStatus.UpToDate));
    }

    [Test]
    public void ARewrittenPrefixRestartsFromZero()
    {
        CommittedBlock[] blocks = Blocks(12, 500, 300, 2);
        BlobCheckpoint checkpoint = After(blocks, 2) with { ConsumedBlocksDigest = BlockDelta.DigestOf(Blocks(12, 500, 300, 2).Select((b, i) => i == 1 ? b with { Id = "other" } : b).ToArray(), 2) };
        DeltaPlan plan = BlockDelta.Plan(blocks, checkpoint, 1 << 20);
        Assert.That(plan.Status, Is.EqualTo(DeltaStatus.Restart));
        Assert.That(plan.Reason, Does.Contain("rewritten"));
        Assert.That(plan.Chunks[0].Start, Is.Zero);
        Assert.That(plan.Chunks[0].HasHead, Is.True);

        BlobCheckpoint moved = After(blocks, 2) with { Offset = 999 };
        Assert.That(BlockDelta.Plan(blocks, moved, 1 << 20).Reason, Does.Contain("end at byte 512, not 999"));
    }

    [TestCase("id")]
    [TestCase("size")]
    public void ARewriteThatKeepsTheLastConsumedBlocksIdAndSizeIsFoundToo(string changed)
    {
        // Three blocks consumed; a writer rewrites the second and keeps the third (the last consumed) as it was.
        CommittedBlock[] consumed = Blocks(12, 500, 300, 2);
        CommittedBlock[] rewritten = [consumed[0], changed == "id" ? consumed[1] with { Id = "block-x" } : consumed[1] with { Size = 499 }, consumed[2] with { Size = changed == "size" ? 301 : 300 }, new CommittedBlock("block-new", 80), consumed[3]];
        if (changed == "size")
        {
            // Same total length before the last consumed block's end: only the sizes of the blocks tell.
            Assert.That(BlockDelta.OffsetOf(rewritten, 3), Is.EqualTo(BlockDelta.OffsetOf(consumed, 3)));
        }

        DeltaPlan plan = BlockDelta.Plan(rewritten, After(consumed, 3), 1 << 20);

        Assert.That(plan.Status, Is.EqualTo(DeltaStatus.Restart));
        Assert.That(plan.Reason, Does.Contain("an id or a size differs"));
    }

    [Test]
    public void TheDigestOfConsumedBlocksIsTheSameWhateverIsAppended()
    {
        CommittedBlock[] blocks = Blocks(12, 500, 300, 2);
        CommittedBlock[] appended = [.. blocks[..3], new CommittedBlock("block-new", 80), blocks[3]];
        Assert.That(BlockDelta.DigestOf(appended, 3), Is.EqualTo(BlockDelta.DigestOf(blocks, 3)));
        Assert.That(BlockDelta.Plan(appended, After(blocks, 3), 1 << 20).Status, Is.EqualTo(DeltaStatus.NewBlocks));
    }

    [Test]
    public void AShorterBlobRestartsFromZero()
    {
        CommittedBlock[] longer = Blocks(12, 500, 300, 200, 2);
        CommittedBlock[] shorter = [.. longer[..2], longer[^1]];
        DeltaPlan plan = BlockDelta.Plan(shorter, After(longer, 4), 1 << 20);
        Assert.That(plan.Status, Is.EqualTo(DeltaStatus.Restart));
        Assert.That(plan.Reason, Does.Contain("shorter than its checkpoint"));
    }

    [Test]
    public void ABacklogIsCutIntoChunksOfWholeBlocks()
    {
        CommittedBlock[] blocks = Blocks(12, 400, 400, 400, 900, 100, 2);
        DeltaPlan plan = BlockDelta.Plan(blocks, After(blocks, 1), 800);
        Assert.That(plan.Chunks, Is.EqualTo(new[]
        {
            new DeltaChunk(1, 2, 12, 812, false, false),
            new DeltaChunk(3, 1, 812, 1212, false, false),
            new DeltaChunk(4, 1, 1212, 2112, false, false),
            new DeltaChunk(5, 2, 2112, 2214, false, true),
        }));
    }

    [Test]
    public void EveryListAndCheckpointPlansAContiguousCoverOfTheRest()
    {
        // Exhaustive over small lists: every block count, every checkpoint position, several chunk limits.
        var random = new Random(17);
        for (int trial = 0; trial < 300; trial++)
        {
            int count = random.Next(1, 12);
            CommittedBlock[] blocks = [.. Enumerable.Range(0, count).Select(i => new CommittedBlock($"id{trial}-{i}", random.Next(1, 600)))];
            long total = blocks.Sum(b => b.Size);
            foreach (int limit in new[] { 1, 300, 1000, 1 << 20 })
            {
                for (int consumed = 0; consumed < count; consumed++)
                {
                    BlobCheckpoint? checkpoint = consumed == 0 ? null : After(blocks, consumed);
                    DeltaPlan plan = BlockDelta.Plan(blocks, checkpoint, limit);
                    string context = $"trial {trial}, {count} blocks, consumed {consumed}, limit {limit}";
                    if (count > 1 && consumed == count - 1)
                    {
                        Assert.That(plan.Status, Is.EqualTo(DeltaStatus.UpToDate), context);
                        continue;
                    }

                    Assert.That(plan.Status, Is.EqualTo(DeltaStatus.NewBlocks), context);
                    Assert.That(plan.Chunks[0].FirstBlock, Is.EqualTo(consumed), context);
                    Assert.That(plan.Chunks[0].Start, Is.EqualTo(BlockDelta.OffsetOf(blocks, consumed)), context);
                    Assert.That(plan.Chunks[^1].End, Is.EqualTo(total), context);
                    Assert.That(plan.Chunks[^1].HasTail, Is.True, context);
                    Assert.That(plan.Chunks.Take(plan.Chunks.Count - 1).Any(c => c.HasTail), Is.False, context);
                    for (int i = 0; i < plan.Chunks.Count; i++)
                    {
                        DeltaChunk c = plan.Chunks[i];
                        Assert.That(c.End - c.Start, Is.EqualTo(blocks.Skip(c.FirstBlock).Take(c.BlockCount).Sum(b => b.Size)), context);
                        Assert.That(c.HasHead, Is.EqualTo(c.FirstBlock == 0), context);
                        if (i > 0)
                        {
                            Assert.That(c.Start, Is.EqualTo(plan.Chunks[i - 1].End), context);
                            Assert.That(c.FirstBlock, Is.EqualTo(plan.Chunks[i - 1].FirstBlock + plan.Chunks[i - 1].BlockCount), context);
                        }

                        // Over the limit only when one block alone is, or when the two-byte tail rides along.
                        long data = c.HasTail ? c.Length - blocks[^1].Size : c.Length;
                        int dataBlocks = c.HasTail ? c.BlockCount - 1 : c.BlockCount;
                        Assert.That(data <= limit || dataBlocks <= 1, Is.True, context);
                    }
                }
            }
        }
    }

    private static CommittedBlock[] Blocks(params long[] sizes) => [.. sizes.Select((s, i) => new CommittedBlock($"block-{i}", s))];

    private static BlobCheckpoint After(CommittedBlock[] blocks, int consumed) => new()
    {
        BlobName = "c/PT1H.json",
        BlocksConsumed = consumed,
        ConsumedBlocksDigest = BlockDelta.DigestOf(blocks, consumed),
        Offset = BlockDelta.OffsetOf(blocks, consumed),
    };
}
