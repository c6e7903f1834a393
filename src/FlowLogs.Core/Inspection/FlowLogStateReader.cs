using Azure;
using FlowLogs.BlobSource;
using FlowLogs.Checkpoints;
using FlowLogs.Clock;
using FlowLogs.Replay;
using FlowLogs.SelfCheck;

namespace FlowLogs.Inspection;

/// <summary>
/// Reads, never writes, the state the app keeps for <c>flowlogs status</c>: the checkpoints of a window of hours (one
/// table query per hour), the hours the replay recorded complete (one query per hour), its resource prefixes and last
/// run; and, within a budget, lists the blobs of the resource hours not recorded complete (one listing per resource and
/// hour, never a container), to find commits no checkpoint has seen yet.
/// </summary>
internal sealed class FlowLogStateReader
{
    private readonly ICheckpointStore _checkpoints;
    private readonly IReplayStateStore _replay;
    private readonly Func<IFlowLogBlobCatalog> _catalog;
    private readonly StorageClock _time;
    private readonly ISelfCheckStore? _selfChecks;

    internal FlowLogStateReader(ICheckpointStore checkpoints, IReplayStateStore replay, Func<IFlowLogBlobCatalog> catalog, StorageClock time, ISelfCheckStore? selfChecks = null)
    {
        _checkpoints = checkpoints ?? throw new ArgumentNullException(nameof(checkpoints));
        _replay = replay ?? throw new ArgumentNullException(nameof(replay));
        _catalog = catalog ?? throw new ArgumentNullException(nameof(catalog));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _selfChecks = selfChecks;
    }

    /// <summary>
    /// Reads the hours <paramref name="from"/>..<paramref name="to"/>, listing at most <paramref name="maxListings"/>
    /// resource hours not recorded complete (the oldest first; 0: none). A table or container that does not exist reads
    /// as empty: nothing is created.
    /// </summary>
    public async Task<FlowLogState> ReadAsync(DateTimeOffset from, DateTimeOffset to, int maxListings, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxListings);
        DateTimeOffset first = BlobPath.HourOf(from);
        DateTimeOffset last = BlobPath.HourOf(to);
        IReadOnlyList<ResourcePrefix> prefixes = await OrEmpty(() => _replay.GetPrefixesAsync(cancellationToken), (IReadOnlyList<ResourcePrefix>)[]).ConfigureAwait(false);
        ReplayRunState? run = await OrEmpty(() => _replay.GetRunStateAsync(cancellationToken), null).ConfigureAwait(false);
        CheckReport? selfCheck = _selfChecks is null ? null : await OrEmpty(() => _selfChecks.GetAsync(cancellationToken), null).ConfigureAwait(false);

        // Ages are measured on the storage service's time, which the first answers have set by now.
        DateTimeOffset now = _time.GetUtcNow();

        var blobs = new Dictionary<string, BlobState>(StringComparer.Ordinal);
        var complete = new Dictionary<DateTimeOffset, IReadOnlySet<string>>();
        for (DateTimeOffset hour = first; hour <= last; hour = hour.AddHours(1))
        {
            IReadOnlyDictionary<string, HourMark> marks = await OrEmpty(() => _replay.GetHourMarksAsync(hour, cancellationToken), (IReadOnlyDictionary<string, HourMark>)new Dictionary<string, HourMark>()).ConfigureAwait(false);
            complete[hour] = new HashSet<string>(marks.Keys, StringComparer.Ordinal);
            try
            {
                await foreach (BlobCheckpoint checkpoint in _checkpoints.ListHourAsync(hour, cancellationToken).ConfigureAwait(false))
                {
                    string prefix = BlobPath.TryParse(checkpoint.BlobName, out BlobPath path) ? path.ResourcePrefix : string.Empty;
                    blobs[checkpoint.BlobName] = new BlobState { BlobName = checkpoint.BlobName, ResourcePrefix = prefix, Hour = hour, Checkpoint = checkpoint };
                }
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                // No checkpoint table yet: nothing was ever read.
            }
        }

        // The resource hours not recorded complete, oldest first: where commits no checkpoint has seen can hide.
        var open = new List<(DateTimeOffset Hour, ResourcePrefix Prefix)>();
        for (DateTimeOffset hour = first; hour <= last; hour = hour.AddHours(1))
        {
            open.AddRange(prefixes.Where(p => !complete[hour].Contains(p.Key)).Select(p => (hour, p)));
        }

        int listings = 0;
        if (maxListings > 0 && open.Count > 0)
        {
            if (TryCatalog() is { } catalog)
            {
                // Folders of an account no longer configured cannot be listed: their state alone is shown.
                var accounts = new HashSet<string>(catalog.Accounts, StringComparer.Ordinal);
                foreach ((DateTimeOffset hour, ResourcePrefix prefix) in open.Where(o => accounts.Contains(o.Prefix.Account)).Take(maxListings))
                {
                    listings++;
                    await ListHourAsync(catalog, prefix, hour, blobs, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        return new FlowLogState
        {
            ReadAt = now,
            From = first,
            To = last,
            ResourcePrefixes = [.. prefixes.Select(p => p.Key).Order(StringComparer.Ordinal)],
            Blobs = [.. blobs.Values.OrderBy(b => b.BlobName, StringComparer.Ordinal)],
            CompleteHours = complete,
            Replay = run,
            ReaderClockSkew = _time.Skew,
            Listings = listings,
            ListingsSkipped = open.Count - listings,
            LastSelfCheck = selfCheck,
        };
    }

    private static async Task ListHourAsync(IFlowLogBlobCatalog catalog, ResourcePrefix prefix, DateTimeOffset hour, Dictionary<string, BlobState> blobs, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (CatalogBlob found in catalog.ListBlobsAsync(prefix.Account, prefix.Container, $"{prefix.Prefix}/{BlobPath.HourFolder(hour)}", cancellationToken).ConfigureAwait(false))
            {
                if (!found.Blob.IsHourBlob)
                {
                    continue;
                }

                string name = found.Blob.FullName;
                blobs[name] = blobs.TryGetValue(name, out BlobState? known)
                    ? known with { Listed = found }
                    : new BlobState { BlobName = name, ResourcePrefix = prefix.Key, Hour = hour, Listed = found };
            }
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // The container is gone (retention, a removed flow log): nothing to compare.
        }
    }

    private IFlowLogBlobCatalog? TryCatalog()
    {
        try
        {
            return _catalog();
        }
        catch (InvalidOperationException)
        {
            // The flow-log account is not configured: the state alone is read.
            return null;
        }
    }

    private static async Task<T> OrEmpty<T>(Func<Task<T>> read, T empty)
    {
        try
        {
            return await read().ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // The replay's table does not exist yet: it never ran.
            return empty;
        }
    }
}
