using System.Globalization;
using Azure;
using Azure.Data.Tables;
using FlowLogs.Checkpoints;

namespace FlowLogs.Replay;

/// <summary>
/// <see cref="IReplayStateStore"/> in Azure Table Storage: prefixes in one partition, account walks in another, the
/// marks of each hour in a partition of the hour's own, the last run in one entity.
/// </summary>
internal sealed class TableReplayStateStore(TableClient table) : IReplayStateStore
{
    private const string PrefixPartition = "prefix";
    private const string WalkPartition = "walk";
    private const string RunPartition = "run";

    private readonly TableClient _table = table ?? throw new ArgumentNullException(nameof(table));

    /// <summary>Creates the table if needed.</summary>
    public async Task CreateIfNotExistsAsync(CancellationToken cancellationToken) => await _table.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);

    /// <inheritdoc/>
    public async Task<IReadOnlyList<ResourcePrefix>> GetPrefixesAsync(CancellationToken cancellationToken)
    {
        var prefixes = new List<ResourcePrefix>();
        await foreach (TableEntity entity in _table.QueryAsync<TableEntity>(e => e.PartitionKey == PrefixPartition, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            prefixes.Add(new ResourcePrefix(entity.GetString("Account"), entity.GetString("Container"), entity.GetString("Prefix")));
        }

        return prefixes;
    }

    /// <inheritdoc/>
    public async Task AddPrefixAsync(ResourcePrefix prefix, CancellationToken cancellationToken)
    {
        var entity = new TableEntity(PrefixPartition, CheckpointKeys.Row(prefix.Key)) { ["Account"] = prefix.Account, ["Container"] = prefix.Container, ["Prefix"] = prefix.Prefix };
        await _table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<AccountWalk>> GetWalksAsync(CancellationToken cancellationToken)
    {
        var walks = new List<AccountWalk>();
        await foreach (TableEntity entity in _table.QueryAsync<TableEntity>(e => e.PartitionKey == WalkPartition, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            walks.Add(new AccountWalk(entity.GetString("Account"), entity.GetDateTimeOffset("FirstSeen") ?? default, entity.GetDateTimeOffset("LastWalked")));
        }

        return walks;
    }

    /// <inheritdoc/>
    public async Task SaveWalkAsync(AccountWalk walk, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(walk);
        var entity = new TableEntity(WalkPartition, CheckpointKeys.Row(walk.Account)) { ["Account"] = walk.Account, ["FirstSeen"] = walk.FirstSeen, ["LastWalked"] = walk.LastWalked };
        await _table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyDictionary<string, HourMark>> GetHourMarksAsync(DateTimeOffset hour, CancellationToken cancellationToken)
    {
        string partition = HourPartition(hour);
        var marks = new Dictionary<string, HourMark>(StringComparer.Ordinal);
        await foreach (TableEntity entity in _table.QueryAsync<TableEntity>(e => e.PartitionKey == partition, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            marks[entity.GetString("Key")] = new HourMark(entity.GetDateTimeOffset("Completed") ?? default, entity.GetBoolean("Rechecked") ?? false);
        }

        return marks;
    }

    /// <inheritdoc/>
    public async Task MarkHourAsync(DateTimeOffset hour, ResourcePrefix prefix, HourMark mark, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(mark);
        var entity = new TableEntity(HourPartition(hour), CheckpointKeys.Row(prefix.Key)) { ["Key"] = prefix.Key, ["Completed"] = mark.Completed, ["Rechecked"] = mark.Rechecked };
        await _table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<ReplayRunState?> GetRunStateAsync(CancellationToken cancellationToken)
    {
        NullableResponse<TableEntity> response = await _table.GetEntityIfExistsAsync<TableEntity>(RunPartition, "last", cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!response.HasValue)
        {
            return null;
        }

        TableEntity e = response.Value!;
        double? skew = e.GetDouble("ClockSkewSeconds");
        return new ReplayRunState(
            e.GetDateTimeOffset("LastRun") ?? default,
            e.GetDateTimeOffset("ResumeFrom") ?? default,
            e.GetBoolean("LastRunSucceeded") ?? true,
            skew is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
            e.GetInt64("StorageThrottled") ?? 0);
    }

    /// <inheritdoc/>
    public async Task SaveRunStateAsync(ReplayRunState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        var entity = new TableEntity(RunPartition, "last")
        {
            ["LastRun"] = state.LastRun,
            ["ResumeFrom"] = state.ResumeFrom,
            ["LastRunSucceeded"] = state.LastRunSucceeded,
            ["ClockSkewSeconds"] = state.ClockSkew?.TotalSeconds,
            ["StorageThrottled"] = state.StorageThrottled,
        };
        await _table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    private static string HourPartition(DateTimeOffset hour) => string.Create(CultureInfo.InvariantCulture, $"hour-{hour.UtcDateTime:yyyyMMddHH}");
}
