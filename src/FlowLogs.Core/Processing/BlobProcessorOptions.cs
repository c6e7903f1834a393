using System.ComponentModel.DataAnnotations;

namespace FlowLogs.Processing;

/// <summary>Limits of <see cref="BlobProcessor"/>; bound from configuration section <see cref="SectionName"/>.</summary>
internal sealed class BlobProcessorOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "FlowLogs:Processing";

    /// <summary>
    /// How long a claim on a blob lasts without renewal (it is renewed every third of it while work goes on); a crashed
    /// holder blocks the blob this long at most.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:05", "01:00:00")]
    public TimeSpan ClaimDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>A backlog is read in chunks of whole blocks up to this many bytes, each delivered and checkpointed.</summary>
    [Range(4 * 1024, 256 * 1024 * 1024)]
    public int MaxChunkBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Serialized events are handed to the sink in batches of up to this many bytes.</summary>
    [Range(64 * 1024, 64 * 1024 * 1024)]
    public int MaxBatchBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// A blob is final (Azure writes no more to it) once its hour is over by this much and it has not changed for as
    /// long: a record cut by its end is then dead-lettered rather than waited for.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan CompletionGrace { get; set; } = TimeSpan.FromMinutes(20);

    /// <summary>
    /// The longest one call may run, where the host sets one (the Functions host's <c>functionTimeout</c>); null where
    /// none applies. Deliveries must fit in it: checked at start against the sink's retry budget and batch size.
    /// </summary>
    public TimeSpan? InvocationTimeout { get; set; }

    /// <summary>A record longer than this is dead-lettered (it bounds memory).</summary>
    [Range(64 * 1024, 256 * 1024 * 1024)]
    public int MaxRecordBytes { get; set; } = 32 * 1024 * 1024;
}
