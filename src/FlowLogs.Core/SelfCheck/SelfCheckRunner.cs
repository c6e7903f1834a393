using System.Globalization;
using Azure;
using FlowLogs.Hosting;
using FlowLogs.Inspection;
using FlowLogs.Processing;
using FlowLogs.Replay;
using FlowLogs.Sinks;
using FlowLogs.Sinks.Sekoia;
using Microsoft.Extensions.Options;

namespace FlowLogs.SelfCheck;

/// <summary>
/// Runs the self-check, from the data plane, in seconds: each flow-log account and the app's account (at once), the
/// intake (no event sent), then the commits nobody read and the clock, both by the storage service's time. Each check
/// is bounded by <c>FlowLogs:Check:Timeout</c>: what does not answer in time fails, naming what to look at. Read-only
/// and never throws for what it finds: every failure is a check's result.
/// </summary>
public sealed class SelfCheckRunner
{
    private readonly IStorageProbe _storage;
    private readonly IIntakeProbe _intake;
    private readonly SelfCheckSettings _settings;
    private readonly Func<FlowLogStateReader> _state;
    private readonly TimeProvider _time;
    private readonly SelfCheckRecorder? _recorder;

    internal SelfCheckRunner(IStorageProbe storage, IIntakeProbe intake, SelfCheckSettings settings, Func<FlowLogStateReader> state, TimeProvider time, SelfCheckRecorder? recorder = null)
    {
        _recorder = recorder;
        _storage = storage ?? throw new ArgumentNullException(nameof(storage));
        _intake = intake ?? throw new ArgumentNullException(nameof(intake));
        _settings = settings ?? throw new ArgumentNullException(nameof(settings));
        _state = state ?? throw new ArgumentNullException(nameof(state));
        _time = time ?? throw new ArgumentNullException(nameof(time));
    }

    /// <summary>Runs every check; the report's verdict is the worst of theirs.</summary>
    /// <exception cref="OptionsValidationException">A <c>FlowLogs:Check</c> setting is invalid (the message names it).</exception>
    public async Task<CheckReport> RunAsync(CancellationToken cancellationToken)
    {
        SelfCheckOptions options = _settings.Check();
        var clock = new ServiceClock(_time);
        var storage = new SampledStorageProbe(_storage, clock);
        var first = new List<Task<CheckResult>>();
        if (Resolve(_settings.Storage, out StorageOptions? accounts, out string? storageProblem)
            & Resolve(_settings.Replay, out ReplayOptions? replay, out string? replayProblem))
        {
            foreach (string connection in accounts!.FlowLogConnectionNames)
            {
                first.Add(BoundedAsync(FlowLogAccountCheck.Name, storage.AccountName(connection) ?? connection, connection, options.Timeout, t => FlowLogAccountCheck.RunAsync(storage, connection, replay!.FlowLogContainers, t), cancellationToken));
            }

            var names = new AppResourceNames(accounts.CheckpointTable, replay!.StateTable, accounts.DeadLetterContainer, BlobCreatedHandler.QueueName);
            string state = accounts.StateConnection;
            first.Add(BoundedAsync(AppAccountCheck.Name, storage.AccountName(state) ?? state, state, options.Timeout, t => AppAccountCheck.RunAsync(storage, state, names, t), cancellationToken));
        }
        else
        {
            first.Add(Task.FromResult(new CheckResult { Name = AppAccountCheck.Name, Verdict = CheckVerdict.Fail, Detail = storageProblem ?? replayProblem!, Setting = "FlowLogs:Storage" }));
        }

        first.Add(BoundedAsync(IntakeCheck.Name, string.Empty, null, options.Timeout, t => IntakeCheck.RunAsync(_intake, _settings.SinkKind(), _settings.Intake, t), cancellationToken));
        List<CheckResult> results = [.. await Task.WhenAll(first).ConfigureAwait(false)];

        results.Add(clock.Now is null
            ? UnreadCommitsCheck.WithoutServiceTime()
            : await BoundedAsync(UnreadCommitsCheck.Name, string.Empty, null, options.Timeout, t => UnreadAsync(clock, options, t), cancellationToken).ConfigureAwait(false));
        results.Add(clock.Latest is { } sample ? ClockCheck.Judge(sample.LocalMiddle, sample.Service) : ClockCheck.WithoutServiceTime());
        return CheckReport.From(results, _time.GetUtcNow(), clock.Latest?.Service);
    }

    /// <summary>
    /// What the app does with a report: one verdict line in its log (information, warning or error), the failed checks
    /// counted in <c>flowlogs.checks.failed</c> (alerted on), and the report kept in its state for <c>flowlogs status</c>.
    /// </summary>
    public Task RecordAsync(CheckReport report, CancellationToken cancellationToken)
        => (_recorder ?? throw new InvalidOperationException("this runner was built without a recorder")).RecordAsync(report, cancellationToken);

    // The last hour and the current one, by the service's time: a commit older than that is the replay's, not news.
    private async Task<CheckResult> UnreadAsync(ServiceClock clock, SelfCheckOptions options, CancellationToken cancellationToken)
    {
        DateTimeOffset now = clock.Now!.Value;
        FlowLogState state = await _state().ReadAsync(now.AddHours(-1), now, options.MaxListings, cancellationToken).ConfigureAwait(false);
        DateTimeOffset judgedAt = clock.Now!.Value;
        return UnreadCommitsCheck.Judge(state, UnreadCommitsCheck.Find(state, judgedAt, options.UnreadAfter), options.UnreadAfter);
    }

    // One check, given at most `timeout`: past it the check is abandoned (its requests cancelled) and fails, naming
    // the setting that points at what did not answer. Whatever it throws becomes its failure too.
    private async Task<CheckResult> BoundedAsync(string name, string target, string? setting, TimeSpan timeout, Func<CancellationToken, Task<CheckResult>> run, CancellationToken cancellationToken)
    {
        long started = _time.GetTimestamp();
        using var abandon = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task<CheckResult> check = Task.Run(() => run(abandon.Token), CancellationToken.None);
        CheckResult result;
        try
        {
            result = await check.WaitAsync(timeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            await abandon.CancelAsync().ConfigureAwait(false);
            _ = check.ContinueWith(t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            string what = setting is null ? string.Empty : $": check {setting}, and that this network reaches it (DNS, a firewall dropping packets, a private endpoint it does not resolve)";
            result = new CheckResult { Name = name, Verdict = CheckVerdict.Fail, Detail = string.Create(CultureInfo.InvariantCulture, $"no answer within {UnreadCommitsCheck.Age(timeout)} (FlowLogs:Check:Timeout){what}"), Setting = setting };
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            result = new CheckResult { Name = name, Verdict = CheckVerdict.Fail, Detail = Describe(ex), Setting = setting };
        }

        return result with
        {
            Target = result.Target.Length > 0 ? result.Target : target,
            Elapsed = _time.GetElapsedTime(started),
        };
    }

    // An unexpected failure, in words that hold no secret: a storage answer's status and code, a setting problem, or the type.
    private static string Describe(Exception exception) => exception switch
    {
        RequestFailedException { Status: not 0 } r => StorageRefusals.Explain(new StorageAnswer(r.Status, r.ErrorCode), "the app's state", "Storage Table Data Contributor"),
        OptionsValidationException v => string.Join("; ", v.Failures),
        InvalidOperationException i when i.Message.StartsWith("storage connection '", StringComparison.Ordinal) => i.Message,
        _ => $"failed: {exception.GetType().Name}",
    };

    private static bool Resolve<T>(Func<T> settings, out T? value, out string? problem)
        where T : class
    {
        try
        {
            value = settings();
            problem = null;
            return true;
        }
        catch (OptionsValidationException ex)
        {
            value = null;
            problem = string.Join("; ", ex.Failures);
            return false;
        }
    }
}

/// <summary>The settings the self-check reads, each read when the check runs (a bad one fails its check, naming it).</summary>
/// <param name="Check">FlowLogs:Check.</param>
/// <param name="Storage">FlowLogs:Storage.</param>
/// <param name="Replay">FlowLogs:Replay (the flow-log containers, the replay table).</param>
/// <param name="SinkKind">FlowLogs:Sink:Kind.</param>
/// <param name="Intake">FlowLogs:Sekoia.</param>
internal sealed record SelfCheckSettings(Func<SelfCheckOptions> Check, Func<StorageOptions> Storage, Func<ReplayOptions> Replay, Func<string> SinkKind, Func<SekoiaIntakeOptions> Intake);
