using System.Runtime.CompilerServices;
using Azure;
using Azure.Data.Tables;

namespace FlowLogs.Checkpoints;

/// <summary><see cref="ICheckpointStore"/> in Azure Table Storage: one entity per blob, every write conditional.</summary>
internal sealed class TableCheckpointStore : ICheckpointStore
{
    private readonly TableClient _table;

    /// <summary>Uses <paramref name="table"/>, which must exist (see <see cref="CreateIfNotExistsAsync"/>).</summary>
    public TableCheckpointStore(TableClient table) => _table = table ?? throw new ArgumentNullException(nameof(table));

    /// <summary>Creates the table if needed.</summary>
    public async Task CreateIfNotExistsAsync(CancellationToken cancellationToken) => await _table.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);

    /// <inheritdoc/>
    public async Task<StoredCheckpoint?> GetAsync(string blobName, CancellationToken cancellationToken)
    {
        NullableResponse<TableEntity> response = await _table.GetEntityIfExistsAsync<TableEntity>(
            CheckpointKeys.Partition(blobName), CheckpointKeys.Row(blobName), cancellationToken: cancellationToken).ConfigureAwait(false);
        return response.HasValue ? new StoredCheckpoint(FromEntity(response.Value!), response.Value!.ETag) : null;
    }

    /// <inheritdoc/>
    public async Task<StoredCheckpoint?> TryAddAsync(BlobCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        try
        {
            Response response = await _table.AddEntityAsync(ToEntity(checkpoint), cancellationToken).ConfigureAwait(false);
            return new StoredCheckpoint(checkpoint, response.Headers.ETag ?? default);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return null;
        }
    }

    /// <inheritdoc/>
    public async Task<StoredCheckpoint?> TryReplaceAsync(BlobCheckpoint checkpoint, ETag ifMatch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        try
        {
            Response response = await _table.UpdateEntityAsync(ToEntity(checkpoint), ifMatch, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            return new StoredCheckpoint(checkpoint, response.Headers.ETag ?? default);
        }
        catch (RequestFailedException ex) when (ex.Status is 412 or 404)
        {
            return null;
        }
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<BlobCheckpoint> ListHourAsync(DateTimeOffset hour, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // One range query over the hour's buckets (the service pages at each partition's end).
        (string first, string last) = CheckpointKeys.PartitionsOf(hour);
        string filter = TableClient.CreateQueryFilter($"PartitionKey ge {first} and PartitionKey le {last}");
        await foreach (TableEntity entity in _table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            yield return FromEntity(entity);
        }
    }

    private static TableEntity ToEntity(BlobCheckpoint c) => new(CheckpointKeys.Partition(c.BlobName), CheckpointKeys.Row(c.BlobName))
    {
        ["BlobName"] = c.BlobName,
        ["Offset"] = c.Offset,
        ["BlocksConsumed"] = c.BlocksConsumed,
        ["ConsumedBlocksDigest"] = c.ConsumedBlocksDigest,
        ["BlobETag"] = c.BlobETag,
        ["BlobLength"] = c.BlobLength,
        ["DocumentMode"] = c.DocumentMode,
        ["Restarts"] = c.Restarts,
        ["PartialRecordOffset"] = c.PartialRecordOffset,
        ["PartialRecordTuples"] = c.PartialRecordTuples,
        ["EventsDelivered"] = c.EventsDelivered,
        ["DeadLettered"] = c.DeadLettered,
        ["LastAnomaly"] = c.LastAnomaly,
        ["FirstSeen"] = c.FirstSeen,
        ["Updated"] = c.Updated,
        ["Progressed"] = c.Progressed,
        ["ClaimOwner"] = c.ClaimOwner,
        ["ClaimExpires"] = c.ClaimExpires,
        ["Pending"] = c.Pending,
    };

    private static BlobCheckpoint FromEntity(TableEntity e) => new()
    {
        BlobName = e.GetString("BlobName"),
        Offset = e.GetInt64("Offset") ?? 0,
        BlocksConsumed = e.GetInt32("BlocksConsumed") ?? 0,
        ConsumedBlocksDigest = e.GetString("ConsumedBlocksDigest"),
        BlobETag = e.GetString("BlobETag"),
        BlobLength = e.GetInt64("BlobLength") ?? 0,
        DocumentMode = e.GetBoolean("DocumentMode") ?? false,
        Restarts = e.GetInt32("Restarts") ?? 0,
        PartialRecordOffset = e.GetInt64("PartialRecordOffset"),
        PartialRecordTuples = e.GetInt32("PartialRecordTuples") ?? 0,
        EventsDelivered = e.GetInt64("EventsDelivered") ?? 0,
        DeadLettered = e.GetInt64("DeadLettered") ?? 0,
        LastAnomaly = e.GetString("LastAnomaly"),
        FirstSeen = e.GetDateTimeOffset("FirstSeen") ?? default,
        Updated = e.GetDateTimeOffset("Updated") ?? default,
        Progressed = e.GetDateTimeOffset("Progressed"),
        ClaimOwner = e.GetString("ClaimOwner"),
        ClaimExpires = e.GetDateTimeOffset("ClaimExpires"),
        Pending = e.GetBoolean("Pending") ?? false,
    };
}
