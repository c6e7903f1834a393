using System.Globalization;

namespace FlowLogs.WorkerHost;

/// <summary><c>--name value</c> pairs of the command line (a name may repeat).</summary>
internal sealed class Arguments(IEnumerable<string> args)
{
    private readonly List<(string Name, string Value)> _pairs = Pair([.. args]);

    public IReadOnlyList<string> All(string name) => [.. _pairs.Where(p => p.Name == name).Select(p => p.Value)];

    public string? Text(string name) => _pairs.LastOrDefault(p => p.Name == name).Value;

    public int Int(string name, int fallback) => Text(name) is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

    public TimeSpan Duration(string name, TimeSpan fallback)
        => Text(name) is { } value
            ? value.EndsWith("ms", StringComparison.Ordinal) ? TimeSpan.FromMilliseconds(int.Parse(value[..^2], CultureInfo.InvariantCulture))
            : value.EndsWith('s') ? TimeSpan.FromSeconds(double.Parse(value[..^1], CultureInfo.InvariantCulture))
            : TimeSpan.Parse(value, CultureInfo.InvariantCulture)
            : fallback;

    private static List<(string, string)> Pair(string[] args)
    {
        var pairs = new List<(string, string)>();
        for (int i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                throw new ArgumentException($"expected --name value, got '{args[i]}'");
            }

            pairs.Add((args[i][2..], args[++i]));
        }

        return pairs;
    }
}
