using System.Text;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using FlowLogs.BlobSource;
using FlowLogs.Checkpoints;
using FlowLogs.Replay;
using FlowLogs.Testing;

namespace FlowLogs.Tests.Storage;

/// <summary>
/// One contract, two implementations: the in-memory stores the fast tests use must behave as Azure Storage does (here,
/// Azurite) in everything the pipeline relies on: ETags, conditional reads and writes, listings.
/// </summary>
public abstract class BlobStoreContract
{
    private static readonly string Hour = "y=2026/m=11/d=23/h=10/m=00";

    private protected abstract IFlowLogBlobStore Store { get; }

    private protected abstract IFlowLogBlobCatalog Catalog { get; }

    protected abstract string Container { get; }

    [Test]
    public async Task AMissingBlobHasNoBlockList()
    {
        Assert.That(await Store.GetCommittedBlocksAsync(Blob("missing"), CancellationToken.None), Is.Null);
    }

    [Test]
    public async Task CommittedBlocksAreListedInOrderWithTheirSizesAndEveryCommitChangesTheETag()
    {
        FlowLogBlob blob = Blob("order");
        await WriteAsync(blob, "{\"records\":[", "]}");
        BlockListSnapshot first = (await Store.GetCommittedBlocksAsync(blob, CancellationToken.None))!;
        await InsertBeforeTailAsync(blob, "{\"a\":1}");
        BlockListSnapshot second = (await Store.GetCommittedBlocksAsync(blob, CancellationToken.None))!;

        Assert.Multiple(() =>
        {
            Assert.That(second.Blocks.Select(b => b.Size), Is.EqualTo(new long[] { 12, 7, 2 }));
            Assert.That(second.Blocks[0].Id, Is.EqualTo(first.Blocks[0].Id));
            Assert.That(second.Blocks[2].Id, Is.EqualTo(first.Blocks[1].Id), "the tail keeps its id");
            Assert.That(second.Length, Is.EqualTo(21));
            Assert.That(second.ETag, Is.Not.EqualTo(first.ETag));
            Assert.That(second.LastModified, Is.Not.Null);
        });
    }

    [Test]
    public async Task ARangedReadReturnsExactlyTheBytesAtTheListedETagAndFailsAsChangedAfterACommit()
    {
        FlowLogBlob blob = Blob("range");
        await WriteAsync(blob, "{\"records\":[", "{\"a\":1}", "]}");
        BlockListSnapshot snapshot = (await Store.GetCommittedBlocksAsync(blob, CancellationToken.None))!;
        byte[] read = new byte[7];

        await Store.ReadRangeAsync(blob, 12, read, snapshot.ETag, CancellationToken.None);
        Assert.That(Encoding.UTF8.GetString(read), Is.EqualTo("{\"a\":1}"));

        await InsertBeforeTailAsync(blob, ",{\"b\":2}");
        Assert.That(async () => await Store.ReadRangeAsync(blob, 12, read, snapshot.ETag, CancellationToken.None), Throws.InstanceOf<BlobChangedException>());
    }

    [Test]
    public async Task AStreamFromAnOffsetReadsToTheEndAndADeletedBlobFailsAsChanged()
    {
        FlowLogBlob blob = Blob("stream");
        await WriteAsync(blob, "{\"records\":[", "{\"a\":1}", "]}");
        BlockListSnapshot snapshot = (await Store.GetCommittedBlocksAsync(blob, CancellationToken.None))!;

        await using (Stream stream = await Store.OpenReadAsync(blob, 12, snapshot.ETag, CancellationToken.None))
        {
            using var reader = new StreamReader(stream);
            Assert.That(await reader.ReadToEndAsync(), Is.EqualTo("{\"a\":1}]}"));
        }

        await DeleteAsync(blob);
        Assert.That(async () => await Store.OpenReadAsync(blob, 0, snapshot.ETag, CancellationToken.None), Throws.InstanceOf<BlobChangedException>());
        Assert.That(async () => await Store.ReadRangeAsync(blob, 0, new byte[1], snapshot.ETag, CancellationToken.None), Throws.InstanceOf<BlobChangedException>());
    }

    [Test]
    public async Task ListingsAreByPrefixAndByVirtualFolder()
    {
        string root = Guid.NewGuid().ToString("N");
        await WriteAsync(new FlowLogBlob(AzuriteServer.Account, Container, $"{root}/a/{Hour}/PT1H.json"), "{\"records\":[", "]}");
        await WriteAsync(new FlowLogBlob(AzuriteServer.Account, Container, $"{root}/b/{Hour}/PT1H.json"), "{\"records\":[", "{}", "]}");
        await WriteAsync(new FlowLogBlob(AzuriteServer.Account, Container, $"{root}/b/{Hour}/other.txt"), "x");

        var children = new List<string>();
        await foreach (string child in Catalog.ListChildPrefixesAsync(AzuriteServer.Account, Container, $"{root}/", CancellationToken.None))
        {
            children.Add(child);
        }

        var found = new List<CatalogBlob>();
        await foreach (CatalogBlob blob in Catalog.ListBlobsAsync(AzuriteServer.Account, Container, $"{root}/b/", CancellationToken.None))
        {
            found.Add(blob);
        }

        Assert.Multiple(() =>
        {
            Assert.That(children, Is.EqualTo(new[] { $"{root}/a/", $"{root}/b/" }));
            Assert.That(found.Select(f => f.Blob.Name), Is.EqualTo(new[] { $"{root}/b/{Hour}/PT1H.json", $"{root}/b/{Hour}/other.txt" }));
            Assert.That(found.Select(f => f.Length), Is.EqualTo(new long[] { 16, 1 }));
            Assert.That(found.Select(f => f.LastModified), Has.All.Not.Null);
        });
    }

    protected FlowLogBlob Blob(string name) => new(AzuriteServer.Account, Container, $"{Guid.NewGuid():N}/{name}/{Hour}/macAddress=AA/PT1H.json");

    protected abstract Task WriteAsync(FlowLogBlob blob, params string[] blocks);

    protected abstract Task InsertBeforeTailAsync(FlowLogBlob blob, params string[] blocks);

    protected abstract Task DeleteAsync(FlowLogBlob blob);
}

/// <summary>The contract on <see cref="MemoryBlobStore"/>.</summary>
public sealed class MemoryBlobStoreContractTests : BlobStoreContract
{
    private readonly MemoryBlobStore _store = new();

    private protected override IFlowLogBlobStore Store => _store;

    private protected override IFlowLogBlobCatalog Catalog => _store;

    protected override string Container => "memory";

    protected override Task WriteAsync(FlowLogBlob blob, params string[] blocks)
    {
        _store.Write(blob, blocks);
        return Task.CompletedTask;
    }

    protected override Task InsertBeforeTailAsync(FlowLogBlob blob, params string[] blocks)
    {
        _store.InsertBeforeTail(blob, blocks);
        return Task.CompletedTask;
    }

    protected override Task DeleteAsync(FlowLogBlob blob)
    {
        _store.Delete(blob);
        return Task.CompletedTask;
    }
}

/// <summary>The contract on Azure Storage (Azurite), through <see cref="AzureFlowLogBlobStore"/>.</summary>
[Category("Azurite")]
public sealed class AzureBlobStoreContractTests : BlobStoreContract
{
    private readonly string _container = $"contract-{Guid.NewGuid():N}";
    private BlobServiceClient _service = null!;
    private AzureFlowLogBlobStore _store = null!;

    private protected override IFlowLogBlobStore Store => _store;

    private protected override IFlowLogBlobCatalog Catalog => _store;

    protected override string Container => _container;

    [OneTimeSetUp]
    public async Task CreateContainerAsync()
    {
        _service = new BlobServiceClient(AzuriteFixture.Server.ConnectionString);
        _store = new AzureFlowLogBlobStore(_service);
        await _service.GetBlobContainerClient(_container).CreateIfNotExistsAsync();
    }

    protected override async Task WriteAsync(FlowLogBlob blob, params string[] blocks)
    {
        BlockBlobClient client = Client(blob);
        var ids = new List<string>();
        foreach (string block in blocks)
        {
            ids.Add(await StageAsync(client, block));
        }

        await client.CommitBlockListAsync(ids);
    }

    protected override async Task InsertBeforeTailAsync(FlowLogBlob blob, params string[] blocks)
    {
        BlockBlobClient client = Client(blob);
        List<string> ids = [.. (await client.GetBlockListAsync()).Value.CommittedBlocks.Select(b => b.Name)];
        int at = ids.Count - 1;
        foreach (string block in blocks)
        {
            ids.Insert(at++, await StageAsync(client, block));
        }

        await client.CommitBlockListAsync(ids);
    }

    protected override async Task DeleteAsync(FlowLogBlob blob) => await Client(blob).DeleteAsync();

    private static async Task<string> StageAsync(BlockBlobClient client, string block)
    {
        string id = Convert.ToBase64String(Guid.NewGuid().ToByteArray());
        using var content = new MemoryStream(Encoding.UTF8.GetBytes(block));
        await client.StageBlockAsync(id, content);
        return id;
    }

    private BlockBlobClient Client(FlowLogBlob blob) => _service.GetBlobContainerClient(blob.Container).GetBlockBlobClient(blob.Name);
}

/// <summary>The checkpoint-store contract: conditional add and replace, ETags, one hour's listing.</summary>
public abstract class CheckpointStoreContract
{
    private protected abstract ICheckpointStore Store { get; }

    [Test]
    public async Task AddingTwiceFailsTheSecondTime()
    {
        BlobCheckpoint checkpoint = New(10);
        Assert.That(await Store.GetAsync(checkpoint.BlobName, CancellationToken.None), Is.Null);
        Assert.That(await Store.TryAddAsync(checkpoint, CancellationToken.None), Is.Not.Null);
        Assert.That(await Store.TryAddAsync(checkpoint with { Offset = 5 }, CancellationToken.None), Is.Null);
        Assert.That((await Store.GetAsync(checkpoint.BlobName, CancellationToken.None))!.Value.Offset, Is.Zero);
    }

    [Test]
    public async Task AReplaceMustMatchTheCurrentETagAndEachWriteGivesANewOne()
    {
        BlobCheckpoint checkpoint = New(11);
        StoredCheckpoint added = (await Store.TryAddAsync(checkpoint, CancellationToken.None))!;
        StoredCheckpoint replaced = (await Store.TryReplaceAsync(checkpoint with { Offset = 100, ClaimOwner = "me" }, added.ETag, CancellationToken.None))!;

        Assert.Multiple(async () =>
        {
            Assert.That(replaced.ETag, Is.Not.EqualTo(added.ETag));
            Assert.That(await Store.TryReplaceAsync(checkpoint with { Offset = 200 }, added.ETag, CancellationToken.None), Is.Null, "stale ETag");
            Assert.That(await Store.TryReplaceAsync(New(12), replaced.ETag, CancellationToken.None), Is.Null, "no such entity");
            StoredCheckpoint read = (await Store.GetAsync(checkpoint.BlobName, CancellationToken.None))!;
            Assert.That(read.ETag, Is.EqualTo(replaced.ETag));
            Assert.That(read.Value.Offset, Is.EqualTo(100));
            Assert.That(read.Value.ClaimOwner, Is.EqualTo("me"));
        });
    }

    [Test]
    public async Task AnHoursCheckpointsListTogether()
    {
        string run = Guid.NewGuid().ToString("N");
        await Store.TryAddAsync(New(13, run), CancellationToken.None);
        await Store.TryAddAsync(New(13, run, "b"), CancellationToken.None);
        await Store.TryAddAsync(New(14, run), CancellationToken.None);

        var names = new List<string>();
        await foreach (BlobCheckpoint checkpoint in Store.ListHourAsync(new DateTimeOffset(2030, 1, 2, 13, 0, 0, TimeSpan.Zero), CancellationToken.None))
        {
            if (checkpoint.BlobName.Contains(run, StringComparison.Ordinal))
            {
                names.Add(checkpoint.BlobName);
            }
        }

        Assert.That(names, Is.EquivalentTo(new[] { New(13, run).BlobName, New(13, run, "b").BlobName }));
    }

    private static BlobCheckpoint New(int hour, string? run = null, string nic = "a")
        => BlobCheckpoint.New($"c/{run ?? Guid.NewGuid().ToString("N")}/{nic}/y=2030/m=01/d=02/h={hour:D2}/m=00/PT1H.json", DateTimeOffset.UnixEpoch);
}

/// <summary>The contract on <see cref="MemoryCheckpointStore"/>.</summary>
public sealed class MemoryCheckpointStoreContractTests : CheckpointStoreContract
{
    private protected override ICheckpointStore Store { get; } = new MemoryCheckpointStore();
}

/// <summary>The contract on Table Storage (Azurite), through <see cref="TableCheckpointStore"/>.</summary>
[Category("Azurite")]
public sealed class TableCheckpointStoreContractTests : CheckpointStoreContract
{
    private TableCheckpointStore _store = null!;

    private protected override ICheckpointStore Store => _store;

    [OneTimeSetUp]
    public async Task CreateTableAsync()
    {
        _store = new TableCheckpointStore(new TableClient(AzuriteFixture.Server.ConnectionString, $"contract{Guid.NewGuid():N}"));
        await _store.CreateIfNotExistsAsync(CancellationToken.None);
    }
}

/// <summary>What the replay's state store promises, whichever holds it: the replay tests run on the in-memory one.</summary>
public abstract class ReplayStateStoreContract
{
    private static readonly DateTimeOffset Hour = new(2031, 3, 4, 12, 0, 0, TimeSpan.Zero);

    private protected abstract Task<IReplayStateStore> FreshAsync();

    [Test]
    public async Task PrefixesAndWalksAreKeptOnceEachTheLastWriteWinning()
    {
        IReplayStateStore store = await FreshAsync();
        var prefix = new ResourcePrefix("acct", "insights-logs-flowlogflowevent", "flowLogResourceID=/SUB/FL#1?/x");
        await store.AddPrefixAsync(prefix, CancellationToken.None);
        await store.AddPrefixAsync(prefix, CancellationToken.None);
        await store.SaveWalkAsync(new AccountWalk("acct", Hour, null), CancellationToken.None);
        await store.SaveWalkAsync(new AccountWalk("acct", Hour, Hour.AddMinutes(5)), CancellationToken.None);
        await store.SaveWalkAsync(new AccountWalk("other", Hour, null), CancellationToken.None);

        Assert.That(await store.GetPrefixesAsync(CancellationToken.None), Is.EqualTo(new[] { prefix }));
        Assert.That((await store.GetWalksAsync(CancellationToken.None)).OrderBy(w => w.Account, StringComparer.Ordinal), Is.EqualTo(new[] { new AccountWalk("acct", Hour, Hour.AddMinutes(5)), new AccountWalk("other", Hour, null) }));
    }

    [Test]
    public async Task HourMarksAreKeptPerHourAndAMarkIsReplaced()
    {
        IReplayStateStore store = await FreshAsync();
        var a = new ResourcePrefix("acct", "c-1", "r/a");
        var b = new ResourcePrefix("acct", "c-1", "r/b");
        await store.MarkHourAsync(Hour, a, new HourMark(Hour.AddMinutes(80), false), CancellationToken.None);
        await store.MarkHourAsync(Hour, a, new HourMark(Hour.AddMinutes(80), true), CancellationToken.None);
        await store.MarkHourAsync(Hour.AddHours(1), b, new HourMark(Hour.AddMinutes(140), false), CancellationToken.None);

        Assert.That(await store.GetHourMarksAsync(Hour, CancellationToken.None), Is.EqualTo(new Dictionary<string, HourMark> { [a.Key] = new HourMark(Hour.AddMinutes(80), true) }));
        Assert.That((await store.GetHourMarksAsync(Hour.AddHours(1), CancellationToken.None)).Keys, Is.EqualTo(new[] { b.Key }));
        Assert.That(await store.GetHourMarksAsync(Hour.AddHours(2), CancellationToken.None), Is.Empty);
    }

    [Test]
    public async Task TheRunStateIsReadAsWrittenWithItsClockSkew()
    {
        IReplayStateStore store = await FreshAsync();
        Assert.That(await store.GetRunStateAsync(CancellationToken.None), Is.Null);
        var state = new ReplayRunState(Hour.AddMinutes(3), Hour.AddHours(-2), LastRunSucceeded: false, ClockSkew: TimeSpan.FromSeconds(-4200.5));
        await store.SaveRunStateAsync(state, CancellationToken.None);
        Assert.That(await store.GetRunStateAsync(CancellationToken.None), Is.EqualTo(state));
        await store.SaveRunStateAsync(state with { ClockSkew = null }, CancellationToken.None);
        Assert.That((await store.GetRunStateAsync(CancellationToken.None))!.ClockSkew, Is.Null);
    }
}

/// <summary>The replay state contract in memory.</summary>
public sealed class MemoryReplayStateStoreContractTests : ReplayStateStoreContract
{
    private protected override Task<IReplayStateStore> FreshAsync() => Task.FromResult<IReplayStateStore>(new MemoryReplayStateStore());
}

/// <summary>The replay state contract on Table Storage (Azurite), through <see cref="TableReplayStateStore"/>.</summary>
[Category("Azurite")]
public sealed class TableReplayStateStoreContractTests : ReplayStateStoreContract
{
    private protected override async Task<IReplayStateStore> FreshAsync()
    {
        var store = new TableReplayStateStore(new TableClient(AzuriteFixture.Server.ConnectionString, $"replay{Guid.NewGuid():N}"));
        await store.CreateIfNotExistsAsync(CancellationToken.None);
        return store;
    }
}
