using System.Globalization;

namespace FlowLogs.BlobSource;

/// <summary>
/// The hour and MAC a flow-log blob is for, read from the <c>y=/m=/d=/h=/macAddress=</c> segments of its name, whatever
/// the resource prefix before them looks like (it differs between kinds and between Microsoft's own pages).
/// </summary>
internal readonly record struct BlobPath(DateTimeOffset Hour, string? MacAddress, string ResourcePrefix)
{
    /// <summary>The folder of an hour's blobs under a resource prefix: <c>y=2026/m=11/d=29/h=14/</c>.</summary>
    public static string HourFolder(DateTimeOffset hour)
    {
        DateTimeOffset h = HourOf(hour);
        return string.Create(CultureInfo.InvariantCulture, $"y={h:yyyy}/m={h:MM}/d={h:dd}/h={h:HH}/");
    }

    /// <summary>The UTC hour <paramref name="time"/> falls in: the hour a blob written then is for.</summary>
    public static DateTimeOffset HourOf(DateTimeOffset time)
    {
        DateTimeOffset utc = time.ToUniversalTime();
        return new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, TimeSpan.Zero);
    }

    /// <summary>Parses a blob name; false when it has no complete <c>y=/m=/d=/h=</c> run.</summary>
    public static bool TryParse(string name, out BlobPath path)
    {
        ArgumentNullException.ThrowIfNull(name);
        path = default;
        string[] segments = name.Split('/');
        for (int i = 0; i + 3 < segments.Length; i++)
        {
            if (!segments[i].StartsWith("y=", StringComparison.Ordinal)
                || !segments[i + 1].StartsWith("m=", StringComparison.Ordinal)
                || !segments[i + 2].StartsWith("d=", StringComparison.Ordinal)
                || !segments[i + 3].StartsWith("h=", StringComparison.Ordinal))
            {
                continue;
            }

            if (!int.TryParse(segments[i].AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out int year)
                || !int.TryParse(segments[i + 1].AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out int month)
                || !int.TryParse(segments[i + 2].AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out int day)
                || !int.TryParse(segments[i + 3].AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out int hour)
                || year is < 2000 or > 9999 || month is < 1 or > 12 || hour > 23 || day < 1 || day > DateTime.DaysInMonth(year, month))
            {
                return false;
            }

            string? mac = null;
            for (int j = i + 4; j < segments.Length; j++)
            {
                if (segments[j].StartsWith("macAddress=", StringComparison.Ordinal))
                {
                    mac = segments[j]["macAddress=".Length..];
                }
            }

            path = new BlobPath(new DateTimeOffset(year, month, day, hour, 0, 0, TimeSpan.Zero), mac, string.Join('/', segments, 0, i));
            return true;
        }

        return false;
    }
}

/// <summary>
/// When an hour's flow-log blobs stop changing: the one rule the processor and the replay both go by. Every time given
/// to it is the storage service's (a blob's Last-Modified is the service's clock): an instance's own clock is never
/// compared with it.
/// </summary>
internal static class HourCompletion
{
    /// <summary>Whether <paramref name="hour"/> is over by <paramref name="grace"/> at <paramref name="now"/> (the storage service's time).</summary>
    public static bool IsOver(DateTimeOffset hour, TimeSpan grace, DateTimeOffset now) => hour.AddHours(1) + grace <= now;

    /// <summary>
    /// Whether a blob of <paramref name="hour"/> last changed at <paramref name="lastModified"/> (null when not known)
    /// is final: its hour is over by the grace and it has not changed for as long, so Azure writes no more to it.
    /// </summary>
    public static bool IsFinal(DateTimeOffset hour, DateTimeOffset? lastModified, TimeSpan grace, DateTimeOffset now)
        => IsOver(hour, grace, now) && (lastModified is not { } modified || modified + grace <= now);

    /// <summary>Whether <paramref name="blob"/>, as <paramref name="snapshot"/> lists it, is final at <paramref name="now"/>; a blob whose name holds no hour never is.</summary>
    public static bool IsFinal(FlowLogBlob blob, BlockListSnapshot snapshot, TimeSpan grace, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(blob);
        ArgumentNullException.ThrowIfNull(snapshot);
        return BlobPath.TryParse(blob.Name, out BlobPath path) && IsFinal(path.Hour, snapshot.LastModified, grace, now);
    }
}
