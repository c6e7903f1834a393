using System.Globalization;

namespace FlowLogs.SelfCheck;

/// <summary>What the app keeps in its own account, from the data plane: each resource reachable and readable by this identity.</summary>
/// <param name="Kind">What it is: <c>checkpoint table</c>, <c>replay table</c>, <c>dead-letter container</c>, <c>events queue</c>.</param>
/// <param name="Name">Its name.</param>
/// <param name="Answer">The answer to reading it.</param>
internal sealed record AppResource(string Kind, string Name, StorageAnswer Answer);

/// <summary>The app's account: checkpoint table, replay table, dead-letter container and events queue usable.</summary>
internal static class AppAccountCheck
{
    /// <summary>The check's name.</summary>
    public const string Name = "app account";

    /// <summary>Reads one item of each resource and judges the answers.</summary>
    public static async Task<CheckResult> RunAsync(IStorageProbe probe, string connection, AppResourceNames names, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(names);
        AppResource[] resources =
        [
            new("checkpoint table", names.CheckpointTable, await probe.QueryTableAsync(connection, names.CheckpointTable, cancellationToken).ConfigureAwait(false)),
            new("replay table", names.ReplayTable, await probe.QueryTableAsync(connection, names.ReplayTable, cancellationToken).ConfigureAwait(false)),
            new("dead-letter container", names.DeadLetterContainer, await probe.ListContainerAsync(connection, names.DeadLetterContainer, cancellationToken).ConfigureAwait(false)),
            new("events queue", names.EventsQueue, await probe.GetQueueAsync(connection, names.EventsQueue, cancellationToken).ConfigureAwait(false)),
        ];
        return Judge(probe.AccountName(connection), connection, resources);
    }

    /// <summary>The verdict on the answers. Pure.</summary>
    public static CheckResult Judge(string? account, string connection, IReadOnlyList<AppResource> resources)
    {
        ArgumentNullException.ThrowIfNull(resources);
        string target = account ?? connection;
        var failed = resources.Where(r => !r.Answer.Succeeded).ToList();
        if (failed.Count > 0)
        {
            string reasons = string.Join("; ", failed.Select(r => StorageRefusals.Explain(r.Answer, $"{r.Kind} {r.Name}", RoleFor(r.Kind))));
            string create = failed.Any(r => StorageRefusals.IsMissing(r.Answer))
                ? "; the app creates what is missing at start (and flowlogs ingest does), the template at deployment"
                : string.Empty;
            return new CheckResult { Name = Name, Target = target, Verdict = CheckVerdict.Fail, Detail = reasons + create, Setting = connection };
        }

        string waiting = resources.FirstOrDefault(r => r.Kind == "events queue")?.Answer.Count is { } count
            ? string.Create(CultureInfo.InvariantCulture, $"; {count} {(count == 1 ? "message" : "messages")} in the events queue")
            : string.Empty;
        return new CheckResult
        {
            Name = Name,
            Target = target,
            Verdict = CheckVerdict.Pass,
            Detail = $"{string.Join(", ", resources.Select(r => $"{r.Kind} {r.Name}"))} reachable and readable{waiting}",
        };
    }

    private static string RoleFor(string kind) => kind switch
    {
        "checkpoint table" or "replay table" => "Storage Table Data Contributor",
        "events queue" => "Storage Queue Data Contributor",
        _ => "Storage Blob Data Contributor (the app has Owner)",
    };
}

/// <summary>The names of the app's resources, as its settings give them.</summary>
/// <param name="CheckpointTable">FlowLogs:Storage:CheckpointTable.</param>
/// <param name="ReplayTable">FlowLogs:Replay:StateTable.</param>
/// <param name="DeadLetterContainer">FlowLogs:Storage:DeadLetterContainer.</param>
/// <param name="EventsQueue">The queue of queue delivery.</param>
internal sealed record AppResourceNames(string CheckpointTable, string ReplayTable, string DeadLetterContainer, string EventsQueue);
