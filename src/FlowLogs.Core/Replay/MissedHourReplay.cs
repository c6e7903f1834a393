using FlowLogs.BlobSource;
using FlowLogs.Checkpoints;
using FlowLogs.Clock;
using FlowLogs.Diagnostics;
using FlowLogs.Processing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FlowLogs.Replay;

/// <summary>
/// Catches up whatever the triggers missed (Event Grid gave up, an instance was recycled, the app was stopped): finds
/// the resource folders (<see cref="ResourceDiscovery"/>), plans the hours (<see cref="ReplayPlan"/>), and for each
/// hour and folder not done (<see cref="FolderHour"/>) lists that folder's blobs of the hour (never a whole container),
/// reviews each against its checkpoint (<see cref="BlobReview"/>) and brings those behind up to date through the same
/// <see cref="BlobProcessor"/> as the triggers. Every time it goes by is the storage service's.
/// </summary>
public sealed partial class MissedHourReplay
{
    private readonly IFlowLogBlobCatalog _catalog;
    private readonly IReplayStateStore _state;
    private readonly ICheckpointStore _checkpoints;
    private readonly BlobProcessor _processor;
    private readonly ReplayOptions _options;
    private readonly StorageClock _clock;
    private readonly ResourceDiscovery _discovery;
    private readonly ILogger<MissedHourReplay> _logger;

    /// <summary>Creates the replay.</summary>
    internal MissedHourReplay(
        IFlowLogBlobCatalog catalog,
        IReplayStateStore state,
        ICheckpointStore checkpoints,
        BlobProcessor processor,
        IOptions<ReplayOptions> options,
        StorageClock clock,
        ILogger<MissedHourReplay> logger)
    {
        _catalog = catalog ?? throw new ArgumentNullException(nameof(catalog));
        _state = state ?? throw new ArgumentNullException(nameof(state));
        _checkpoints = checkpoints ?? throw new ArgumentNullException(nameof(checkpoints));
        _processor = processor ?? throw new ArgumentNullException(nameof(processor));
        _options = options?.Value ?? throw new ArgumentNullException(nameof(options));
        _clock = clock ?? throw new ArgumentNullException(nameof(clock));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _discovery = new ResourceDiscovery(_catalog, _state, _options, _logger);
    }

    /// <summary>
    /// Runs over every hour since the oldest one not yet done (the first run: the first-run lookback), bounded by
    /// <see cref="ReplayOptions.MaxLookbackHours"/> and by <see cref="ReplayOptions.MaxListingsPerRun"/>, and always over
    /// the window's hours.
    /// </summary>
    public Task<ReplayReport> RunAsync(CancellationToken cancellationToken) => RunAsync(null, null, null, cancellationToken);

    /// <summary>
    /// Runs over the hours from <paramref name="since"/> to <paramref name="until"/> (a backfill, which leaves the
    /// replay's own progress as it is), or as <see cref="RunAsync(CancellationToken)"/> when <paramref name="since"/> is
    /// null; tells <paramref name="progress"/> after every hour and every blob caught up how far the run is.
    /// </summary>
    public async Task<ReplayReport> RunAsync(DateTimeOffset? since, DateTimeOffset? until, IProgress<ReplayProgress>? progress, CancellationToken cancellationToken)
    {
        long throttledBefore = FlowLogMetrics.StorageThrottledTotal;

        // The first answer of the storage service sets the clock every decision below is made on.
        ReplayRunState? previous = await _state.GetRunStateAsync(cancellationToken).ConfigureAwait(false);
        DateTimeOffset now = _clock.GetUtcNow();
        IReadOnlyList<AccountWalk> walks = await _state.GetWalksAsync(cancellationToken).ConfigureAwait(false);
        IReadOnlyList<ResourcePrefix> known = await ConfiguredAsync(await _state.GetPrefixesAsync(cancellationToken).ConfigureAwait(false), walks, cancellationToken).ConfigureAwait(false);
        var standing = new RunProgress(_state, previous?.ResumeFrom);
        DiscoveryResult found = await _discovery.DiscoverAsync(known, walks, now, (back, token) => previous is null ? Task.CompletedTask : standing.OweAsync(back, token), cancellationToken).ConfigureAwait(false);

        ReplayPlan plan = since is { } first
            ? ReplayPlan.Backfill(first, until ?? now)
            : ReplayPlan.Scheduled(now, previous, found.ReadBackTo, _options);
        IReadOnlyList<ResourcePrefix> prefixes = found.Prefixes;
        var tally = new Tally { Progress = progress, HoursTotal = plan.HourCount };
        tally.AddFailures(found.AccountsUnlisted);
        if (plan.HoursBeyondLookback > 0)
        {
            LogBeyondLookback(_logger, plan.From.AddHours(-plan.HoursBeyondLookback), plan.From.AddHours(-1), plan.HoursBeyondLookback, ReplayOptions.SectionName);
        }

        int windowListings = _options.WindowHours * prefixes.Count;
        if (!plan.IsBackfill && plan.From < plan.WindowStart && windowListings >= _options.MaxListingsPerRun)
        {
            LogBudgetTooSmall(_logger, windowListings, ReplayOptions.SectionName, _options.MaxListingsPerRun);
        }

        // Oldest first (retention deletes those first): the backlog within the listing budget, the window always.
        DateTimeOffset? firstNotDone = null;
        int backlogHours = 0;
        for (DateTimeOffset hour = plan.From; hour <= plan.To; hour = hour.AddHours(1))
        {
            if (plan.IsBacklog(hour) && !ReplayPlan.BacklogGoesOn(backlogHours++, tally.Listings, windowListings, _options.MaxListingsPerRun))
            {
                tally.HoursLeft = (int)(plan.WindowStart - hour).TotalHours;
                tally.HoursTotal -= tally.HoursLeft;
                tally.NoteUnread(now - hour);
                firstNotDone ??= hour;
                hour = plan.WindowStart.AddHours(-1);
                continue;
            }

            if (!await ReplayHourAsync(hour, prefixes, now, tally, cancellationToken).ConfigureAwait(false))
            {
                firstNotDone ??= hour;
            }

            tally.HourDone();
            if (firstNotDone is null && plan.IsBacklog(hour))
            {
                // Progress survives a run cut short (the function timeout): the next run starts after this hour.
                await standing.SaveAsync(new ReplayRunState(_clock.GetUtcNow(), hour.AddHours(1), LastRunSucceeded: false, _clock.Skew), cancellationToken).ConfigureAwait(false);
            }
        }

        bool succeeded = tally.Failed == 0 && tally.HoursLeft == 0;
        long throttled = FlowLogMetrics.StorageThrottledTotal - throttledBefore;
        DateTimeOffset? resumeFrom = plan.IsBackfill ? previous?.ResumeFrom : firstNotDone ?? plan.To.AddHours(1);
        if (!plan.IsBackfill)
        {
            resumeFrom = await standing.SaveAsync(new ReplayRunState(_clock.GetUtcNow(), resumeFrom!.Value, succeeded, _clock.Skew, throttled), cancellationToken).ConfigureAwait(false);
        }

        var report = new ReplayReport
        {
            From = plan.From,
            To = plan.To,
            ResourcePrefixes = prefixes.Count,
            HourListings = tally.Listings,
            HoursSkippedComplete = tally.SkippedComplete,
            BlobsChecked = tally.Checked,
            BlobsBehind = tally.Behind,
            BlobsFailed = tally.Failed,
            BlobsHeld = tally.Held,
            HeldFor = tally.HeldFor,
            BlobsLeftToTriggers = tally.Deferred,
            BytesCaughtUp = tally.Bytes,
            EventsCaughtUp = tally.Events,
            HoursCompleted = tally.Completed,
            HoursRechecked = tally.Rechecked,
            HoursLeft = tally.HoursLeft,
            HoursBeyondLookback = plan.HoursBeyondLookback,
            ResumeFrom = resumeFrom,
            OldestUnreadAge = tally.OldestUnread,
            ClockSkew = _clock.Skew,
            StorageThrottled = throttled,
        };
        FlowLogMetrics.RecordLag(report.OldestUnreadAge);
        LogReport(_logger, plan.From, plan.To, report.BlobsChecked, report.BlobsBehind, report.BytesCaughtUp, report.EventsCaughtUp, report.OldestUnreadAge.TotalSeconds, report.BlobsFailed, report.BlobsHeld, report.BlobsLeftToTriggers, report.HourListings, report.HoursSkippedComplete, report.HoursLeft);
        return report;
    }

    // True when the hour is done for every resource prefix: complete and rechecked (recorded before, or now).
    private async Task<bool> ReplayHourAsync(DateTimeOffset hour, IReadOnlyList<ResourcePrefix> prefixes, DateTimeOffset now, Tally tally, CancellationToken cancellationToken)
    {
        IReadOnlyDictionary<string, HourMark> marks = await _state.GetHourMarksAsync(hour, cancellationToken).ConfigureAwait(false);
        bool hourOver = HourCompletion.IsOver(hour, _options.CompletionGrace, now);
        bool done = true;
        Dictionary<string, BlobCheckpoint>? checkpoints = null;
        foreach (ResourcePrefix prefix in prefixes)
        {
            HourMark? mark = marks.GetValueOrDefault(prefix.Key);
            FolderHourStep step = FolderHour.Next(mark, now, _options.RecheckAfter);
            if (step is FolderHourStep.Done or FolderHourStep.Waiting)
            {
                tally.SkippedComplete++;
                done &= step == FolderHourStep.Done;
                continue;
            }

            // One query lists every checkpoint of the hour, made only when something is listed.
            checkpoints ??= await CheckpointsOfHourAsync(hour, cancellationToken).ConfigureAwait(false);
            tally.Listings++;
            List<CatalogBlob> listed;
            try
            {
                listed = await ListAsync(prefix, hour, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // One account refusing (a role removed, a firewall) must not stop the replay of the others.
                LogListingFailed(_logger, ex, prefix.Key, hour, ex.Message);
                tally.AddFailures(1);
                done = false;
                continue;
            }

            var behind = new List<FlowLogBlob>();
            bool quiet = true;
            int elsewhere = 0;
            foreach (CatalogBlob blob in listed)
            {
                tally.Checked++;
                BlobReview review = BlobReview.Of(blob, hour, checkpoints.GetValueOrDefault(blob.Blob.FullName), now, _options);
                quiet &= review.Final;
                if (review.UnreadSince is { } since)
                {
                    tally.NoteUnread(now - since);
                }

                switch (review.Standing)
                {
                    case BlobStanding.Behind:
                        behind.Add(blob.Blob);
                        break;
                    case BlobStanding.Held:
                        tally.AddHeld(1);
                        tally.NoteHeldFor(review.HeldUntil!.Value - now);
                        elsewhere++;
                        break;
                    case BlobStanding.LeftToTrigger:
                        tally.AddDeferred(1);
                        elsewhere++;
                        break;
                }
            }

            tally.Behind += behind.Count;
            bool caughtUp = await CatchUpAsync(behind, tally, cancellationToken).ConfigureAwait(false) && elsewhere == 0;
            HourMark? next = FolderHour.After(step, mark, hourOver, quiet && caughtUp, _clock.GetUtcNow(), _options.RecheckAfter);
            if (next is not null)
            {
                await _state.MarkHourAsync(hour, prefix, next, cancellationToken).ConfigureAwait(false);
                if (step == FolderHourStep.Recheck)
                {
                    tally.Rechecked++;
                }
                else
                {
                    tally.Completed++;
                }
            }

            done &= next is { Rechecked: true };
        }

        return done;
    }

    private async Task<List<CatalogBlob>> ListAsync(ResourcePrefix prefix, DateTimeOffset hour, CancellationToken cancellationToken)
    {
        var listed = new List<CatalogBlob>();
        await foreach (CatalogBlob found in _catalog.ListBlobsAsync(prefix.Account, prefix.Container, $"{prefix.Prefix}/{BlobPath.HourFolder(hour)}", cancellationToken).ConfigureAwait(false))
        {
            if (found.Blob.IsHourBlob)
            {
                listed.Add(found);
            }
        }

        return listed;
    }

    // Folders of accounts no longer configured (an account removed from the list) are left alone, said once a run; the
    // hours go on without them, so their walks are marked unfinished: put back, such an account is read back from its
    // last walk (its walk's FirstSeen and the maximum look-back bound how far).
    private async Task<List<ResourcePrefix>> ConfiguredAsync(IReadOnlyList<ResourcePrefix> prefixes, IReadOnlyList<AccountWalk> walks, CancellationToken cancellationToken)
    {
        var accounts = new HashSet<string>(_catalog.Accounts, StringComparer.Ordinal);
        List<ResourcePrefix> configured = [.. prefixes.Where(p => accounts.Contains(p.Account))];
        if (configured.Count < prefixes.Count)
        {
            string[] removed = [.. prefixes.Select(p => p.Account).Where(a => !accounts.Contains(a)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
            LogAccountsNotConfigured(_logger, prefixes.Count - configured.Count, string.Join(", ", removed));
            foreach (AccountWalk walk in walks.Where(w => w.LastWalked is not null && removed.Contains(w.Account, StringComparer.Ordinal)))
            {
                await _state.SaveWalkAsync(walk with { FirstSeen = walk.LastWalked!.Value, LastWalked = null }, cancellationToken).ConfigureAwait(false);
            }
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
                        if (result.WaitingForRecord)
                        {
                            // Read to its end but for a record Azure has not finished writing: looked at again next run.
                            Interlocked.Increment(ref unsettled);
                        }

                        break;
                    case BlobProcessOutcome.ClaimedElsewhere or BlobProcessOutcome.ClaimLost:
                        // Another process reads it now; the hour is looked at again next run, but nothing failed.
                        Interlocked.Increment(ref unsettled);
                        tally.AddHeld(1);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Replay {From:u}..{To:u}: {Checked} blobs checked, {Behind} behind, {Bytes} bytes and {Events} events caught up, oldest unread byte {OldestUnreadSeconds:F0} s old, {Failed} failed, {Held} held by other readers, {Deferred} left to triggers; {Listings} hour listings, {Skipped} complete hours skipped, {HoursLeft} hours left for the next run")]
    private static partial void LogReport(ILogger logger, DateTimeOffset from, DateTimeOffset to, int @checked, int behind, long bytes, long events, double oldestUnreadSeconds, int failed, int held, int deferred, int listings, int skipped, int hoursLeft);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Replay: the window alone takes {Listings} hour listings, {Section}:MaxListingsPerRun is {Budget}; a backlog moves one hour a run until it is raised")]
    private static partial void LogBudgetTooSmall(ILogger logger, int listings, string section, int budget);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Replay skips the hours {First:u}..{Last:u} ({Hours} hours): they were never read to their end and are older than {Section}:MaxLookbackHours")]
    private static partial void LogBeyondLookback(ILogger logger, DateTimeOffset first, DateTimeOffset last, int hours, string section);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Replay could not list {Prefix} for the hour {Hour:u}: {Reason}; the other folders and accounts go on, this one is looked at again next run")]
    private static partial void LogListingFailed(ILogger logger, Exception exception, string prefix, DateTimeOffset hour, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Replay leaves {Folders} resource folders of accounts no longer in FlowLogs:Storage:FlowLogConnections alone: {Accounts}")]
    private static partial void LogAccountsNotConfigured(ILogger logger, int folders, string accounts);

    /// <summary>
    /// The run's writes of where the replay stands. A read-back owed by a folder found now lowers it at once; a save
    /// never raises it over a lower one another process wrote since this run began (a replica that found an account
    /// while this one ran), which is kept instead.
    /// </summary>
    private sealed class RunProgress(IReplayStateStore state, DateTimeOffset? startedFrom)
    {
        private DateTimeOffset? _lowestOwed;

        public async Task OweAsync(DateTimeOffset back, CancellationToken cancellationToken)
        {
            DateTimeOffset hour = BlobPath.HourOf(back);
            ReplayRunState? current = await state.GetRunStateAsync(cancellationToken).ConfigureAwait(false);
            _lowestOwed = _lowestOwed is { } owed && owed <= hour ? owed : hour;
            if (current is not null && hour < current.ResumeFrom)
            {
                await state.SaveRunStateAsync(current with { ResumeFrom = hour }, cancellationToken).ConfigureAwait(false);
            }
        }

        /// <summary>Saves <paramref name="next"/>, or its hour lowered to one another process owes; returns the hour saved.</summary>
        public async Task<DateTimeOffset> SaveAsync(ReplayRunState next, CancellationToken cancellationToken)
        {
            ReplayRunState? current = await state.GetRunStateAsync(cancellationToken).ConfigureAwait(false);
            DateTimeOffset ours = Min(startedFrom ?? next.ResumeFrom, _lowestOwed ?? next.ResumeFrom);
            DateTimeOffset resumeFrom = current is not null && current.ResumeFrom < ours && current.ResumeFrom < next.ResumeFrom ? current.ResumeFrom : next.ResumeFrom;
            await state.SaveRunStateAsync(next with { ResumeFrom = resumeFrom }, cancellationToken).ConfigureAwait(false);
            return resumeFrom;
        }

        private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a <= b ? a : b;
    }

    /// <summary>Running totals of a run, updated from parallel catch-ups.</summary>
    private sealed class Tally
    {
        private long _bytes;
        private long _events;
        private int _failed;
        private int _held;
        private int _deferred;
        private long _oldestTicks;
        private int _hoursDone;

        public int Listings { get; set; }

        public int SkippedComplete { get; set; }

        public int Checked { get; set; }

        public int Behind { get; set; }

        public int Completed { get; set; }

        public int Rechecked { get; set; }

        public int HoursLeft { get; set; }

        public IProgress<ReplayProgress>? Progress { get; init; }

        public int HoursTotal { get; set; }

        public int Held => Volatile.Read(ref _held);

        public int Deferred => Volatile.Read(ref _deferred);

        public long Bytes => Interlocked.Read(ref _bytes);

        public long Events => Interlocked.Read(ref _events);

        public int Failed => Volatile.Read(ref _failed);

        public TimeSpan OldestUnread => TimeSpan.FromTicks(Interlocked.Read(ref _oldestTicks));

        public void HourDone()
        {
            Interlocked.Increment(ref _hoursDone);
            Report();
        }

        public void Add(long bytes, long events)
        {
            Interlocked.Add(ref _bytes, bytes);
            Interlocked.Add(ref _events, events);
            Report();
        }

        public void AddFailure() => Interlocked.Increment(ref _failed);

        public void AddFailures(int count) => Interlocked.Add(ref _failed, count);

        public void AddHeld(int blobs) => Interlocked.Add(ref _held, blobs);

        public void AddDeferred(int blobs) => Interlocked.Add(ref _deferred, blobs);

        public TimeSpan HeldFor { get; private set; }

        public void NoteHeldFor(TimeSpan left) => HeldFor = left > HeldFor ? left : HeldFor;

        public void NoteUnread(TimeSpan age) => _oldestTicks = Math.Max(_oldestTicks, Math.Max(age.Ticks, 0));

        private void Report() => Progress?.Report(new ReplayProgress(Volatile.Read(ref _hoursDone), HoursTotal, Events, Bytes, Failed));
    }
}
