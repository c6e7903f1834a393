using System.Globalization;
using System.Text.Json;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using FlowLogs.BlobSource;
using FlowLogs.Parsing;

namespace FlowLogs.Simulation;

/// <summary>
/// Writes flow logs into blob storage exactly the way Azure does: a head block <c>{"records":[</c>, a tail block
/// <c>]}</c>, and each minute one new block (a record, with a leading comma after the first) staged under a random
/// base64 id and inserted before the tail with Put Block List. Used by the tests, the local run and the benchmarks.
/// </summary>
public sealed class FlowLogSimulator
{
    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true };
    private static readonly int HeadLength = "{\"records\":["u8.Length;

    private readonly BlobServiceClient _service;
    private readonly FlowLogGenerator _generator;
    private readonly Random _random;
    private readonly Dictionary<string, BlobState> _blobs = [];
    private readonly HashSet<string> _containers = [];
    private readonly Lock _lock = new();

    /// <summary>Creates a simulator writing to <paramref name="service"/>.</summary>
    /// <param name="service">The storage account (Azurite locally).</param>
    /// <param name="seed">Seed of the tuples and block ids: the same seed writes the same bytes.</param>
    /// <param name="tuplesPerRecord">Tuples in each minute's record.</param>
    /// <param name="vnetContainer">Container of VNet flow logs (Azure's name unless a test needs its own).</param>
    /// <param name="nsgContainer">Container of NSG flow logs.</param>
    public FlowLogSimulator(BlobServiceClient service, int seed = 1, int tuplesPerRecord = 40, string vnetContainer = FlowLogBlob.VNetContainer, string nsgContainer = FlowLogBlob.NsgContainer)
    {
        VNetContainer = vnetContainer;
        NsgContainer = nsgContainer;
        _service = service ?? throw new ArgumentNullException(nameof(service));
        _generator = new FlowLogGenerator(seed);
        _random = new Random(seed);
        TuplesPerRecord = tuplesPerRecord;
    }

    /// <summary>Tuples in each minute's record.</summary>
    public int TuplesPerRecord { get; }

    /// <summary>The account the simulator writes to.</summary>
    public BlobServiceClient Service => _service;

    /// <summary>Container of VNet flow logs.</summary>
    public string VNetContainer { get; }

    /// <summary>Container of NSG flow logs.</summary>
    public string NsgContainer { get; }

    /// <summary>Tuples written so far, over all blobs.</summary>
    public long TuplesWritten { get; private set; }

    /// <summary>Byte offset, in its blob, of the record the last <see cref="AppendMinuteAsync"/> wrote.</summary>
    public long LastRecordOffset { get; private set; }

    /// <summary>Commits (Put Block List calls) made so far.</summary>
    public long Commits { get; private set; }

    /// <summary>Tuples written so far per blob (<c>container/name</c>).</summary>
    public IReadOnlyDictionary<string, long> TuplesPerBlob
    {
        get
        {
            lock (_lock)
            {
                return _blobs.ToDictionary(b => b.Key, b => b.Value.Tuples);
            }
        }
    }

    /// <summary>The blob Azure writes the flows of <paramref name="nic"/> during <paramref name="hour"/> to, in <paramref name="account"/>.</summary>
    public static FlowLogBlob BlobFor(string account, FlowLogKind kind, SimulatedNic nic, DateTimeOffset hour)
        => BlobFor(account, kind, nic, hour, FlowLogBlob.VNetContainer, FlowLogBlob.NsgContainer);

    private static FlowLogBlob BlobFor(string account, FlowLogKind kind, SimulatedNic nic, DateTimeOffset hour, string vnetContainer, string nsgContainer)
    {
        ArgumentNullException.ThrowIfNull(nic);
        DateTime h = hour.UtcDateTime;
        string time = string.Create(CultureInfo.InvariantCulture, $"y={h:yyyy}/m={h:MM}/d={h:dd}/h={h:HH}/m=00/macAddress={nic.MacAddress}/PT1H.json");
        return kind == FlowLogKind.VirtualNetwork
            ? new FlowLogBlob(account, vnetContainer, $"flowLogResourceID={nic.FlowLogResourceId}/{time}")
            : new FlowLogBlob(account, nsgContainer, $"resourceId={nic.NsgResourceId}/{time}");
    }

    /// <summary>Appends the record of one minute to the NIC's hour blob, as Azure does each minute.</summary>
    public async Task<FlowLogBlob> AppendMinuteAsync(FlowLogKind kind, SimulatedNic nic, DateTimeOffset minute, CancellationToken cancellationToken)
    {
        (FlowLogBlob blob, Func<CancellationToken, Task>? rest) = await CommitMinuteAsync(kind, nic, minute, split: false, cancellationToken).ConfigureAwait(false);
        return rest is null ? blob : throw new InvalidOperationException("unreachable: a whole minute has no rest");
    }

    /// <summary>
    /// Appends the first half of one minute's record, cut inside the record, and returns what commits the second half:
    /// a record split across two commits, which Azure's framing allows and a reader must join.
    /// </summary>
    public async Task<(FlowLogBlob Blob, Func<CancellationToken, Task> SecondHalf)> AppendSplitMinuteAsync(FlowLogKind kind, SimulatedNic nic, DateTimeOffset minute, CancellationToken cancellationToken)
    {
        (FlowLogBlob blob, Func<CancellationToken, Task>? rest) = await CommitMinuteAsync(kind, nic, minute, split: true, cancellationToken).ConfigureAwait(false);
        return (blob, rest!);
    }

    private async Task<(FlowLogBlob Blob, Func<CancellationToken, Task>? SecondHalf)> CommitMinuteAsync(FlowLogKind kind, SimulatedNic nic, DateTimeOffset minute, bool split, CancellationToken cancellationToken)
    {
        var hour = new DateTimeOffset(minute.Year, minute.Month, minute.Day, minute.Hour, 0, 0, TimeSpan.Zero);
        FlowLogBlob blob = BlobFor(_service.AccountName, kind, nic, hour, VNetContainer, NsgContainer);
        BlobContainerClient container = _service.GetBlobContainerClient(blob.Container);
        bool newContainer;
        lock (_lock)
        {
            newContainer = _containers.Add(blob.Container);
        }

        if (newContainer)
        {
            await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        BlockBlobClient client = container.GetBlockBlobClient(blob.Name);
        BlobState state;
        bool first;
        lock (_lock)
        {
            first = !_blobs.TryGetValue(blob.FullName, out state!);
            if (first)
            {
                state = new BlobState(NewBlockId(), NewBlockId());
                _blobs.Add(blob.FullName, state);
            }
        }

        if (first)
        {
            await StageAsync(client, state.HeadId, "{\"records\":["u8.ToArray(), cancellationToken).ConfigureAwait(false);
            await StageAsync(client, state.TailId, "]}"u8.ToArray(), cancellationToken).ConfigureAwait(false);
        }

        using var record = new MemoryStream();
        if (state.DataIds.Count > 0)
        {
            record.WriteByte((byte)',');
        }

        long before;
        lock (_lock)
        {
            before = _generator.TuplesWritten;
            using var writer = new Utf8JsonWriter(record, WriterOptions);
            _generator.WriteRecord(writer, kind, nic, minute, TuplesPerRecord);
            writer.Flush();
            TuplesWritten += _generator.TuplesWritten - before;
            state.Tuples += _generator.TuplesWritten - before;
        }

        byte[] content = record.ToArray();
        LastRecordOffset = HeadLength + state.DataLength + (state.DataIds.Count > 0 ? 1 : 0);
        if (!split)
        {
            await CommitNewBlockAsync(client, state, content, cancellationToken).ConfigureAwait(false);
            return (blob, null);
        }

        int half = content.Length / 2;
        await CommitNewBlockAsync(client, state, content[..half], cancellationToken).ConfigureAwait(false);
        return (blob, token => CommitNewBlockAsync(client, state, content[half..], token));
    }

    /// <summary>
    /// Inserts a block of arbitrary bytes before the tail of a blob this simulator writes (a block Azure would never
    /// write: for tests of bad input). The blob must have had at least one minute appended.
    /// </summary>
    public async Task AppendRawBlockAsync(FlowLogBlob blob, byte[] content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        BlobState state;
        lock (_lock)
        {
            state = _blobs[blob.FullName];
        }

        BlockBlobClient client = _service.GetBlobContainerClient(blob.Container).GetBlockBlobClient(blob.Name);
        await CommitNewBlockAsync(client, state, content, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Commits the blob again with the same bytes under new block ids, as an upload tool re-writing it would (the
    /// processor sees a rewritten blob). Appends go on afterwards as before.
    /// </summary>
    public async Task RewriteAsync(FlowLogBlob blob, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        BlobState state;
        lock (_lock)
        {
            state = _blobs[blob.FullName];
        }

        BlockBlobClient client = _service.GetBlobContainerClient(blob.Container).GetBlockBlobClient(blob.Name);
        Azure.Storage.Blobs.Models.BlockList list = (await client.GetBlockListAsync(Azure.Storage.Blobs.Models.BlockListTypes.Committed, cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
        byte[] content = (await client.DownloadContentAsync(cancellationToken).ConfigureAwait(false)).Value.Content.ToArray();
        var ids = new List<string>();
        int offset = 0;
        foreach (Azure.Storage.Blobs.Models.BlobBlock block in list.CommittedBlocks)
        {
            string id = NewBlockId();
            await StageAsync(client, id, content[offset..(offset + (int)block.SizeLong)], cancellationToken).ConfigureAwait(false);
            offset += (int)block.SizeLong;
            ids.Add(id);
        }

        lock (_lock)
        {
            state.HeadId = ids[0];
            state.TailId = ids[^1];
            state.DataIds.Clear();
            state.DataIds.AddRange(ids[1..^1]);
            Commits++;
        }

        await client.CommitBlockListAsync(ids, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    private async Task CommitNewBlockAsync(BlockBlobClient client, BlobState state, byte[] content, CancellationToken cancellationToken)
    {
        string dataId = NewBlockId();
        await StageAsync(client, dataId, content, cancellationToken).ConfigureAwait(false);
        List<string> ids;
        lock (_lock)
        {
            state.DataIds.Add(dataId);
            state.DataLength += content.Length;
            ids = [state.HeadId, .. state.DataIds, state.TailId];
            Commits++;
        }

        await client.CommitBlockListAsync(ids, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes <paramref name="minutes"/> minutes of flow logs for <paramref name="nics"/> NICs, one minute apart by <paramref name="interval"/>.</summary>
    public async Task RunAsync(IReadOnlyList<SimulatedNic> nics, IReadOnlyList<FlowLogKind> kinds, DateTimeOffset start, int minutes, TimeSpan interval, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(nics);
        ArgumentNullException.ThrowIfNull(kinds);
        for (int m = 0; m < minutes; m++)
        {
            DateTimeOffset minute = start.AddMinutes(m);
            foreach (SimulatedNic nic in nics)
            {
                foreach (FlowLogKind kind in kinds)
                {
                    await AppendMinuteAsync(kind, nic, minute, cancellationToken).ConfigureAwait(false);
                }
            }

            progress?.Report(string.Create(CultureInfo.InvariantCulture, $"minute {m + 1}/{minutes} ({minute:HH:mm}): {TuplesWritten} tuples in {Commits} commits"));
            if (interval > TimeSpan.Zero && m < minutes - 1)
            {
                await Task.Delay(interval, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static async Task StageAsync(BlockBlobClient client, string id, byte[] content, CancellationToken cancellationToken)
    {
        using var stream = new MemoryStream(content);
        await client.StageBlockAsync(id, stream, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    // Azure's ids are random base64 of one length per blob.
    private string NewBlockId()
    {
        var bytes = new byte[24];
        lock (_lock)
        {
            _random.NextBytes(bytes);
        }

        return Convert.ToBase64String(bytes);
    }

    private sealed class BlobState(string headId, string tailId)
    {
        public string HeadId { get; set; } = headId;

        public string TailId { get; set; } = tailId;

        public List<string> DataIds { get; } = [];

        public long DataLength { get; set; }

        public long Tuples { get; set; }
    }
}
