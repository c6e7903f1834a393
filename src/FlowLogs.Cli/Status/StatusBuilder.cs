using System.Globalization;
using FlowLogs.Checkpoints;
using FlowLogs.Inspection;
using FlowLogs.Replay;

namespace FlowLogs.Cli.Status;

/// <summary>Turns the state the app keeps into the status: rows per resource and hour, worst first, and a verdict. Pure.</summary>
internal static class StatusBuilder
{
    /// <summary>Builds the status of <paramref name="state"/>.</summary>
    public static StatusReport Build(FlowLogState state, StatusThresholds thresholds)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(thresholds);
        DateTimeOffset now = state.ReadAt;
        var rows = new List<StatusRow>();
        foreach (IGrouping<(string Resource, DateTimeOffset Hour), BlobState> group in state.Blobs.GroupBy(b => (b.ResourcePrefix, b.Hour)))
        {
            var behind = group.Select(b => (Blob: b, Unread: Unread(b, now))).Where(u => u.Unread.Behind).ToList();
            TimeSpan? oldest = behind.Count == 0 ? null : behind.Max(u => u.Unread.Age);
            BlobCheckpoint[] checkpoints = [.. group.Select(b => b.Checkpoint).OfType<BlobCheckpoint>()];
            string[] claims = [.. checkpoints.Where(c => c.IsHeldAt(now)).Select(c => c.ClaimOwner!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
            rows.Add(new StatusRow
            {
                Resource = group.Key.Resource,
                Hour = group.Key.Hour,
                BlobsSeen = group.Count(),
                BlobsBehind = behind.Count,
                BytesBehind = behind.Sum(u => u.Unread.Bytes),
                OldestUnreadAge = oldest,
                EventsDelivered = checkpoints.Sum(c => c.EventsDelivered),
                DeadLettered = checkpoints.Sum(c => c.DeadLettered),
                LastAnomaly = checkpoints.Where(c => c.LastAnomaly is not null).OrderByDescending(c => c.Updated).Select(c => c.LastAnomaly).FirstOrDefault(),
                ClaimedBy = claims,
                Complete = state.CompleteHours.TryGetValue(group.Key.Hour, out IReadOnlySet<string>? done) && done.Contains(group.Key.Resource),
                Health = behind.Count == 0 ? Health.Healthy : oldest > thresholds.MaxLag ? Health.Failing : Health.Behind,
            });
        }

        List<StatusRow> sorted = [.. rows
            .OrderByDescending(r => r.Health)
            .ThenByDescending(r => r.OldestUnreadAge ?? TimeSpan.MinValue)
            .ThenByDescending(r => r.BytesBehind)
            .ThenByDescending(r => r.DeadLettered)
            .ThenByDescending(r => r.LastAnomaly is not null)
            .ThenByDescending(r => r.ClaimedBy.Count)
            .ThenByDescending(r => r.Hour)
            .ThenBy(r => r.Resource, StringComparer.Ordinal)];

        int hours = (int)((state.To - state.From).TotalHours + 1);
        var report = new StatusReport
        {
            State = state,
            Health = Health.Healthy,
            Reason = string.Empty,
            Rows = sorted,
            Resources = state.ResourcePrefixes.Union(rows.Select(r => r.Resource), StringComparer.Ordinal).Count(),
            BlobsBehind = rows.Sum(r => r.BlobsBehind),
            BytesBehind = rows.Sum(r => r.BytesBehind),
            OldestUnreadAge = rows.Max(r => r.OldestUnreadAge),
            EventsDelivered = rows.Sum(r => r.EventsDelivered),
            DeadLettered = rows.Sum(r => r.DeadLettered),
            Anomalies = state.Blobs.Count(b => b.Checkpoint?.LastAnomaly is not null),
            ClaimsHeld = state.Blobs.Count(b => b.Checkpoint?.IsHeldAt(now) == true),
            HoursComplete = state.CompleteHours.Values.Sum(s => s.Count),
            ResourceHours = state.ResourcePrefixes.Count * hours,
        };
        (Health health, string reason) = Verdict(report, thresholds);
        return report with { Health = health, Reason = reason };
    }

    /// <summary>Whether a blob has bytes known unread, how many, and since when.</summary>
    internal static (bool Behind, long Bytes, TimeSpan Age) Unread(BlobState blob, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(blob);
        if (blob.Checkpoint is not { } checkpoint)
        {
            // A listing found it and nothing ever read it: unread since its hour began.
            return (true, blob.UnseenBytes ?? 0, Since(blob.Hour, now));
        }

        TimeSpan age = Since(checkpoint.Progressed ?? checkpoint.FirstSeen, now);

        // A listing that finds another length than the checkpoint caught up with (as the replay compares) finds unread
        // bytes: the new commits, or, for a blob rewritten shorter, all of it again.
        if (blob.UnseenBytes is { } unseen)
        {
            return (true, unseen, age);
        }

        bool held = checkpoint.IsHeldAt(now);

        // Another process found it held and asked for a second look, but the holder let go: a commit is unread.
        if (checkpoint.Pending && !held)
        {
            return (true, 0, age);
        }

        // Claimed once, never read, let go (a failing trigger): the whole blob is unread.
        bool neverRead = checkpoint is { BlobLength: 0, Offset: 0, EventsDelivered: 0, Progressed: null } && blob.Listed?.Length is not 0;
        return neverRead && !held ? (true, blob.Listed?.Length ?? 0, age) : (false, 0, TimeSpan.Zero);
    }

    private static TimeSpan Since(DateTimeOffset time, DateTimeOffset now) => now - time > TimeSpan.Zero ? now - time : TimeSpan.Zero;

    // The app warns past a minute too (StorageClock.SkewWarning): its ages and hours go by the service's time anyway.
    private static readonly TimeSpan ClockSkewNoted = TimeSpan.FromMinutes(1);

    private static (Health, string) Verdict(StatusReport r, StatusThresholds thresholds)
    {
        FlowLogState state = r.State;
        ReplayRunState? run = state.Replay;
        var notes = new List<string>();
        if (r.DeadLettered > 0)
        {
            notes.Add(Plural(r.DeadLettered, "dead letter"));
        }

        if (r.Anomalies > 0)
        {
            notes.Add(Plural(r.Anomalies, "blob") + " with an anomaly");
        }

        if (run is null && r.BlobsSeen > 0)
        {
            notes.Add("the replay never recorded a run");
        }

        if (run?.ClockSkew is { } skew && skew.Duration() > ClockSkewNoted)
        {
            notes.Add($"the app's clock is {Format.Age(skew.Duration())} {(skew > TimeSpan.Zero ? "ahead of" : "behind")} the storage service's");
        }

        if (run?.StorageThrottled > 0)
        {
            notes.Add(string.Create(CultureInfo.InvariantCulture, $"storage refused {run.StorageThrottled} requests for load during the last replay run (retried; see docs/scale.md)"));
        }

        if (state.ListingsSkipped > 0)
        {
            notes.Add(string.Create(CultureInfo.InvariantCulture, $"{state.ListingsSkipped} open resource hours not listed"));
        }

        string tail = notes.Count == 0 ? string.Empty : "; " + string.Join(", ", notes);
        if (r.BlobsSeen == 0 && run is null && r.Resources == 0)
        {
            return (Health.Failing, $"nothing recorded: no checkpoints in the last {Format.Hours(state.From, state.To)} and no replay run (is this the app's state account?)");
        }

        if (run is { LastRunSucceeded: false })
        {
            return (Health.Failing, $"the replay's last run ({Format.Age(state.ReadAt - run.LastRun)} ago) did not catch up everything, resumes from {Format.Hour(run.ResumeFrom)}{tail}");
        }

        if (run is not null && state.ReadAt - run.LastRun > thresholds.ReplayStale)
        {
            return (Health.Failing, $"the replay last ran {Format.Age(state.ReadAt - run.LastRun)} ago{tail}");
        }

        if (r.OldestUnreadAge is { } age && age > thresholds.MaxLag)
        {
            StatusRow worst = r.Rows[0];
            return (Health.Failing, $"a byte has been unread for {Format.Age(age)} ({Format.ShortName(worst.Resource, 60)} {Format.Hour(worst.Hour)}), {Plural(r.BlobsBehind, "blob")} behind{tail}");
        }

        if (r.BlobsBehind > 0)
        {
            return (Health.Behind, $"{Plural(r.BlobsBehind, "blob")} behind, {Format.Bytes(r.BytesBehind)} unread, oldest unread byte {Format.Age(r.OldestUnreadAge ?? TimeSpan.Zero)} old{tail}");
        }

        return (Health.Healthy, $"{Plural(r.BlobsSeen, "blob")} of {Plural(r.Resources, "resource")} read to their last known commit{tail}");
    }

    private static string Plural(long count, string noun) => string.Create(CultureInfo.InvariantCulture, $"{count} {noun}{(count == 1 ? string.Empty : "s")}");
}
