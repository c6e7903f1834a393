using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using FlowLogs.BlobSource;

namespace FlowLogs.Checkpoints;

/// <summary>
/// Table keys of a blob's checkpoint. The partition is the blob's hour and one of <see cref="Spread"/> buckets picked by
/// a hash of its name (<c>yyyyMMddHH-b</c>): every NIC commits into the current hour at once, and one partition serves
/// about 2,000 entities a second, so an hour's checkpoints are spread until the account's limits, not a partition's,
/// bind first; the replay reads an hour's buckets with one range query. The row key is the blob's full name, with the
/// characters Table keys forbid (<c>/ \ # ?</c>, control characters) and <c>%</c> escaped as <c>%XX</c>, so it stays
/// readable.
/// </summary>
internal static class CheckpointKeys
{
    /// <summary>
    /// Partitions an hour's checkpoints are spread over (hexadecimal buckets <c>0</c> to <c>f</c>). At most 16: one
    /// hexadecimal digit keeps every bucket between <see cref="PartitionsOf"/>'s bounds in ordinal order.
    /// </summary>
    public const int Spread = 16;

    /// <summary>Partition of blobs whose name holds no hour.</summary>
    public const string NoHourPartition = "no-hour";

    // Table keys may be up to 1 KiB; names longer than this are hashed instead of escaped.
    private const int MaxReadableRowKey = 512;

    /// <summary>The first and last partition keys of the hour <paramref name="hour"/>'s buckets.</summary>
    public static (string First, string Last) PartitionsOf(DateTimeOffset hour)
    {
        string prefix = hour.UtcDateTime.ToString("yyyyMMddHH", CultureInfo.InvariantCulture);
        return ($"{prefix}-0", $"{prefix}-{Spread - 1:x}");
    }

    /// <summary>The partition key of a blob: its hour and bucket, or <see cref="NoHourPartition"/>.</summary>
    public static string Partition(string blobFullName)
    {
        ArgumentNullException.ThrowIfNull(blobFullName);
        if (!BlobPath.TryParse(blobFullName, out BlobPath path))
        {
            return NoHourPartition;
        }

        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(blobFullName), hash);
        return string.Create(CultureInfo.InvariantCulture, $"{path.Hour.UtcDateTime:yyyyMMddHH}-{hash[0] % Spread:x}");
    }

    /// <summary>The row key of a blob.</summary>
    public static string Row(string blobFullName)
    {
        ArgumentNullException.ThrowIfNull(blobFullName);
        var key = new StringBuilder(blobFullName.Length + 16);
        foreach (char c in blobFullName)
        {
            if (c is '/' or '\\' or '#' or '?' or '%' || char.IsControl(c))
            {
                key.Append(CultureInfo.InvariantCulture, $"%{(int)c:X2}");
            }
            else
            {
                key.Append(c);
            }
        }

        if (key.Length <= MaxReadableRowKey)
        {
            return key.ToString();
        }

        // Too long to read anyway: a hash, the full name stays in the entity's BlobName.
        return "~sha256~" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(blobFullName)));
    }
}
