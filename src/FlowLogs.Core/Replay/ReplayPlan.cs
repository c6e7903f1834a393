using FlowLogs.BlobSource;

namespace FlowLogs.Replay;

/// <summary>
/// Which hours one replay run looks at, oldest first: from where the last run left off (or as far back as a folder
/// found now needs), through the window, bounded by the maximum look-back; or exactly the hours a backfill asks for.
/// Pure: no storage, no clock.
/// </summary>
internal sealed record ReplayPlan
{
    /// <summary>The first hour looked at.</summary>
    public required DateTimeOffset From { get; init; }

    /// <summary>The last hour looked at: the current one, or the last a backfill asks for.</summary>
    public required DateTimeOffset To { get; init; }

    /// <summary>The oldest hour of the window, which every run looks at whatever the budget; older hours are the backlog.</summary>
    public required DateTimeOffset WindowStart { get; init; }

    /// <summary>A backfill covers the hours asked for and leaves the replay's own progress as it is.</summary>
    public bool IsBackfill { get; init; }

    /// <summary>Hours never read to their end that are older than the maximum look-back: left alone, named in a warning.</summary>
    public int HoursBeyondLookback { get; init; }

    /// <summary>The hours, oldest first.</summary>
    public IEnumerable<DateTimeOffset> Hours
    {
        get
        {
            for (DateTimeOffset hour = From; hour <= To; hour = hour.AddHours(1))
            {
                yield return hour;
            }
        }
    }

    /// <summary>Number of hours.</summary>
    public int HourCount => (int)(To - From).TotalHours + 1;

    /// <summary>The hours <paramref name="since"/>..<paramref name="until"/>, all of them, whatever the budget.</summary>
    public static ReplayPlan Backfill(DateTimeOffset since, DateTimeOffset until)
    {
        DateTimeOffset from = BlobPath.HourOf(since);
        DateTimeOffset to = BlobPath.HourOf(until);
        return new ReplayPlan { From = from, To = to, WindowStart = from, IsBackfill = true };
    }

    /// <summary>
    /// A scheduled run at <paramref name="now"/> (the storage service's time), after <paramref name="previous"/> (null:
    /// the first run), reading back at least to <paramref name="readBackTo"/> when a folder was found that may hold
    /// older unread hours.
    /// </summary>
    public static ReplayPlan Scheduled(DateTimeOffset now, ReplayRunState? previous, DateTimeOffset? readBackTo, ReplayOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        DateTimeOffset to = BlobPath.HourOf(now);
        DateTimeOffset windowStart = to.AddHours(-(options.WindowHours - 1));
        DateTimeOffset from = Min(windowStart, previous?.ResumeFrom ?? to.AddHours(-(options.FirstRunLookbackHours - 1)));
        if (readBackTo is { } back)
        {
            from = Min(from, BlobPath.HourOf(back));
        }

        DateTimeOffset oldestAllowed = to.AddHours(-(options.MaxLookbackHours - 1));
        int beyond = from < oldestAllowed ? (int)(oldestAllowed - from).TotalHours : 0;
        return new ReplayPlan { From = Max(from, oldestAllowed), To = to, WindowStart = windowStart, HoursBeyondLookback = beyond };
    }

    /// <summary>
    /// The oldest hour a folder found now in <paramref name="walk"/>'s account may hold unread blobs of: an hour before
    /// the last walk that ran to its end, or, for an account never walked to its end, as far back as a first run looks
    /// from when the replay first set out to walk it.
    /// </summary>
    public static DateTimeOffset ReadBackFor(AccountWalk walk, ReplayOptions options)
    {
        ArgumentNullException.ThrowIfNull(walk);
        ArgumentNullException.ThrowIfNull(options);
        return walk.LastWalked is { } last
            ? BlobPath.HourOf(last).AddHours(-1)
            : BlobPath.HourOf(walk.FirstSeen).AddHours(-(options.FirstRunLookbackHours - 1));
    }

    /// <summary>Whether <paramref name="hour"/> is a backlog hour: older than the window, in a scheduled run.</summary>
    public bool IsBacklog(DateTimeOffset hour) => !IsBackfill && hour < WindowStart;

    /// <summary>
    /// Whether the next backlog hour is looked at: the first of a run always is (a backlog always moves), the others
    /// while the listings made so far and the window's together stay under the budget.
    /// </summary>
    public static bool BacklogGoesOn(int backlogHoursBegun, int listingsMade, int windowListings, int budget)
        => backlogHoursBegun == 0 || listingsMade + windowListings < budget;

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a <= b ? a : b;

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a >= b ? a : b;
}
