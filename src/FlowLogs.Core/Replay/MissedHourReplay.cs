using System.Globalization;
using FlowLogs.BlobSource;
using FlowLogs.Checkpoints;
using FlowLogs.Hosting;
using FlowLogs.Processing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FlowLogs.Replay;

/// <summary>
/// Catches up whatever the triggers missed (Event Grid gave up, an instance was recycled, the app was stopped): for
/// each hour of a window, lists the blobs of each known resource prefix for that hour (never a whole container),
/// compares each blob's committed length with its checkpoint, and brings those behind up to date through the same
/// <see cref="BlobProcessor"/> as the trigger. Hours that are over and fully read are recorded and not listed again.
/// </summary>
public sealed partial class MissedHourReplay
{
    private const int MaxDiscoveryDepth = 32;

    private readonly IFlowLogBlobCatalog _catalog;
    private readonly IReplayStateStore _state;
    private readonly ICheckpointStore _checkpoints;
    private readonly BlobProcessor _processor;
    private readonly ReplayOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<MissedHourReplay> _logger;

    /// <summary>Creates the replay.</summary>
    public MissedHourReplay(
        IFlowLogBlobCatalog catalog,
        IReplayStateStore state,
        ICheckpointStore checkpoints,
        BlobProcessor processor,
        IOptions<ReplayOptions> options,
        TimeProvider time,
        ILogger<MissedHourReplay> logger)
    {
        _catalog = catalog ?? throw new ArgumentNullException(nameof(catalog));
        _state = state ?? throw new ArgumentNullException(nameof(state));
        _checkpoints = checkpoints ?? throw new ArgumentNullException(nameof(checkpoints));
        _processor = processor ?? throw new ArgumentNullException(nameof(processor));
        _options = options?.Value ?? throw new ArgumentNullException(nameof(options));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    /// <summary>Runs over the configured window (the first run over the first-run lookback).</summary>
    public Task<ReplayReport> RunAsync(CancellationToken cancellationToken) => RunAsync(null, null, cancellationToken);

    /// <summary>Runs over the hours from <paramref name="since"/> to <paramref name="until"/> (a backfill), or over the configured window when null.</summary>
    public async Task<ReplayReport> RunAsync(DateTimeOffset? since, DateTimeOffset? until, CancellationToken cancellationToken)
    {
        DateTimeOffset now = _time.GetUtcNow();
        ReplayRunState? previous = await _state.GetRunStateAsync(cancellationToken).ConfigureAwait(false);
        DateTimeOffset to = HourOf(until ?? now);
        DateTimeOffset from = since is { } s
            ? HourOf(s)
            : to.AddHours(-((previous is null ? _options.FirstRunLookbackHours : _options.WindowHours) - 1));

        IReadOnlyList<ResourcePrefix> prefixes = await _state.GetPrefixesAsync(cancellationToken).ConfigureAwait(false);
        DateTimeOffset? discovered = previous?.LastDiscovery;
        if (prefixes.Count == 0 || discovered is null || now - discovered >= _options.DiscoveryInterval)
        {
            prefixes = await DiscoverAsync(prefixes, cancellationToken).ConfigureAwait(false);
            discovered = now;
        }

        var tally = new Tally();
        for (DateTimeOffset hour = from; hour <= to; hour = hour.AddHours(1))
        {
            await ReplayHourAsync(hour, prefixes, now, tally, cancellationToken).ConfigureAwait(false);
        }

        await _state.SaveRunStateAsync(new ReplayRunState(_time.GetUtcNow(), discovered), cancellationToken).ConfigureAwait(false);
        var report = new ReplayReport
        {
            From = from,
            To = to,
            ResourcePrefixes = prefixes.Count,
            HourListings = tally.Listings,
            HoursSkippedComplete = tally.SkippedComplete,
            BlobsChecked = tally.Checked,
            BlobsBehind = tally.Behind,
            BlobsFailed = tally.Failed,
            BytesCaughtUp = tally.Bytes,
            EventsCaughtUp = tally.Events,
            HoursCompleted = tally.Completed,
            OldestUnreadAge = tally.OldestUnread,
        };
        FlowLogMetrics.RecordLag(report.OldestUnreadAge);
        LogReport(_logger, from, to, report.BlobsChecked, report.BlobsBehind, report.BytesCaughtUp, report.EventsCaughtUp, report.OldestUnreadAge.TotalSeconds, report.BlobsFailed, report.HourListings, report.HoursSkippedComplete);
        return report;
    }

    private async Task ReplayHourAsync(DateTimeOffset hour, IReadOnlyList<ResourcePrefix> prefixes, DateTimeOffset now, Tally tally, CancellationToken cancellationToken)
    {
        IReadOnlySet<string> complete = await _state.GetCompletedAsync(hour, cancellationToken).ConfigureAwait(false);
        var checkpoints = new Dictionary<string, BlobCheckpoint>(StringComparer.Ordinal);
        await foreach (BlobCheckpoint checkpoint in _checkpoints.ListHourAsync(hour, cancellationToken).ConfigureAwait(false))
        {
            checkpoints[checkpoint.BlobName] = checkpoint;
        }

        bool hourIsOver = hour.AddHours(1) + _options.CompletionGrace <= now;
        string hourFolder = string.Create(CultureInfo.InvariantCulture, $"y={hour:yyyy}/m={hour:MM}/d={hour:dd}/h={hour:HH}/");
        foreach (ResourcePrefix prefix in prefixes)
        {
            if (complete.Contains(prefix.Key))
            {
                tally.SkippedComplete++;
                continue;
            }

            tally.Listings++;
            var behind = new List<FlowLogBlob>();
            await foreach (CatalogBlob found in _catalog.ListBlobsAsync(prefix.Container, $"{prefix.Prefix}/{hourFolder}", cancellationToken).ConfigureAwait(false))
            {
                if (!found.Blob.IsHourBlob)
                {
                    continue;
                }

                tally.Checked++;
                checkpoints.TryGetValue(found.Blob.FullName, out BlobCheckpoint? checkpoint);
                if (checkpoint is not null && checkpoint.BlobLength == found.Length && checkpoint.LeaseOwner is null)
                {
                    continue;
                }

                behind.Add(found.Blob);
                // Unread bytes were committed after the last checkpoint, or (never read) after the hour began.
                DateTimeOffset unreadSince = checkpoint?.Updated ?? hour;
                tally.NoteUnread(now - unreadSince);
            }

            tally.Behind += behind.Count;
            bool allCaughtUp = await CatchUpAsync(behind, tally, cancellationToken).ConfigureAwait(false);
            if (hourIsOver && allCaughtUp)
            {
                await _state.MarkCompleteAsync(hour, prefix, cancellationToken).ConfigureAwait(false);
                tally.Completed++;
            }
        }
    }

    // Processes the blobs behind, a few at a time; true when every one was brought up to its committed end.
    private async Task<bool> CatchUpAsync(List<FlowLogBlob> blobs, Tally tally, CancellationToken cancellationToken)
    {
        int failures = 0;
        await Parallel.ForEachAsync(blobs, new ParallelOptions { MaxDegreeOfParallelism = _options.Parallelism, CancellationToken = cancellationToken }, async (blob, token) =>
        {
            try
            {
                BlobProcessResult result = await _processor.ProcessAsync(blob, token).ConfigureAwait(false);
                tally.Add(result.BytesRead, result.Events);
                if (result.Outcome is not (BlobProcessOutcome.CaughtUp or BlobProcessOutcome.NotFound))
                {
                    Interlocked.Increment(ref failures);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The processor logged it and left the checkpoint where it was: the next run tries again.
                Interlocked.Increment(ref failures);
                tally.AddFailure();
            }
        }).ConfigureAwait(false);
        return failures == 0;
    }

    // Walks each container with delimiter listings down to the folders just above "y=": the resource prefixes.
    private async Task<IReadOnlyList<ResourcePrefix>> DiscoverAsync(IReadOnlyList<ResourcePrefix> known, CancellationToken cancellationToken)
    {
        var all = new HashSet<ResourcePrefix>(known);
        foreach (string container in _options.Containers)
        {
            var pending = new Stack<(string Prefix, int Depth)>();
            pending.Push((string.Empty, 0));
            while (pending.Count > 0)
            {
                (string prefix, int depth) = pending.Pop();
                await foreach (string child in _catalog.ListChildPrefixesAsync(container, prefix, cancellationToken).ConfigureAwait(false))
                {
                    string segment = child[prefix.Length..].TrimEnd('/');
                    if (segment.StartsWith("y=", StringComparison.Ordinal))
                    {
                        var found = new ResourcePrefix(container, prefix.TrimEnd('/'));
                        if (all.Add(found))
                        {
                            await _state.AddPrefixAsync(found, cancellationToken).ConfigureAwait(false);
                            LogNewPrefix(_logger, found.Key);
                        }

                        break;
                    }

                    if (depth < MaxDiscoveryDepth)
                    {
                        pending.Push((child, depth + 1));
                    }
                }
            }
        }

        return [.. all];
    }

    private static DateTimeOffset HourOf(DateTimeOffset time)
    {
        DateTimeOffset utc = time.ToUniversalTime();
        return new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, TimeSpan.Zero);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Replay {From:u}..{To:u}: {Checked} blobs checked, {Behind} behind, {Bytes} bytes and {Events} events caught up, oldest unread byte {OldestUnreadSeconds:F0} s old, {Failed} failed; {Listings} hour listings, {Skipped} complete hours skipped")]
    private static partial void LogReport(ILogger logger, DateTimeOffset from, DateTimeOffset to, int @checked, int behind, long bytes, long events, double oldestUnreadSeconds, int failed, int listings, int skipped);

    [LoggerMessage(Level = LogLevel.Information, Message = "Replay found a new resource folder {Prefix}")]
    private static partial void LogNewPrefix(ILogger logger, string prefix);

    /// <summary>Running totals of a run, updated from parallel catch-ups.</summary>
    private sealed class Tally
    {
        private long _bytes;
        private long _events;
        private int _failed;
        private long _oldestTicks;

        public int Listings { get; set; }

        public int SkippedComplete { get; set; }

        public int Checked { get; set; }

        public int Behind { get; set; }

        public int Completed { get; set; }

        public long Bytes => Interlocked.Read(ref _bytes);

        public long Events => Interlocked.Read(ref _events);

        public int Failed => Volatile.Read(ref _failed);

        public TimeSpan OldestUnread => TimeSpan.FromTicks(Interlocked.Read(ref _oldestTicks));

        public void Add(long bytes, long events)
        {
            Interlocked.Add(ref _bytes, bytes);
            Interlocked.Add(ref _events, events);
        }

        public void AddFailure() => Interlocked.Increment(ref _failed);

        public void NoteUnread(TimeSpan age) => _oldestTicks = Math.Max(_oldestTicks, Math.Max(age.Ticks, 0));
    }
}
