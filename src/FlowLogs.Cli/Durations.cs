using System.CommandLine.Parsing;
using System.Globalization;

namespace FlowLogs.Cli;

/// <summary>Parses durations as people write them on a command line: <c>500ms</c>, <c>10s</c>, <c>2m</c>, <c>1h</c>, or <c>hh:mm:ss</c>.</summary>
public static class Durations
{
    /// <summary>Parses <paramref name="text"/>; false when it is not a duration.</summary>
    public static bool TryParse(string text, out TimeSpan duration)
    {
        ArgumentNullException.ThrowIfNull(text);
        (string Suffix, Func<double, TimeSpan> Make)[] units =
        [
            ("ms", TimeSpan.FromMilliseconds), ("s", TimeSpan.FromSeconds), ("m", TimeSpan.FromMinutes), ("h", TimeSpan.FromHours), ("d", TimeSpan.FromDays),
        ];
        foreach ((string suffix, Func<double, TimeSpan> make) in units)
        {
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)
                && double.TryParse(text.AsSpan(0, text.Length - suffix.Length), NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
                && value >= 0)
            {
                duration = make(value);
                return true;
            }
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out duration) && duration >= TimeSpan.Zero;
    }

    /// <summary>A System.CommandLine parser for options of type <see cref="TimeSpan"/>.</summary>
    public static TimeSpan Parse(ArgumentResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        string text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
        if (TryParse(text, out TimeSpan duration))
        {
            return duration;
        }

        result.AddError($"'{text}' is not a duration: write it like 500ms, 10s, 2m, 1h or 00:00:10");
        return TimeSpan.Zero;
    }
}
