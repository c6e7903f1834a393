using System.Globalization;
using FlowLogs.Inspection;

namespace FlowLogs.SelfCheck;

/// <summary>
/// Commits nobody reads: blobs of the last hours last committed longer ago than the allowed delay, by the storage
/// service's clock (a listing's Last-Modified against a response's Date, never this machine's clock), whose checkpoint
/// never caught up with that commit and that no process holds. The triggers read a commit seconds after Event Grid
/// announces it; one still unread minutes later was not announced, or not taken up.
/// </summary>
internal static class UnreadCommitsCheck
{
    /// <summary>The check's name.</summary>
    public const string Name = "unread commits";

    /// <summary>Blobs of <paramref name="state"/> unread for longer than <paramref name="unreadAfter"/> at <paramref name="serviceNow"/>, oldest first. Pure.</summary>
    public static IReadOnlyList<UnreadCommit> Find(FlowLogState state, DateTimeOffset serviceNow, TimeSpan unreadAfter)
    {
        ArgumentNullException.ThrowIfNull(state);
        var unread = new List<UnreadCommit>();
        foreach (BlobState blob in state.Blobs)
        {
            if (blob.Listed?.LastModified is not { } committed || serviceNow - committed <= unreadAfter)
            {
                continue;
            }

            long unreadBytes = blob.UnseenBytes ?? 0;
            if (unreadBytes > 0 && blob.Checkpoint?.IsHeldAt(serviceNow) != true)
            {
                unread.Add(new UnreadCommit(blob.BlobName, serviceNow - committed, unreadBytes));
            }
        }

        return [.. unread.OrderByDescending(u => u.Age).ThenBy(u => u.Blob, StringComparer.Ordinal)];
    }

    /// <summary>The verdict on what <see cref="Find"/> found. Pure.</summary>
    public static CheckResult Judge(FlowLogState state, IReadOnlyList<UnreadCommit> unread, TimeSpan unreadAfter)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(unread);
        string after = Age(unreadAfter);
        string skipped = state.ListingsSkipped == 0 ? string.Empty : string.Create(CultureInfo.InvariantCulture, $"; {state.ListingsSkipped} resource hours not listed (FlowLogs:Check:MaxListings)");
        if (unread.Count > 0)
        {
            UnreadCommit oldest = unread[0];
            string count = unread.Count == 1 ? "1 blob" : string.Create(CultureInfo.InvariantCulture, $"{unread.Count} blobs");
            return new CheckResult
            {
                Name = Name,
                Verdict = CheckVerdict.Fail,
                UnreadCommits = unread,
                Detail = string.Create(CultureInfo.InvariantCulture, $"Event Grid or the triggers are not delivering: {count} committed more than {after} ago (storage time) unread, the oldest {oldest.Blob} committed {Age(oldest.Age)} ago with {oldest.UnreadBytes} bytes unread{skipped}; ")
                    + "check the Event Grid subscription on the account's system topic (<app>-queue with queue delivery, vnetflowlogs and nsgflowlogs with webhook delivery) and its DeliveryFailures in the workspace, "
                    + "the queue flowlog-events and its poison queue, and that the function of the delivery (FlowLogEvents, or VNetFlowLogs and NsgFlowLogs) is enabled and running; the replay reads them on its schedule meanwhile. "
                    + "With polling delivery (no Event Grid), it is the replay timer ReplayMissedHours that is not keeping up: check that it runs every ReplaySchedule and finishes within it",
            };
        }

        if (state.ResourcePrefixes.Count == 0)
        {
            return new CheckResult { Name = Name, Verdict = CheckVerdict.Skip, Detail = "no flow-log resource known yet: the replay discovers them on its first run" };
        }

        return new CheckResult
        {
            Name = Name,
            Verdict = CheckVerdict.Pass,
            Detail = string.Create(CultureInfo.InvariantCulture, $"none: every commit older than {after} (storage time) is read; {state.Listings} hour listings of {state.ResourcePrefixes.Count} resources{skipped}"),
        };
    }

    /// <summary>The verdict when no storage answer gave the service's time. Pure.</summary>
    public static CheckResult WithoutServiceTime() => new()
    {
        Name = Name,
        Verdict = CheckVerdict.Warn,
        Detail = "not judged: no storage account answered with its time, and commit ages are never taken from this machine's clock alone",
    };

    internal static string Age(TimeSpan age) => age.TotalSeconds < 90
        ? string.Create(CultureInfo.InvariantCulture, $"{age.TotalSeconds:F0}s")
        : age.TotalMinutes < 90 ? string.Create(CultureInfo.InvariantCulture, $"{age.TotalMinutes:F0}m") : string.Create(CultureInfo.InvariantCulture, $"{age.TotalHours:F1}h");
}
