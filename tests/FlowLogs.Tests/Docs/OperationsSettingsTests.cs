using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using FlowLogs.Hosting;
using FlowLogs.Processing;
using FlowLogs.Replay;
using FlowLogs.Sinks;
using FlowLogs.Sinks.Sekoia;
using FlowLogs.Testing;

namespace FlowLogs.Tests.Docs;

/// <summary>
/// docs/operations.md lists every setting an operator can set, with its default, in one table per section. The options
/// classes are the truth: these tests fail when a property is added, renamed or removed, or its default changes,
/// without the document following.
/// </summary>
public partial class OperationsSettingsTests
{
    private static readonly Type[] OptionsClasses =
        [typeof(StorageOptions), typeof(BlobProcessorOptions), typeof(ReplayOptions), typeof(SinkOptions), typeof(SekoiaIntakeOptions), typeof(FlowLogs.SelfCheck.SelfCheckOptions)];

    private static readonly string DocumentPath = Path.Combine(RepositoryRoot.Path, "docs", "operations.md");

    [Test]
    public void TheOperationsDocumentListsEverySettingWithItsDefault()
    {
        string document = File.ReadAllText(DocumentPath);
        List<Row> rows = Rows(document);
        TestContext.Out.WriteLine($"{rows.Count} settings rows in docs/operations.md, {Settings().Count} settings in the options classes");
        Assert.That(Problems(document), Is.Empty);
    }

    [Test]
    public void TheOptionsClassesAreFoundWithTheirSettings()
    {
        Dictionary<string, PropertyInfo> settings = Settings();

        // The reflection finds what it should: it cannot pass by finding nothing.
        Assert.That(settings.Keys, Is.SupersetOf(new[]
        {
            "FlowLogs:Storage:CheckpointTable", "FlowLogs:Processing:ClaimDuration", "FlowLogs:Processing:InvocationTimeout",
            "FlowLogs:Replay:MaxLookbackHours", "FlowLogs:Replay:Containers", "FlowLogs:Sink:Kind", "FlowLogs:Sekoia:IntakeKey",
        }));
        Assert.That(settings.Keys, Has.None.EndsWith(":SectionName"), "constants are not settings");
    }

    [Test]
    public void TheCheckFindsAMissingRowAnUnknownSettingAndAWrongDefault()
    {
        string document = File.ReadAllText(DocumentPath);
        string row = document.Split('\n').Single(line => line.StartsWith("| `FlowLogs:Sekoia:RetryBudget` |", StringComparison.Ordinal));

        string withoutRow = document.Replace(row + "\n", string.Empty, StringComparison.Ordinal);
        string withUnknown = document + "\nSet `FlowLogs__Sekoia__RetryCount` to retry more.\n";
        string withWrongDefault = document.Replace(row, row.Replace("| 3 min |", "| 5 min |", StringComparison.Ordinal), StringComparison.Ordinal);
        string withRowElsewhere = document.Replace(row + "\n", string.Empty, StringComparison.Ordinal)
            .Replace("| `FlowLogs:Sink:Kind` |", row + "\n| `FlowLogs:Sink:Kind` |", StringComparison.Ordinal);

        Assert.Multiple(() =>
        {
            Assert.That(Problems(withoutRow), Has.Some.Contains("FlowLogs:Sekoia:RetryBudget is not in a settings table"));
            Assert.That(Problems(withUnknown), Has.Some.Contains("FlowLogs:Sekoia:RetryCount is named but is no property"));
            Assert.That(Problems(withWrongDefault), Has.Some.Contains("FlowLogs:Sekoia:RetryBudget: the document says 5 min"));
            Assert.That(Problems(withRowElsewhere), Has.Some.Contains("FlowLogs:Sekoia:RetryBudget is listed under"));
        });
    }

    [TestCase("4 MiB", typeof(int), 4 * 1024 * 1024)]
    [TestCase("250,000", typeof(int), 250_000)]
    [TestCase("168", typeof(int), 168)]
    [TestCase("`sekoia`", typeof(string), "sekoia")]
    [TestCase("–", typeof(string), "")]
    public void DefaultsAreReadAsWritten(string cell, Type type, object expected)
        => Assert.That(ReadDefault(cell, type), Is.EqualTo(expected));

    [TestCase("5 min", 300)]
    [TestCase("30 s", 30)]
    [TestCase("2 h", 7200)]
    [TestCase("00:05:00", 300)]
    public void DurationsAreReadAsWritten(string cell, int seconds)
        => Assert.That(ReadDefault(cell, typeof(TimeSpan)), Is.EqualTo(TimeSpan.FromSeconds(seconds)));

    /// <summary>What is wrong with <paramref name="document"/> against the options classes, in words; empty when nothing.</summary>
    private static List<string> Problems(string document)
    {
        Dictionary<string, PropertyInfo> settings = Settings();
        List<Row> rows = Rows(document);
        var problems = new List<string>();

        foreach (IGrouping<string, Row> twice in rows.GroupBy(r => r.Setting).Where(g => g.Count() > 1))
        {
            problems.Add($"{twice.Key} is listed {twice.Count()} times");
        }

        foreach (string setting in settings.Keys.Where(s => rows.All(r => r.Setting != s)))
        {
            problems.Add($"{setting} is not in a settings table");
        }

        // Every setting named anywhere in the document, in either spelling, is a property.
        foreach (string named in SettingName().Matches(document).Select(m => $"FlowLogs:{m.Groups["section"].Value}:{m.Groups["property"].Value}").Distinct())
        {
            if (!settings.ContainsKey(named))
            {
                problems.Add($"{named} is named but is no property of the options classes");
            }
        }

        foreach (Row row in rows.Where(r => settings.ContainsKey(r.Setting)))
        {
            PropertyInfo property = settings[row.Setting];
            string section = row.Setting[..row.Setting.LastIndexOf(':')];
            if (row.Heading != $"`{section}`")
            {
                problems.Add($"{row.Setting} is listed under '{row.Heading}', not under '`{section}`'");
            }

            object? actual = property.GetValue(Activator.CreateInstance(property.DeclaringType!));
            object? documented;
            try
            {
                documented = ReadDefault(row.Default, property.PropertyType);
            }
            catch (FormatException ex)
            {
                problems.Add($"{row.Setting}: cannot read the default '{row.Default}': {ex.Message}");
                continue;
            }

            if (!SameDefault(documented, actual))
            {
                problems.Add($"{row.Setting}: the document says {row.Default}, the class {Describe(actual)}");
            }
        }

        return problems;
    }

    /// <summary>
    /// <c>Section:Property</c> → property, for every property configuration binding sets: public settable ones, and
    /// collections it fills in place (<see cref="ReplayOptions.Containers"/>).
    /// </summary>
    private static Dictionary<string, PropertyInfo> Settings() =>
        OptionsClasses.SelectMany(type =>
        {
            string section = (string)type.GetField("SectionName", BindingFlags.Public | BindingFlags.Static)!.GetRawConstantValue()!;
            return type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Where(p => p.SetMethod?.IsPublic == true || (p.PropertyType != typeof(string) && typeof(IEnumerable).IsAssignableFrom(p.PropertyType)))
                .Select(p => (Setting: $"{section}:{p.Name}", Property: p));
        }).ToDictionary(s => s.Setting, s => s.Property);

    /// <summary>The rows of the settings tables whose first cell is a <c>FlowLogs:…</c> setting, with the heading above them.</summary>
    private static List<Row> Rows(string document)
    {
        var rows = new List<Row>();
        string heading = string.Empty;
        foreach (string line in document.Split('\n'))
        {
            if (line.StartsWith('#'))
            {
                heading = line.TrimStart('#').Trim();
                continue;
            }

            Match row = SettingRow().Match(line);
            if (row.Success)
            {
                rows.Add(new Row(row.Groups["setting"].Value, row.Groups["default"].Value.Trim(), heading));
            }
        }

        return rows;
    }

    /// <summary>A default as the document writes it (<c>4 MiB</c>, <c>250,000</c>, <c>5 min</c>, <c>`Raw`</c>, <c>–</c> for none) as a value of <paramref name="type"/>.</summary>
    private static object? ReadDefault(string cell, Type type)
    {
        string text = cell.Trim();
        bool none = text is "–" or "-" or "";
        Type? nullable = Nullable.GetUnderlyingType(type);
        if (none)
        {
            return type == typeof(string) ? string.Empty : null;
        }

        type = nullable ?? type;
        if (type == typeof(string))
        {
            return Unquote(text);
        }

        if (type == typeof(int))
        {
            Match size = Size().Match(text);
            if (!size.Success)
            {
                throw new FormatException("expected a number, with KiB or MiB if a size");
            }

            int unit = size.Groups["unit"].Value switch { "KiB" => 1024, "MiB" => 1024 * 1024, _ => 1 };
            return int.Parse(size.Groups["number"].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture) * unit;
        }

        if (type == typeof(TimeSpan))
        {
            if (TimeSpan.TryParse(Unquote(text), CultureInfo.InvariantCulture, out TimeSpan exact))
            {
                return exact;
            }

            Match duration = Duration().Match(text);
            if (!duration.Success)
            {
                throw new FormatException("expected hh:mm:ss or a number with s, min or h");
            }

            double amount = double.Parse(duration.Groups["number"].Value, CultureInfo.InvariantCulture);
            return duration.Groups["unit"].Value switch { "s" => TimeSpan.FromSeconds(amount), "min" => TimeSpan.FromMinutes(amount), _ => TimeSpan.FromHours(amount) };
        }

        if (type.IsEnum)
        {
            return Enum.Parse(type, Unquote(text));
        }

        if (type == typeof(Uri))
        {
            return new Uri(Unquote(text));
        }

        if (typeof(IEnumerable<string>).IsAssignableFrom(type))
        {
            return text.Split(',').Select(Unquote).ToList();
        }

        throw new FormatException($"no reading for {type.Name}");
    }

    private static bool SameDefault(object? documented, object? actual) => (documented, actual) switch
    {
        (null, null) => true,
        (null, IEnumerable<string> empty) => !empty.Any(),
        (IEnumerable<string> a, IEnumerable<string> b) => a.SequenceEqual(b),
        _ => Equals(documented, actual),
    };

    private static string Describe(object? value) => value switch
    {
        null => "has none",
        string s when s.Length == 0 => "has none (empty)",
        IEnumerable<string> list => $"says {string.Join(", ", list)}",
        _ => $"says {value}",
    };

    private static string Unquote(string text) => text.Trim().Trim('`').Trim();

    private sealed record Row(string Setting, string Default, string Heading);

    // | `FlowLogs:Section:Property` | default | meaning |
    [GeneratedRegex(@"^\|\s*`(?<setting>FlowLogs:[A-Za-z]+:[A-Za-z]+)`\s*\|(?<default>[^|]*)\|")]
    private static partial Regex SettingRow();

    // FlowLogs:Section:Property or FlowLogs__Section__Property anywhere in the text.
    [GeneratedRegex(@"\bFlowLogs(?::|__)(?<section>[A-Za-z]+)(?::|__)(?<property>[A-Za-z]+)\b")]
    private static partial Regex SettingName();

    [GeneratedRegex(@"^(?<number>[0-9][0-9,]*)(?:\s*(?<unit>KiB|MiB))?$")]
    private static partial Regex Size();

    [GeneratedRegex(@"^(?<number>[0-9]+(?:\.[0-9]+)?)\s*(?<unit>s|min|h)$")]
    private static partial Regex Duration();
}
