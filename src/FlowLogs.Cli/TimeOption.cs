using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace FlowLogs.Cli;

/// <summary>
/// Options that take a duration (<c>500ms</c>, <c>10s</c>, <c>2m</c>, <c>1h</c>, <c>2d</c> or <c>hh:mm:ss</c>) or a time
/// (a UTC time such as <c>2026-11-23T10:00Z</c>, or an age before now such as <c>6h</c>): one parser for every such
/// option, and a value it refuses is a parse error that names the option.
/// </summary>
internal static class TimeOption
{
    private static readonly (string Suffix, Func<double, TimeSpan> Make)[] Units =
    [
        ("ms", TimeSpan.FromMilliseconds), ("s", TimeSpan.FromSeconds), ("m", TimeSpan.FromMinutes), ("h", TimeSpan.FromHours), ("d", TimeSpan.FromDays),
    ];

    /// <summary>An option that takes a duration, <paramref name="byDefault"/> when not given.</summary>
    public static Option<TimeSpan> Duration(string name, string description, TimeSpan byDefault) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => byDefault,
        CustomParser = result => Parse(result, TryParseDuration, TimeSpan.Zero, "a duration (500ms, 10s, 2m, 1h or 00:00:10)"),
    };

    /// <summary>An option that takes a time, null when not given; an age is taken back from the time the command line is parsed.</summary>
    public static Option<DateTimeOffset?> Time(string name, string description) => new(name)
    {
        Description = description,
        CustomParser = result => Parse<DateTimeOffset?>(result, TryParseTimeFromNow, null, "a UTC time (2026-11-23T10:00Z) or an age (6h, 30m)"),
    };

    /// <summary>Parses a duration; false when <paramref name="text"/> is not one (negative ones are not).</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach ((string suffix, Func<double, TimeSpan> make) in Units)
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

    /// <summary>
    /// Parses a time: an age before <paramref name="now"/>, else a time, in UTC unless it names its offset; the result is
    /// in UTC. False when <paramref name="text"/> is neither.
    /// </summary>
    public static bool TryParseTime(string text, DateTimeOffset now, out DateTimeOffset time)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (TryParseDuration(text, out TimeSpan age))
        {
            time = (now - age).ToUniversalTime();
            return true;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time);
    }

    private delegate bool TryParse<T>(string text, out T value);

    private static bool TryParseTimeFromNow(string text, out DateTimeOffset? time)
    {
        bool parsed = TryParseTime(text, DateTimeOffset.UtcNow, out DateTimeOffset value);
        time = parsed ? value : null;
        return parsed;
    }

    // The value is not repeated in the error: it is the option's rule that says what to write.
    private static T Parse<T>(ArgumentResult result, TryParse<T> tryParse, T none, string takes)
    {
        string text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
        if (tryParse(text, out T value))
        {
            return value;
        }

        string option = result.Parent is OptionResult parent ? parent.Option.Name : "the value";
        result.AddError($"{option} takes {takes}");
        return none;
    }
}
