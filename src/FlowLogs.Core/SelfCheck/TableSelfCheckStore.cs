using Azure;
using Azure.Data.Tables;

namespace FlowLogs.SelfCheck;

/// <summary>
/// <see cref="ISelfCheckStore"/> in the replay's table (<c>FlowLogs:Replay:StateTable</c>), one entity in a partition
/// of its own, replaced by every self-check. The lines are capped: an entity property holds 64 KiB.
/// </summary>
internal sealed class TableSelfCheckStore(TableClient table) : ISelfCheckStore
{
    private const string Partition = "check";
    private const string Row = "last";
    private const int MaxLinesChars = 30_000;

    private readonly TableClient _table = table ?? throw new ArgumentNullException(nameof(table));

    /// <inheritdoc/>
    public async Task SaveAsync(CheckReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        string lines = string.Join('\n', report.Lines);
        var entity = new TableEntity(Partition, Row)
        {
            ["Verdict"] = report.Verdict.ToString(),
            ["Summary"] = report.Summary,
            ["Lines"] = lines.Length <= MaxLinesChars ? lines : lines[..MaxLinesChars] + "…",
            ["CheckedAt"] = report.CheckedAt,
            ["ServiceTime"] = report.ServiceTime,
        };
        await _table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<CheckReport?> GetAsync(CancellationToken cancellationToken)
    {
        NullableResponse<TableEntity> response = await _table.GetEntityIfExistsAsync<TableEntity>(Partition, Row, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!response.HasValue || !Enum.TryParse(response.Value!.GetString("Verdict"), out CheckVerdict verdict))
        {
            return null;
        }

        string lines = response.Value.GetString("Lines") ?? string.Empty;
        return new CheckReport
        {
            Verdict = verdict,
            Summary = response.Value.GetString("Summary") ?? string.Empty,
            Lines = lines.Length == 0 ? [] : lines.Split('\n'),
            CheckedAt = response.Value.GetDateTimeOffset("CheckedAt") ?? default,
            ServiceTime = response.Value.GetDateTimeOffset("ServiceTime"),
        };
    }
}
