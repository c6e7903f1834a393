using System.Globalization;
using FlowLogs.BlobSource;

namespace FlowLogs.Cli.Status;

/// <summary>Short human forms of names, sizes, ages and hours for the terminal.</summary>
internal static class Format
{
    /// <summary>
    /// A resource prefix (<c>account/container/prefix</c>, or <c>container/prefix</c>) shortened for a table: the kind
    /// (vnet, nsg, else the container), the resource group and the resource's own name (the last segment), cut in the
    /// middle to <paramref name="width"/>. The account is left out: a resource's name already tells where it is.
    /// </summary>
    public static string ShortName(string resource, int width)
    {
        ArgumentNullException.ThrowIfNull(resource);
        string[] segments = resource.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length > 1 && segments[1] is FlowLogBlob.VNetContainer or FlowLogBlob.NsgContainer)
        {
            segments = segments[1..];
        }

        if (segments.Length == 0)
        {
            return Cut(resource, width);
        }

        string kind = segments[0] switch
        {
            FlowLogBlob.VNetContainer => "vnet",
            FlowLogBlob.NsgContainer => "nsg",
            string other => other,
        };
        string[] rest = segments[1..];
        int group = Array.FindIndex(rest, s => s.Equals("RESOURCEGROUPS", StringComparison.OrdinalIgnoreCase));
        string name = group >= 0 && group + 1 < rest.Length
            ? (group + 1 == rest.Length - 1 ? rest[^1] : $"{rest[group + 1]}/{rest[^1]}")
            : string.Join('/', rest.TakeLast(2));
        return Cut(name.Length == 0 ? kind : $"{kind} {name}", width);
    }

    /// <summary><paramref name="text"/> cut in the middle with an ellipsis to at most <paramref name="width"/> characters.</summary>
    public static string Cut(string text, int width)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length <= width)
        {
            return text;
        }

        if (width <= 1)
        {
            return text[..Math.Max(width, 0)];
        }

        int head = (width - 1) / 2;
        int tail = width - 1 - head;
        return string.Concat(text.AsSpan(0, head), "…", text.AsSpan(text.Length - tail));
    }

    /// <summary>1.5 KiB, 3.2 MiB.</summary>
    public static string Bytes(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return unit == 0 ? string.Create(CultureInfo.InvariantCulture, $"{bytes} B") : string.Create(CultureInfo.InvariantCulture, $"{value:0.0} {units[unit]}");
    }

    /// <summary>45s, 12m, 3h05m, 2d04h.</summary>
    public static string Age(TimeSpan age)
    {
        if (age < TimeSpan.Zero)
        {
            age = TimeSpan.Zero;
        }

        return age.TotalMinutes < 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)age.TotalSeconds}s")
            : age.TotalHours < 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)age.TotalMinutes}m")
            : age.TotalDays < 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)age.TotalHours}h{age.Minutes:00}m")
            : string.Create(CultureInfo.InvariantCulture, $"{(int)age.TotalDays}d{age.Hours:00}h");
    }

    /// <summary>An hour as <c>2026-11-29 14:00</c> (UTC).</summary>
    public static string Hour(DateTimeOffset hour) => hour.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    /// <summary>The span of a window of hours: <c>24 h</c>.</summary>
    public static string Hours(DateTimeOffset from, DateTimeOffset to) => string.Create(CultureInfo.InvariantCulture, $"{(int)((to - from).TotalHours + 1)} h");

    /// <summary>A count with thousands separators.</summary>
    public static string Count(long count) => count.ToString("#,0", CultureInfo.InvariantCulture);
}
