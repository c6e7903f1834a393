using FlowLogs.BlobSource;
using FlowLogs.Checkpoints;
using FlowLogs.Replay;

namespace FlowLogs.Inspection;

/// <summary>A blob of the hours read: its checkpoint as the processor keeps it, and what an hour listing found of it.</summary>
internal sealed record BlobState
{
    /// <summary>The blob, <c>account/container/name</c>.</summary>
    public required string BlobName { get; init; }

    /// <summary>Its flow-log resource: everything before <c>/y=</c> in its name.</summary>
    public required string ResourcePrefix { get; init; }

    /// <summary>The hour the blob is for.</summary>
    public required DateTimeOffset Hour { get; init; }

    /// <summary>Its checkpoint; null for a blob a listing found that was never read.</summary>
    public BlobCheckpoint? Checkpoint { get; init; }

    /// <summary>The blob as a listing made by this read found it (committed length, last commit by the storage service's clock); null when its hour was not listed.</summary>
    public CatalogBlob? Listed { get; init; }

    /// <summary>
    /// Bytes a listing found that the checkpoint never saw: the checkpoint keeps the blob's length when it last caught
    /// up, so another listed length is a commit it did not read (the new bytes, or all of a blob rewritten shorter).
    /// Null when the blob was not listed or the listing found the length the checkpoint knows.
    /// </summary>
    public long? UnseenBytes => Listed is not { } listed ? null
        : Checkpoint is not { } checkpoint ? listed.Length
        : listed.Length == checkpoint.BlobLength ? null
        : listed.Length > checkpoint.BlobLength ? listed.Length - checkpoint.BlobLength : listed.Length;
}

/// <summary>What the app's own state says about a window of hours: checkpoints, the replay's hours and its last run.</summary>
internal sealed record FlowLogState
{
    /// <summary>When the state was read, by the storage service's time.</summary>
    public DateTimeOffset ReadAt { get; init; }

    /// <summary>First hour read.</summary>
    public DateTimeOffset From { get; init; }

    /// <summary>Last hour read.</summary>
    public DateTimeOffset To { get; init; }

    /// <summary>The resource prefixes the replay knows (<c>account/container/prefix</c>).</summary>
    public IReadOnlyList<string> ResourcePrefixes { get; init; } = [];

    /// <summary>The blobs of the window's hours with a checkpoint, and those listings found without one.</summary>
    public IReadOnlyList<BlobState> Blobs { get; init; } = [];

    /// <summary>Per hour of the window, the resource prefixes the replay recorded complete.</summary>
    public IReadOnlyDictionary<DateTimeOffset, IReadOnlySet<string>> CompleteHours { get; init; } = new Dictionary<DateTimeOffset, IReadOnlySet<string>>();

    /// <summary>Where the replay stands, as its last run recorded it; null when none was recorded.</summary>
    public ReplayRunState? Replay { get; init; }

    /// <summary>How far the clock of the machine that read this state is ahead of the storage service's (negative: behind).</summary>
    public TimeSpan? ReaderClockSkew { get; init; }

    /// <summary>Hour listings made (one resource, one hour not recorded complete).</summary>
    public int Listings { get; init; }

    /// <summary>Resource hours not recorded complete that were not listed (the listing budget was reached, or listing is off).</summary>
    public int ListingsSkipped { get; init; }

    /// <summary>The app's last self-check, as it recorded it (verdict, summary, lines); null when none was recorded.</summary>
    public SelfCheck.CheckReport? LastSelfCheck { get; init; }
}
