using Azure;
using Azure.Data.Tables;

namespace FlowLogs.SelfCheck;

/// <summary>
/// <see cref="ISelfCheckStore"/> in the replay's table (<c>FlowLogs:Replay:StateTable</c>), one entity in a partition
/// of its own, replaced by every self-check. Findings are capped: an entity property holds 64 KiB.
/// </summary>
internal sealed class TableSelfCheckStore(TableClient table) : ISelfCheckStore
{
    private const string Partition = "check";
    private const string Row = "last";
    private const int MaxFindingsChars = 30_000;

    private readonly TableClient _table = table ?? throw new ArgumentNullException(nameof(table));

    /// <inheritdoc/>
    public async Task SaveAsync(SelfCheckRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        string findings = string.Join('\n', record.Findings);
        var entity = new TableEntity(Partition, Row)
        {
            ["Verdict"] = record.Verdict.ToString(),
            ["Summary"] = record.Summary,
            ["Findings"] = findings.Length <= MaxFindingsChars ? findings : findings[..MaxFindingsChars] + "…",
            ["CheckedAt"] = record.CheckedAt,
        };
        await _table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<SelfCheckRecord?> GetAsync(CancellationToken cancellationToken)
    {
        NullableResponse<TableEntity> response = await _table.GetEntityIfExistsAsync<TableEntity>(Partition, Row, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!response.HasValue || !Enum.TryParse(response.Value!.GetString("Verdict"), out CheckVerdict verdict))
        {
            return null;
        }

        string findings = response.Value.GetString("Findings") ?? string.Empty;
        return new SelfCheckRecord
        {
            Verdict = verdict,
            Summary = response.Value.GetString("Summary") ?? string.Empty,
            Findings = findings.Length == 0 ? [] : findings.Split('\n'),
            CheckedAt = response.Value.GetDateTimeOffset("CheckedAt") ?? default,
        };
    }
}
