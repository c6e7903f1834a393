namespace FlowLogs.SelfCheck;

/// <summary>
/// A flow-log account, from the data plane: reachable, and both flow-log containers listable by this identity. A
/// container that does not exist yet is fine (no flow log of that kind was written); both missing is suspicious.
/// </summary>
internal static class FlowLogAccountCheck
{
    /// <summary>The check's name.</summary>
    public const string Name = "flow-log account";

    private const string Role = "Storage Blob Data Reader (limited to the flow-log containers by the template's condition)";

    /// <summary>Lists one blob of each container of the account behind <paramref name="connection"/> and judges the answers.</summary>
    public static async Task<CheckResult> RunAsync(IStorageProbe probe, string connection, IReadOnlyList<string> containers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(containers);
        var answers = new List<(string, StorageAnswer)>();
        foreach (string container in containers)
        {
            answers.Add((container, await probe.ListContainerAsync(connection, container, cancellationToken).ConfigureAwait(false)));
        }

        return Judge(probe.AccountName(connection), connection, answers);
    }

    /// <summary>The verdict on the answers to listing each flow-log container. Pure.</summary>
    public static CheckResult Judge(string? account, string connection, IReadOnlyList<(string Container, StorageAnswer Answer)> answers)
    {
        ArgumentNullException.ThrowIfNull(answers);
        string target = account ?? connection;
        var failed = answers.Where(a => !a.Answer.Succeeded && !StorageRefusals.IsMissing(a.Answer)).ToList();
        if (failed.Count > 0)
        {
            string reasons = string.Join("; ", failed.Select(f => StorageRefusals.Explain(f.Answer, f.Container, Role)));
            string wayOut = failed.Any(f => StorageRefusals.IsFirewall(f.Answer)) ? "; " + FirewallWayOut : string.Empty;
            return new CheckResult { Name = Name, Target = target, Verdict = CheckVerdict.Fail, Detail = reasons + wayOut, Setting = connection };
        }

        string[] missing = [.. answers.Where(a => StorageRefusals.IsMissing(a.Answer)).Select(a => a.Container)];
        if (missing.Length == answers.Count)
        {
            return new CheckResult
            {
                Name = Name,
                Target = target,
                Verdict = CheckVerdict.Warn,
                Detail = $"reachable, but neither flow-log container exists ({string.Join(", ", missing)}): is this the account Network Watcher writes the flow logs to?",
                Setting = connection,
            };
        }

        string listed = string.Join(", ", answers.Where(a => a.Answer.Succeeded).Select(a => a.Container));
        string absent = missing.Length == 0 ? string.Empty : $"; {string.Join(", ", missing)} not there yet (no flow log of that kind written)";
        return new CheckResult { Name = Name, Target = target, Verdict = CheckVerdict.Pass, Detail = $"reachable; {listed} listable{absent}" };
    }

    /// <summary>What to do when an account's firewall refuses the app (infra/README.md says it at length).</summary>
    internal const string FirewallWayOut =
        "the app without privateNetworking has no fixed outbound address and is not a trusted Azure service, so no network rule of the account lets it in: " +
        "deploy with privateNetworking and give the account a private endpoint for blob in the app's network, or allow public network access on the account " +
        "(infra/README.md, \"Flow-log accounts behind a firewall\"); run from elsewhere, this check needs the machine's address allowed";
}
