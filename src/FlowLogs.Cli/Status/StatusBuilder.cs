using System.Globalization;
using FlowLogs.Inspection;

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
            string[] claims = [.. group.Where(b => IsClaimed(b, now)).Select(b => b.ClaimOwner!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
            rows.Add(new StatusRow
            {
                Resource = group.Key.Resource,
                Hour = group.Key.Hour,
                BlobsSeen = group.Count(),
                BlobsBehind = behind.Count,
                BytesBehind = behind.Sum(u => u.Unread.Bytes),
                OldestUnreadAge = oldest,
                EventsDelivered = group.Sum(b => b.EventsDelivered),
                DeadLettered = group.Sum(b => b.DeadLettered),
                LastAnomaly = group.Where(b => b.LastAnomaly is not null).OrderByDescending(b => b.Updated).Select(b => b.LastAnomaly).FirstOrDefault(),
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
            Health = Health.Healthy,
            Reason = string.Empty,
            ReadAt = now,
            From = state.From,
            To = state.To,
            Rows = sorted,
            Resources = state.ResourcePrefixes.Union(rows.Select(r => r.Resource), StringComparer.Ordinal).Count(),
            BlobsSeen = state.Blobs.Count,
            BlobsBehind = rows.Sum(r => r.BlobsBehind),
            BytesBehind = rows.Sum(r => r.BytesBehind),
            OldestUnreadAge = rows.Max(r => r.OldestUnreadAge),
            EventsDelivered = rows.Sum(r => r.EventsDelivered),
            DeadLettered = rows.Sum(r => r.DeadLettered),
            Anomalies = state.Blobs.Count(b => b.LastAnomaly is not null),
            ClaimsHeld = state.Blobs.Count(b => IsClaimed(b, now)),
            HoursComplete = state.CompleteHours.Values.Sum(s => s.Count),
            ResourceHours = state.ResourcePrefixes.Count * hours,
            Listings = state.Listings,
            ListingsSkipped = state.ListingsSkipped,
            LastRun = state.LastRun,
            LastRunSucceeded = state.LastRunSucceeded,
            ResumeFrom = state.ResumeFrom,
            AppClockSkew = state.ClockSkew,
            StorageThrottled = state.StorageThrottled,
            LocalClockSkew = state.ReaderClockSkew,
            LastSelfCheck = state.LastSelfCheck,
        };
        (Health health, string reason) = Verdict(report, thresholds);
        return report with { Health = health, Reason = reason };
    }

    /// <summary>Whether a blob has bytes known unread, how many, and since when.</summary>
    internal static (bool Behind, long Bytes, TimeSpan Age) Unread(BlobState blob, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(blob);
        DateTimeOffset since = blob.Progressed ?? blob.FirstSeen ?? blob.Hour;
        TimeSpan age = now - since > TimeSpan.Zero ? now - since : TimeSpan.Zero;
        if (!blob.Checkpointed)
        {
            // A listing found it and nothing ever read it: unread since its hour began.
            TimeSpan sinceHour = now - blob.Hour > TimeSpan.Zero ? now - blob.Hour : TimeSpan.Zero;
            return (true, blob.ListedLength ?? 0, sinceHour);
        }

        // The checkpoint's length is the blob's length when it last caught up; a listing that finds another length (as
        // the replay compares) finds unread bytes: the new commits, or, for a blob rewritten shorter, all of it again.
        if (blob.ListedLength is { } listed && listed != blob.BlobLength)
        {
            return (true, listed > blob.BlobLength ? listed - blob.BlobLength : listed, age);
        }

        bool claimed = IsClaimed(blob, now);

        // Another process found it held and asked for a second look, but the holder let go: a commit is unread.
        if (blob.Pending && !claimed)
        {
            return (true, 0, age);
        }

        // Claimed once, never read, let go (a failing trigger): the whole blob is unread.
        bool neverRead = blob.BlobLength == 0 && blob.Offset == 0 && blob.EventsDelivered == 0 && blob.Progressed is null && blob.ListedLength is not 0;
        return neverRead && !claimed ? (true, blob.ListedLength ?? 0, age) : (false, 0, TimeSpan.Zero);
    }

    // The app warns past a minute too (StorageClock.SkewWarning): its ages and hours go by the service's time anyway.
    private static readonly TimeSpan ClockSkewNoted = TimeSpan.FromMinutes(1);

    private static bool IsClaimed(BlobState blob, DateTimeOffset now) => blob.ClaimOwner is not null && blob.ClaimExpires is { } expires && expires > now;

    private static (Health, string) Verdict(StatusReport r, StatusThresholds thresholds)
    {
        var notes = new List<string>();
        if (r.DeadLettered > 0)
        {
            notes.Add(Plural(r.DeadLettered, "dead letter"));
        }

        if (r.Anomalies > 0)
        {
            notes.Add(Plural(r.Anomalies, "blob") + " with an anomaly");
        }

        if (r.LastRun is null && r.BlobsSeen > 0)
        {
            notes.Add("the replay never recorded a run");
        }

        if (r.AppClockSkew is { } skew && skew.Duration() > ClockSkewNoted)
        {
            notes.Add($"the app's clock is {Format.Age(skew.Duration())} {(skew > TimeSpan.Zero ? "ahead of" : "behind")} the storage service's");
        }

        if (r.StorageThrottled > 0)
        {
            notes.Add(string.Create(CultureInfo.InvariantCulture, $"storage refused {r.StorageThrottled} requests for load during the last replay run (retried; see docs/scale.md)"));
        }

        if (r.ListingsSkipped > 0)
        {
            notes.Add(string.Create(CultureInfo.InvariantCulture, $"{r.ListingsSkipped} open resource hours not listed"));
        }

        string tail = notes.Count == 0 ? string.Empty : "; " + string.Join(", ", notes);
        if (r.BlobsSeen == 0 && r.LastRun is null && r.Resources == 0)
        {
            return (Health.Failing, $"nothing recorded: no checkpoints in the last {Format.Hours(r.From, r.To)} and no replay run (is this the app's state account?)");
        }

        if (r.LastRunSucceeded == false)
        {
            string resume = r.ResumeFrom is { } from ? $", resumes from {Format.Hour(from)}" : string.Empty;
            return (Health.Failing, $"the replay's last run ({Format.Age(r.ReadAt - r.LastRun!.Value)} ago) did not catch up everything{resume}{tail}");
        }

        if (r.LastRun is { } last && r.ReadAt - last > thresholds.ReplayStale)
        {
            return (Health.Failing, $"the replay last ran {Format.Age(r.ReadAt - last)} ago{tail}");
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
