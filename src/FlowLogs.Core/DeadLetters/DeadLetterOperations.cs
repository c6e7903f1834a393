using FlowLogs.BlobSource;
using FlowLogs.Sinks;
using Microsoft.Extensions.Logging;

namespace FlowLogs.DeadLetters;

/// <summary>Lists, shows and redrives the dead letters (the <c>flowlogs dead-letters</c> commands); registered by <c>AddFlowLogPipeline</c>.</summary>
public sealed class DeadLetterOperations
{
    private readonly DeadLetterRedriver _redriver;

    internal DeadLetterOperations(BlobDeadLetterStore store, Func<IEventSink> sink, Func<IFlowLogBlobStore>? blobs, TimeProvider time, ILogger<DeadLetterOperations> logger)
        => _redriver = new DeadLetterRedriver(store, sink, blobs, time, logger);

    /// <summary>
    /// Writes the dead letters not yet redriven, written since <paramref name="since"/> and with <paramref name="reason"/>
    /// in a kind or reason, as a table or as JSON; returns how many there are.
    /// </summary>
    public async Task<int> ListAsync(DateTimeOffset? since, string? reason, bool json, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        List<DeadLetter> letters = await _redriver.ListAsync(new DeadLetterFilter(since, reason), cancellationToken).ConfigureAwait(false);
        letters.Reverse();
        await output.WriteAsync(json ? DeadLetterText.Json(letters) : DeadLetterText.Table(letters)).ConfigureAwait(false);
        return letters.Count;
    }

    /// <summary>Writes the dead letter <paramref name="id"/> (its id or name) in full; false when there is none.</summary>
    public async Task<bool> ShowAsync(string id, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (await _redriver.FindAsync(id, cancellationToken).ConfigureAwait(false) is not { } letter)
        {
            return false;
        }

        await output.WriteAsync(DeadLetterText.Show(letter)).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Sends the matching dead letters on through today's parser and the configured sink, records each item's outcome,
    /// and writes a one-line report; a dry run sends and writes nothing. Returns the counts of the report.
    /// </summary>
    public async Task<(int Items, long EventsSent, int StillFailing, int Skipped)> RedriveAsync(DateTimeOffset? since, string? reason, bool dryRun, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        DeadLetterRedriveReport report = await _redriver.RedriveAsync(new DeadLetterFilter(since, reason), dryRun, cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync(report.ToString()).ConfigureAwait(false);
        return (report.Items, report.EventsSent, report.StillFailing, report.Skipped);
    }

    internal DeadLetterRedriver Redriver => _redriver;
}
