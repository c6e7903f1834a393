using Azure;
using Azure.Data.Tables;
using FlowLogs.Checkpoints;

namespace FlowLogs.Replay;

/// <summary>
/// <see cref="IReplayStateStore"/> in Azure Table Storage. Prefixes and completions written before they carried their
/// account are read as the first flow-log account's (<paramref name="legacyAccount"/>), which wrote them.
/// </summary>
internal sealed class TableReplayStateStore(TableClient table, string? legacyAccount) : IReplayStateStore
{
    private const string PrefixPartition = "prefix";
    private const string RunPartition = "run";

    private readonly TableClient _table = table ?? throw new ArgumentNullException(nameof(table));

    /// <summary>Creates the table if needed.</summary>
    public async Task CreateIfNotExistsAsync(CancellationToken cancellationToken) => await _table.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);

    /// <inheritdoc/>
    public async Task<IReadOnlyList<ResourcePrefix>> GetPrefixesAsync(CancellationToken cancellationToken)
    {
        // A prefix written before accounts and again since is one prefix.
        var prefixes = new HashSet<ResourcePrefix>();
        await foreach (TableEntity entity in _table.QueryAsync<TableEntity>(e => e.PartitionKey == PrefixPartition, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if ((entity.GetString("Account") ?? legacyAccount) is { } account)
            {
                prefixes.Add(new ResourcePrefix(account, entity.GetString("Container"), entity.GetString("Prefix")));
            }
        }

        return [.. prefixes];
    }

    /// <summary>Up to <paramref name="max"/> prefixes written before prefixes carried their account, as written.</summary>
    public async Task<IReadOnlyList<(string Container, string Prefix)>> GetLegacyPrefixesAsync(int max, CancellationToken cancellationToken)
    {
        var legacy = new List<(string Container, string Prefix)>();
        await foreach (TableEntity entity in _table.QueryAsync<TableEntity>(e => e.PartitionKey == PrefixPartition, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (entity.GetString("Account") is null && legacy.Count < max)
            {
                legacy.Add((entity.GetString("Container"), entity.GetString("Prefix")));
            }
        }

        return legacy;
    }

    /// <inheritdoc/>
    public async Task AddPrefixAsync(ResourcePrefix prefix, CancellationToken cancellationToken)
    {
        var entity = new TableEntity(PrefixPartition, CheckpointKeys.Row(prefix.Key)) { ["Account"] = prefix.Account, ["Container"] = prefix.Container, ["Prefix"] = prefix.Prefix };
        await _table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlySet<string>> GetCompletedAsync(DateTimeOffset hour, CancellationToken cancellationToken)
    {
        string partition = CompletePartition(hour);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        await foreach (TableEntity entity in _table.QueryAsync<TableEntity>(e => e.PartitionKey == partition, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            string key = entity.GetString("Key");
            if (entity.GetString("Account") is not null)
            {
                keys.Add(key);
            }
            else if (legacyAccount is not null)
            {
                keys.Add($"{legacyAccount}/{key}");
            }
        }

        return keys;
    }

    /// <inheritdoc/>
    public async Task MarkCompleteAsync(DateTimeOffset hour, ResourcePrefix prefix, CancellationToken cancellationToken)
    {
        var entity = new TableEntity(CompletePartition(hour), CheckpointKeys.Row(prefix.Key)) { ["Key"] = prefix.Key, ["Account"] = prefix.Account, ["Completed"] = DateTimeOffset.UtcNow };
        await _table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<ReplayRunState?> GetRunStateAsync(CancellationToken cancellationToken)
    {
        NullableResponse<TableEntity> response = await _table.GetEntityIfExistsAsync<TableEntity>(RunPartition, "last", cancellationToken: cancellationToken).ConfigureAwait(false);
        return response.HasValue
            ? new ReplayRunState(
                response.Value!.GetDateTimeOffset("LastRun") ?? default,
                response.Value.GetDateTimeOffset("LastDiscovery"),
                response.Value.GetDateTimeOffset("ResumeFrom"),
                response.Value.GetBoolean("LastRunSucceeded") ?? true)
            : null;
    }

    /// <inheritdoc/>
    public async Task SaveRunStateAsync(ReplayRunState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        var entity = new TableEntity(RunPartition, "last") { ["LastRun"] = state.LastRun, ["LastDiscovery"] = state.LastDiscovery, ["ResumeFrom"] = state.ResumeFrom, ["LastRunSucceeded"] = state.LastRunSucceeded };
        await _table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    private static string CompletePartition(DateTimeOffset hour) => "complete-" + CheckpointKeys.Partition(hour);
}
