using System.ComponentModel.DataAnnotations;

namespace FlowLogs.SelfCheck;

/// <summary>Settings of the self-check (<c>flowlogs check</c>, and the app's at start and with each replay run); section <see cref="SectionName"/>.</summary>
internal sealed class SelfCheckOptions
{
    /// <summary>The configuration section (environment: <c>FlowLogs__Check__Timeout</c> and so on).</summary>
    public const string SectionName = "FlowLogs:Check";

    /// <summary>Each check gives up after this long and fails, naming what did not answer: an unreachable account never hangs the self-check.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>A blob last committed longer ago than this (by the storage service's clock) whose checkpoint never caught up is a commit nobody read.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan UnreadAfter { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Hour listings (one resource, one of the last two hours not recorded complete) the unread-commits check makes at most.</summary>
    [Range(1, 100_000)]
    public int MaxListings { get; set; } = 100;
}
