using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using FlowLogs.BlobSource;

namespace FlowLogs.Checkpoints;

/// <summary>
/// Table keys of a blob's checkpoint. The partition is the blob's hour (<c>yyyyMMddHH</c>), so the replay reads all
/// checkpoints of an hour with one query; the row key is the blob's full name, with the characters Table keys forbid
/// (<c>/ \ # ?</c>, control characters) and <c>%</c> escaped as <c>%XX</c>, so it stays readable.
/// </summary>
internal static class CheckpointKeys
{
    /// <summary>Partition of blobs whose name holds no hour.</summary>
    public const string NoHourPartition = "no-hour";

    // Table keys may be up to 1 KiB; names longer than this are hashed instead of escaped.
    private const int MaxReadableRowKey = 512;

    /// <summary>The partition key of the hour <paramref name="hour"/>.</summary>
    public static string Partition(DateTimeOffset hour) => hour.UtcDateTime.ToString("yyyyMMddHH", CultureInfo.InvariantCulture);

    /// <summary>The partition key of a blob: its hour, or <see cref="NoHourPartition"/>.</summary>
    public static string Partition(string blobFullName)
    {
        ArgumentNullException.ThrowIfNull(blobFullName);
        return BlobPath.TryParse(blobFullName, out BlobPath path) ? Partition(path.Hour) : NoHourPartition;
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
