using System.Collections.Concurrent;
using FlowLogs.BlobSource;
using FlowLogs.Diagnostics;
using Microsoft.Extensions.Logging;

namespace FlowLogs.Processing;

/// <summary>
/// Queue delivery: reads the Event Grid events of one queue message and hands each flow-log blob they name to the
/// <see cref="BlobProcessor"/>. Only blobs of configured accounts and flow-log containers are read; any other event is
/// logged once per source and dropped, never fetched. Order and duplicates do not matter: the checkpoint decides.
/// </summary>
public sealed partial class BlobCreatedHandler
{
    /// <summary>The queue Event Grid writes the events to, in the app's own storage account.</summary>
    public const string QueueName = "flowlog-events";

    private const string FlowLogAccountsSetting = "FlowLogs:Storage:FlowLogConnections";

    // Sources already reported as dropped; bounded so a flood of strange sources cannot grow it without end: once
    // full it is emptied, so each source is said again at most once per this many others.
    private const int MaxSourcesRemembered = 1024;

    private readonly FlowLogAccounts _accounts;
    private readonly BlobProcessor _processor;
    private readonly ILogger<BlobCreatedHandler> _logger;
    private readonly ConcurrentDictionary<string, bool> _dropped = new(StringComparer.Ordinal);

    // Configured accounts whose unresolvable events were said: at most one entry per account, never full.
    private readonly ConcurrentDictionary<string, bool> _unresolved = new(StringComparer.Ordinal);

    internal BlobCreatedHandler(FlowLogAccounts accounts, BlobProcessor processor, ILogger<BlobCreatedHandler> logger)
    {
        _accounts = accounts ?? throw new ArgumentNullException(nameof(accounts));
        _processor = processor ?? throw new ArgumentNullException(nameof(processor));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    /// <summary>Processes the blobs the events of <paramref name="message"/> name; returns what each call did.</summary>
    /// <exception cref="FormatException">
    /// The message, or an element of its array, is not an Event Grid event: thrown once the valid events around it were
    /// processed, so the message goes to the poison queue and is kept there.
    /// </exception>
    public async Task<IReadOnlyList<BlobProcessResult>> HandleAsync(string message, CancellationToken cancellationToken)
    {
        var results = new List<BlobProcessResult>();
        IReadOnlyList<BlobCreatedEvent> events = BlobCreatedEvent.Read(message, out IReadOnlyList<string> malformed);
        foreach (BlobCreatedEvent item in events)
        {
            if (!item.IsBlobCreated)
            {
                Drop(item.Source, $"its type is {item.Type}, not {BlobCreatedEvent.BlobCreated}");
                continue;
            }

            if (item.Url is null || _accounts.Resolve(item.Url) is not { } blob)
            {
                if (OfConfiguredAccount(item.Source) is { } account)
                {
                    // Events of an account the app reads that it cannot resolve are a fault (an endpoint set otherwise
                    // than Event Grid names it): counted as failures, which alert; the replay still reads the blobs.
                    FlowLogMetrics.ProcessingFailures.Add(1);
                    if (_unresolved.TryAdd(account, true))
                    {
                        LogUnresolved(_logger, account, item.Url?.GetLeftPart(UriPartial.Path) ?? "(none)", FlowLogAccountsSetting);
                    }

                    continue;
                }

                Drop(item.Source, $"its blob is not in a flow-log container of a configured account ({FlowLogAccountsSetting})");
                continue;
            }

            AnnouncedCommit? commit = item.ContentLength is { } length ? new AnnouncedCommit(length, item.ETag) : null;
            results.Add(await HandleAsync(blob, commit, cancellationToken).ConfigureAwait(false));
        }

        if (malformed.Count > 0)
        {
            throw new FormatException($"{malformed.Count} of the message's {malformed.Count + events.Count} events are not Event Grid events ({string.Join("; ", malformed)}); the {events.Count} others were processed");
        }

        return results;
    }

    /// <summary>
    /// Processes one blob a commit was announced for, by either delivery (a queue event, or the webhook's blob trigger),
    /// and logs what the call did; a name that is not a PT1H.json is ignored.
    /// </summary>
    public Task<BlobProcessResult> HandleAsync(FlowLogBlob blob, CancellationToken cancellationToken) => HandleAsync(blob, null, cancellationToken);

    private async Task<BlobProcessResult> HandleAsync(FlowLogBlob blob, AnnouncedCommit? commit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        BlobProcessResult result = await _processor.ProcessAsync(blob, commit, cancellationToken).ConfigureAwait(false);
        if (result.Outcome == BlobProcessOutcome.Ignored)
        {
            LogIgnored(_logger, blob.FullName);
        }
        else
        {
            LogProcessed(_logger, blob.FullName, result.Outcome, result.Events, result.BytesRead, result.Offset);
        }

        return result;
    }

    // The configured account an event's source (…/storageAccounts/<name>) names, if any.
    private string? OfConfiguredAccount(string source)
    {
        int at = source.LastIndexOf("/storageAccounts/", StringComparison.OrdinalIgnoreCase);
        string? name = at < 0 ? null : source[(at + "/storageAccounts/".Length)..];
        return name is not null && _accounts.Accounts.Contains(name, StringComparer.Ordinal) ? name : null;
    }

    // Each source is said once (again after the memory was emptied).
    private void Drop(string source, string why)
    {
        if (_dropped.Count >= MaxSourcesRemembered)
        {
            _dropped.Clear();
        }

        if (_dropped.TryAdd(source, true))
        {
            LogDropped(_logger, source, why);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped the events of {Source} without reading anything: {Why}. Said once per source")]
    private static partial void LogDropped(ILogger logger, string source, string why);

    [LoggerMessage(Level = LogLevel.Error, Message = "An event of the flow-log account {Account} names {Url}, which is not under that account's configured endpoint and a flow-log container: its blob is left to the replay. Check the account's endpoint in {Setting}. Said once per account; every such event counts in flowlogs.processing.failures")]
    private static partial void LogUnresolved(ILogger logger, string account, string url, string setting);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Ignored {Blob}: not a PT1H.json")]
    private static partial void LogIgnored(ILogger logger, string blob);

    // Debug: one line per commit is billed by the gigabyte in Application Insights, and the chunk line says the same.
    [LoggerMessage(Level = LogLevel.Debug, Message = "{Blob}: {Outcome}, {Events} events, {Bytes} bytes read, checkpoint at byte {Offset}")]
    private static partial void LogProcessed(ILogger logger, string blob, BlobProcessOutcome outcome, long events, long bytes, long offset);
}
