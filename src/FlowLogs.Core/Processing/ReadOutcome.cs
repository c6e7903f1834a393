using FlowLogs.BlobSource;

namespace FlowLogs.Processing;

/// <summary>How one read of a blob ended, as the processor's loop acts on it.</summary>
internal abstract record ReadOutcome
{
    /// <summary>Something was read and delivered: list the blocks again before letting go.</summary>
    public static readonly ReadOutcome ReadSome = new ReadSomeOutcome();

    /// <summary>Nothing new since the checkpoint: let go.</summary>
    public static readonly ReadOutcome NothingNew = new NothingNewOutcome();

    /// <summary>The claim was lost midway: stop at once.</summary>
    public static readonly ReadOutcome ClaimLost = new ClaimLostOutcome();

    private sealed record ReadSomeOutcome : ReadOutcome;

    private sealed record NothingNewOutcome : ReadOutcome;

    private sealed record ClaimLostOutcome : ReadOutcome;
}

/// <summary>The blob is not framed as Azure frames PT1H.json: read it as a document from the last record boundary.</summary>
/// <param name="Reason">What was found, in words.</param>
internal sealed record NotFramed(string Reason) : ReadOutcome;

/// <summary>A reader of one strategy (chunks of blocks, or a whole document).</summary>
internal interface IBlobReader
{
    /// <summary>Reads what is new in <paramref name="snapshot"/> past the cursor, delivering it through the shared step.</summary>
    /// <exception cref="BlobChangedException">The blob was committed again since <paramref name="snapshot"/> was listed: list again.</exception>
    Task<ReadOutcome> ReadAsync(BlockListSnapshot snapshot, CancellationToken cancellationToken);
}
