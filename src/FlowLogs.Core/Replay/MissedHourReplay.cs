using System.Globalization;
using FlowLogs.BlobSource;
using FlowLogs.Checkpoints;
using FlowLogs.Diagnostics;
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
    internal MissedHourReplay(
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

    /// <summary>
    /// Runs over every hour since the oldest one not yet complete (the first run: the first-run lookback), bounded by
    /// <see cref="ReplayOptions.MaxLookbackHours"/> and by <see cref="ReplayOptions.MaxListingsPerRun"/>, and always over
    /// the window's hours.
    /// </summary>
    public Task<ReplayReport> RunAsync(CancellationToken cancellationToken) => RunAsync(null, null, cancellationToken);

    /// <summary>
    /// Runs over the hours from <paramref name="since"/> to <paramref name="until"/> (a backfill, which leaves the
    /// replay's own progress as it is), or as <see cref="RunAsync(CancellationToken)"/> when <paramref name="since"/> is null.
    /// </summary>
    public Task<ReplayReport> RunAsync(DateTimeOffset? since, DateTimeOffset? until, CancellationToken cancellationToken) => RunAsync(since, until, null, cancellationToken);

    /// <summary>
    /// As <see cref="RunAsync(DateTimeOffset?, DateTimeOffset?, CancellationToken)"/>, telling <paramref name="progress"/>
    /// after every hour and every blob caught up how far the run is (for a backfill's progress line); what the run does
    /// is the same.
    /// </summary>
    public async Task<ReplayReport> RunAsync(DateTimeOffset? since, DateTimeOffset? until, IProgress<ReplayProgress>? progress, CancellationToken cancellationToken)
    {
        DateTimeOffset now = _time.GetUtcNow();
        ReplayRunState? previous = await _state.GetRunStateAsync(cancellationToken).ConfigureAwait(false);
        DateTimeOffset to = HourOf(until ?? now);
        bool backfill = since is not null;

        IReadOnlyList<ResourcePrefix> prefixes = Configured(await _state.GetPrefixesAsync(cancellationToken).ConfigureAwait(false));
        DateTimeOffset? discovered = previous?.LastDiscovery;
        bool foundNew = false;
        bool foundNewAccount = false;
        int accountsUnlisted = 0;
        if (prefixes.Count == 0 || discovered is null || now - discovered >= _options.DiscoveryInterval)
        {
            int known = prefixes.Count;
            (prefixes, foundNewAccount, accountsUnlisted) = await DiscoverAsync(prefixes, cancellationToken).ConfigureAwait(false);
            foundNew = prefixes.Count > known;
            discovered = now;
        }

        DateTimeOffset windowStart = to.AddHours(-(_options.WindowHours - 1));
        DateTimeOffset from;
        if (backfill)
        {
            from = HourOf(since!.Value);
        }
        else
        {
            from = Min(windowStart, ResumePoint(previous, to));
            if (foundNew && previous?.LastDiscovery is { } last)
            {
                // A folder found now may have written since the last walk, into hours already passed over.
                from = Min(from, HourOf(last).AddHours(-1));
            }

            if (foundNewAccount && previous is not null)
            {
                // An account added to a running app is looked at as far back as a first run looks.
                from = Min(from, to.AddHours(-(_options.FirstRunLookbackHours - 1)));
            }
        }

        var tally = new Tally { Progress = progress };
        tally.AddFailures(accountsUnlisted);
        DateTimeOffset oldestAllowed = to.AddHours(-(_options.MaxLookbackHours - 1));
        if (!backfill && from < oldestAllowed)
        {
            tally.HoursBeyondLookback = (int)(oldestAllowed - from).TotalHours;
            LogBeyondLookback(_logger, from, oldestAllowed.AddHours(-1), tally.HoursBeyondLookback, ReplayOptions.SectionName);
            from = oldestAllowed;
        }

        tally.HoursTotal = (int)((to - from).TotalHours + 1);

        // Oldest first (retention deletes those first); the backlog within the listing budget, the window always.
        DateTimeOffset? resumeFrom = null;
        int windowListings = _options.WindowHours * prefixes.Count;
        if (!backfill && from < windowStart && windowListings >= _options.MaxListingsPerRun)
        {
            LogBudgetTooSmall(_logger, windowListings, ReplayOptions.SectionName, _options.MaxListingsPerRun);
        }

        int backlogHours = 0;
        for (DateTimeOffset hour = from; hour <= to; hour = hour.AddHours(1))
        {
            // At least one backlog hour a run, whatever the window takes: a backlog always moves.
            if (!backfill && hour < windowStart && backlogHours++ > 0 && tally.Listings + windowListings >= _options.MaxListingsPerRun)
            {
                tally.HoursLeft = (int)(windowStart - hour).TotalHours;
                tally.HoursTotal -= tally.HoursLeft;
                tally.NoteUnread(now - hour);
                resumeFrom ??= hour;
                hour = windowStart.AddHours(-1);
                continue;
            }

            bool complete = await ReplayHourAsync(hour, prefixes, now, tally, cancellationToken).ConfigureAwait(false) && HourCompletion.IsOver(hour, _options.CompletionGrace, now);
            if (!complete && resumeFrom is null)
            {
                resumeFrom = hour;
            }

            tally.HourDone();
            if (!backfill && resumeFrom is null && hour < windowStart)
            {
                // Progress survives a run cut short (the function timeout): the next run starts after this hour.
                await _state.SaveRunStateAsync(new ReplayRunState(_time.GetUtcNow(), discovered, hour.AddHours(1), LastRunSucceeded: false), cancellationToken).ConfigureAwait(false);
            }
        }

        bool succeeded = tally.Failed == 0 && tally.HoursLeft == 0;
        if (backfill)
        {
            // A backfill covers the hours asked for; the replay's own progress is left as it was.
            if (previous is not null && discovered != previous.LastDiscovery)
            {
                await _state.SaveRunStateAsync(previous with { LastDiscovery = discovered }, cancellationToken).ConfigureAwait(false);
            }
        }
        else
        {
            await _state.SaveRunStateAsync(new ReplayRunState(_time.GetUtcNow(), discovered, resumeFrom ?? to.AddHours(1), succeeded), cancellationToken).ConfigureAwait(false);
        }

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
            BlobsLeftToTriggers = tally.Deferred,
            BytesCaughtUp = tally.Bytes,
            EventsCaughtUp = tally.Events,
            HoursCompleted = tally.Completed,
            HoursLeft = tally.HoursLeft,
            HoursBeyondLookback = tally.HoursBeyondLookback,
            ResumeFrom = backfill ? previous?.ResumeFrom : resumeFrom ?? to.AddHours(1),
            OldestUnreadAge = tally.OldestUnread,
        };
        FlowLogMetrics.RecordLag(report.OldestUnreadAge);
        LogReport(_logger, from, to, report.BlobsChecked, report.BlobsBehind, report.BytesCaughtUp, report.EventsCaughtUp, report.OldestUnreadAge.TotalSeconds, report.BlobsFailed, report.BlobsLeftToTriggers, report.HourListings, report.HoursSkippedComplete, report.HoursLeft);
        return report;
    }

    // The oldest hour the next run must look at: where the last run left off, or, before any, the first-run lookback.
    private DateTimeOffset ResumePoint(ReplayRunState? previous, DateTimeOffset to)
    {
        if (previous is null)
        {
            return to.AddHours(-(_options.FirstRunLookbackHours - 1));
        }

        // State written before ResumeFrom existed: that run covered the window that ended at it.
        return previous.ResumeFrom ?? HourOf(previous.LastRun).AddHours(-(_options.WindowHours - 1));
    }

    // True when the hour is complete for every resource prefix (recorded before, or now).
    private async Task<bool> ReplayHourAsync(DateTimeOffset hour, IReadOnlyList<ResourcePrefix> prefixes, DateTimeOffset now, Tally tally, CancellationToken cancellationToken)
    {
        IReadOnlySet<string> complete = await _state.GetCompletedAsync(hour, cancellationToken).ConfigureAwait(false);
        bool allComplete = true;
        Dictionary<string, BlobCheckpoint>? checkpoints = null;
        bool hourIsOver = HourCompletion.IsOver(hour, _options.CompletionGrace, now);
        string hourFolder = string.Create(CultureInfo.InvariantCulture, $"y={hour:yyyy}/m={hour:MM}/d={hour:dd}/h={hour:HH}/");
        foreach (ResourcePrefix prefix in prefixes)
        {
            if (complete.Contains(prefix.Key))
            {
                tally.SkippedComplete++;
                continue;
            }

            // One query lists every checkpoint of the hour (the checkpoint partition), made only when something is listed.
            checkpoints ??= await CheckpointsOfHourAsync(hour, cancellationToken).ConfigureAwait(false);
            tally.Listings++;
            var behind = new List<FlowLogBlob>();
            bool allFinal = true;
            int deferred = 0;
            List<CatalogBlob> listed;
            try
            {
                listed = await ListAsync(prefix, hourFolder, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // One account refusing (a role removed, a firewall) must not stop the replay of the others.
                LogListingFailed(_logger, ex, prefix.Key, hour, ex.Message);
                tally.AddFailures(1);
                allComplete = false;
                continue;
            }

            foreach (CatalogBlob found in listed)
            {
                if (!found.Blob.IsHourBlob)
                {
                    continue;
                }

                tally.Checked++;
                if (!HourCompletion.IsFinal(hour, found.LastModified, _options.CompletionGrace, now))
                {
                    allFinal = false;
                }

                checkpoints.TryGetValue(found.Blob.FullName, out BlobCheckpoint? checkpoint);
                bool claimed = checkpoint is { ClaimOwner: not null, ClaimExpires: { } expires } && expires > now;
                if (checkpoint is not null && checkpoint.BlobLength == found.Length && !claimed)
                {
                    continue;
                }

                // Unread bytes were committed after delivery last moved, or (never read) after the hour began. A failing
                // trigger writes the checkpoint too (its claim, its abandon) without moving it: that is no progress.
                DateTimeOffset? progressed = checkpoint is null ? null : checkpoint.Progressed ?? checkpoint.FirstSeen;
                tally.NoteUnread(now - (progressed ?? hour));
                if (claimed || (progressed is { } moved && now - moved < _options.TriggerGrace))
                {
                    // Its holder, or the trigger that wrote it moments ago, reads it: competing would only cost requests.
                    deferred++;
                    continue;
                }

                behind.Add(found.Blob);
            }

            tally.Behind += behind.Count;
            tally.AddDeferred(deferred);
            bool allCaughtUp = await CatchUpAsync(behind, tally, cancellationToken).ConfigureAwait(false) && deferred == 0;
            if (hourIsOver && allCaughtUp && allFinal)
            {
                await _state.MarkCompleteAsync(hour, prefix, cancellationToken).ConfigureAwait(false);
                tally.Completed++;
            }
            else
            {
                allComplete = false;
            }
        }

        return allComplete;
    }

    private async Task<List<CatalogBlob>> ListAsync(ResourcePrefix prefix, string hourFolder, CancellationToken cancellationToken)
    {
        var listed = new List<CatalogBlob>();
        await foreach (CatalogBlob found in _catalog.ListBlobsAsync(prefix.Account, prefix.Container, $"{prefix.Prefix}/{hourFolder}", cancellationToken).ConfigureAwait(false))
        {
            listed.Add(found);
        }

        return listed;
    }

    // Folders of accounts no longer configured (an account removed from the list) are left alone, said once a run.
    private List<ResourcePrefix> Configured(IReadOnlyList<ResourcePrefix> prefixes)
    {
        var accounts = new HashSet<string>(_catalog.Accounts, StringComparer.Ordinal);
        List<ResourcePrefix> configured = [.. prefixes.Where(p => accounts.Contains(p.Account))];
        if (configured.Count < prefixes.Count)
        {
            string[] removed = [.. prefixes.Select(p => p.Account).Where(a => !accounts.Contains(a)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
            LogAccountsNotConfigured(_logger, prefixes.Count - configured.Count, string.Join(", ", removed));
        }

        return configured;
    }

    private async Task<Dictionary<string, BlobCheckpoint>> CheckpointsOfHourAsync(DateTimeOffset hour, CancellationToken cancellationToken)
    {
        var checkpoints = new Dictionary<string, BlobCheckpoint>(StringComparer.Ordinal);
        await foreach (BlobCheckpoint checkpoint in _checkpoints.ListHourAsync(hour, cancellationToken).ConfigureAwait(false))
        {
            checkpoints[checkpoint.BlobName] = checkpoint;
        }

        return checkpoints;
    }

    // Processes the blobs behind, a few at a time; true when every one was brought up to its committed end.
    private async Task<bool> CatchUpAsync(List<FlowLogBlob> blobs, Tally tally, CancellationToken cancellationToken)
    {
        int unsettled = 0;
        await Parallel.ForEachAsync(blobs, new ParallelOptions { MaxDegreeOfParallelism = _options.Parallelism, CancellationToken = cancellationToken }, async (blob, token) =>
        {
            try
            {
                BlobProcessResult result = await _processor.ProcessAsync(blob, token).ConfigureAwait(false);
                tally.Add(result.BytesRead, result.Events);
                switch (result.Outcome)
                {
                    case BlobProcessOutcome.CaughtUp or BlobProcessOutcome.NotFound:
                        break;
                    case BlobProcessOutcome.ClaimedElsewhere or BlobProcessOutcome.ClaimLost:
                        // Another process reads it now; the hour is looked at again next run, but nothing failed.
                        Interlocked.Increment(ref unsettled);
                        tally.AddDeferred(1);
                        break;
                    default:
                        Interlocked.Increment(ref unsettled);
                        tally.AddFailure();
                        break;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !token.IsCancellationRequested)
            {
                // The processor logged it and left the checkpoint where it was: the next run tries again.
                Interlocked.Increment(ref unsettled);
                tally.AddFailure();
            }
        }).ConfigureAwait(false);
        return unsettled == 0;
    }

    // Walks each account's containers with delimiter listings down to the folders just above "y=": the resource
    // prefixes. Also tells whether an account that had none before has some now (an account added to the app).
    // An account that cannot be listed is counted (the run does not succeed) and the others are walked on.
    private async Task<(IReadOnlyList<ResourcePrefix> Prefixes, bool NewAccount, int AccountsUnlisted)> DiscoverAsync(IReadOnlyList<ResourcePrefix> known, CancellationToken cancellationToken)
    {
        var all = new HashSet<ResourcePrefix>(known);
        var knownAccounts = new HashSet<string>(known.Select(p => p.Account), StringComparer.Ordinal);
        bool newAccount = false;
        int unlisted = 0;
        foreach (string account in _catalog.Accounts)
        {
            try
            {
                foreach (string container in _options.FlowLogContainers)
                {
                    int before = all.Count;
                    await DiscoverContainerAsync(account, container, all, cancellationToken).ConfigureAwait(false);
                    newAccount |= all.Count > before && !knownAccounts.Contains(account);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogDiscoveryFailed(_logger, ex, account, ex.Message);
                unlisted++;
            }
        }

        return ([.. all], newAccount, unlisted);
    }

    private async Task DiscoverContainerAsync(string account, string container, HashSet<ResourcePrefix> all, CancellationToken cancellationToken)
    {
        var pending = new Stack<(string Prefix, int Depth)>();
        pending.Push((string.Empty, 0));
        while (pending.Count > 0)
        {
            (string prefix, int depth) = pending.Pop();
            await foreach (string child in _catalog.ListChildPrefixesAsync(account, container, prefix, cancellationToken).ConfigureAwait(false))
            {
                string segment = child[prefix.Length..].TrimEnd('/');
                if (segment.StartsWith("y=", StringComparison.Ordinal))
                {
                    var found = new ResourcePrefix(account, container, prefix.TrimEnd('/'));
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

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a <= b ? a : b;

    private static DateTimeOffset HourOf(DateTimeOffset time)
    {
        DateTimeOffset utc = time.ToUniversalTime();
        return new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, TimeSpan.Zero);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Replay {From:u}..{To:u}: {Checked} blobs checked, {Behind} behind, {Bytes} bytes and {Events} events caught up, oldest unread byte {OldestUnreadSeconds:F0} s old, {Failed} failed, {Deferred} left to triggers; {Listings} hour listings, {Skipped} complete hours skipped, {HoursLeft} hours left for the next run")]
    private static partial void LogReport(ILogger logger, DateTimeOffset from, DateTimeOffset to, int @checked, int behind, long bytes, long events, double oldestUnreadSeconds, int failed, int deferred, int listings, int skipped, int hoursLeft);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Replay: the window alone takes {Listings} hour listings, {Section}:MaxListingsPerRun is {Budget}; a backlog moves one hour a run until it is raised")]
    private static partial void LogBudgetTooSmall(ILogger logger, int listings, string section, int budget);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Replay skips the hours {First:u}..{Last:u} ({Hours} hours): they were never read to their end and are older than {Section}:MaxLookbackHours")]
    private static partial void LogBeyondLookback(ILogger logger, DateTimeOffset first, DateTimeOffset last, int hours, string section);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Replay could not list {Prefix} for the hour {Hour:u}: {Reason}; the other folders and accounts go on, this one is looked at again next run")]
    private static partial void LogListingFailed(ILogger logger, Exception exception, string prefix, DateTimeOffset hour, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Replay could not walk the flow-log account {Account} for resource folders: {Reason}; the other accounts go on")]
    private static partial void LogDiscoveryFailed(ILogger logger, Exception exception, string account, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Replay leaves {Folders} resource folders of accounts no longer in FlowLogs:Storage:FlowLogConnections alone: {Accounts}")]
    private static partial void LogAccountsNotConfigured(ILogger logger, int folders, string accounts);

    [LoggerMessage(Level = LogLevel.Information, Message = "Replay found a new resource folder {Prefix}")]
    private static partial void LogNewPrefix(ILogger logger, string prefix);

    /// <summary>Running totals of a run, updated from parallel catch-ups.</summary>
    private sealed class Tally
    {
        private long _bytes;
        private long _events;
        private int _failed;
        private int _deferred;
        private long _oldestTicks;
        private int _hoursDone;

        public int Listings { get; set; }

        public int SkippedComplete { get; set; }

        public int Checked { get; set; }

        public int Behind { get; set; }

        public int Completed { get; set; }

        public int HoursLeft { get; set; }

        public int HoursBeyondLookback { get; set; }

        public IProgress<ReplayProgress>? Progress { get; init; }

        public int HoursTotal { get; set; }

        public void HourDone()
        {
            Interlocked.Increment(ref _hoursDone);
            Report();
        }

        private void Report() => Progress?.Report(new ReplayProgress(Volatile.Read(ref _hoursDone), HoursTotal, Events, Bytes, Failed));

        public int Deferred => Volatile.Read(ref _deferred);

        public long Bytes => Interlocked.Read(ref _bytes);

        public long Events => Interlocked.Read(ref _events);

        public int Failed => Volatile.Read(ref _failed);

        public TimeSpan OldestUnread => TimeSpan.FromTicks(Interlocked.Read(ref _oldestTicks));

        public void Add(long bytes, long events)
        {
            Interlocked.Add(ref _bytes, bytes);
            Interlocked.Add(ref _events, events);
            Report();
        }

        public void AddFailure() => Interlocked.Increment(ref _failed);

        public void AddFailures(int count) => Interlocked.Add(ref _failed, count);

        public void AddDeferred(int blobs) => Interlocked.Add(ref _deferred, blobs);

        public void NoteUnread(TimeSpan age) => _oldestTicks = Math.Max(_oldestTicks, Math.Max(age.Ticks, 0));
    }
}
