using Azure;
using FlowLogs.Diagnostics;
using Microsoft.Extensions.Logging;

namespace FlowLogs.SelfCheck;

/// <summary>
/// What the app does with a self-check: one verdict line in its log (information, warning or error), the failed checks
/// counted in <c>flowlogs.checks.failed</c> (alerted on), and the record kept in its state for <c>flowlogs status</c>.
/// </summary>
internal sealed partial class SelfCheckRecorder
{
    private readonly ISelfCheckStore _store;
    private readonly ILogger<SelfCheckRecorder> _logger;

    public SelfCheckRecorder(ISelfCheckStore store, ILogger<SelfCheckRecorder> logger)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    /// <summary>Logs, counts and keeps <paramref name="report"/>; a record the state account refuses is logged, never thrown.</summary>
    public async Task RecordAsync(CheckReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        LogLevel level = report.Verdict switch { CheckVerdict.Fail => LogLevel.Error, CheckVerdict.Warn => LogLevel.Warning, _ => LogLevel.Information };
        IReadOnlyList<string> found = report.Findings;
        string findings = found.Count == 0 ? "-" : string.Join(" | ", found);
        string verdict = CheckReport.Word(report.Verdict);
        LogVerdict(_logger, level, verdict, report.Summary, findings);

        FlowLogMetrics.ChecksFailed.Add(report.Checks.Count(c => c.Verdict == CheckVerdict.Fail));
        try
        {
            await _store.SaveAsync(report, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex)
        {
            LogNotKept(_logger, ex.Status, ex.ErrorCode ?? "-");
        }
    }

    [LoggerMessage(Message = "Self-check {Verdict}: {Summary}. Findings: {Findings}")]
    private static partial void LogVerdict(ILogger logger, LogLevel level, string verdict, string summary, string findings);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The self-check's verdict could not be kept in the replay table ({Status} {Code}): flowlogs status shows the previous one")]
    private static partial void LogNotKept(ILogger logger, int status, string code);
}
