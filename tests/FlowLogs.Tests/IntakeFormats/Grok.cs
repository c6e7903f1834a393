using System.Text;
using System.Text.RegularExpressions;

namespace FlowLogs.Tests.IntakeFormats;

/// <summary>
/// Grok as Sekoia's <c>grok.match</c> applies it to <c>flow.0</c>, re-implemented for the tests from the grok pattern
/// grammar (the base patterns as published with Logstash's grok patterns, which the formats' patterns build on): a
/// pattern of <c>%{NAME:field}</c> references, the format's custom patterns, and literal regex between them.
/// </summary>
/// <remarks>
/// The match is anchored at both ends: the NSG format's published samples have their state and counters captured,
/// which an unanchored search would skip (the optional tail's first alternative is empty and would win), so the
/// intake matches the whole value. Anchoring also makes "parses" mean that every byte of the tuple is accounted for.
/// </remarks>
internal static partial class Grok
{
    // One octet of a dotted quad as grok's IPV4 reads it (leading zeros allowed), and as IPV6 reads an embedded one (not).
    private const string Octet = "(?:[0-1]?[0-9]{1,2}|2[0-4][0-9]|25[0-5])";
    private const string EmbeddedOctet = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
    private const string Hex16 = "[0-9A-Fa-f]{1,4}";

    /// <summary>The base patterns the two formats use.</summary>
    public static IReadOnlyDictionary<string, string> BasePatterns { get; } = new Dictionary<string, string>
    {
        // A whole number with an optional sign.
        ["INT"] = "(?:[+-]?[0-9]+)",

        // A decimal number, optional sign and fraction, not glued to a digit, dot or sign before it.
        ["NUMBER"] = @"(?<![0-9.+-])(?>[+-]?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+))",

        // Anything, as little as possible.
        ["DATA"] = ".*?",
        ["IPV4"] = $"(?<![0-9])(?:{Octet}\\.{Octet}\\.{Octet}\\.{Octet})(?![0-9])",
        ["IPV6"] = IPv6(),
        ["IP"] = "(?:%{IPV6}|%{IPV4})",
    };

    /// <summary>Compiles <paramref name="pattern"/> with <paramref name="custom"/> patterns into a regex matching a whole value, one named group per field.</summary>
    public static Regex Compile(string pattern, IReadOnlyDictionary<string, string> custom)
        => new($"^(?:{Expand(pattern, custom)})\\z", RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture);

    /// <summary>The regex of <paramref name="pattern"/>, not anchored: each reference replaced by its pattern, named when it names a field.</summary>
    public static string Expand(string pattern, IReadOnlyDictionary<string, string> custom)
    {
        string Resolve(string text, int depth)
        {
            if (depth > 10)
            {
                throw new InvalidOperationException("grok patterns nest too deep");
            }

            return Reference().Replace(text, m =>
            {
                string name = m.Groups["name"].Value;
                string body = custom.TryGetValue(name, out string? c) ? c : BasePatterns.TryGetValue(name, out string? b) ? b : throw new InvalidOperationException($"no grok pattern {name}");
                string expanded = Resolve(body, depth + 1);
                return m.Groups["field"].Success ? $"(?<{m.Groups["field"].Value}>{expanded})" : $"(?:{expanded})";
            });
        }

        return Resolve(pattern, 0);
    }

    // RFC 4291 section 2.2 text forms (RFC 3986's IPv6address grammar): eight groups of 1-4 hex digits, one "::"
    // standing for one or more zero groups, the last two groups optionally a dotted quad; then grok's optional zone.
    private static string IPv6()
    {
        string ls32 = $"(?:{Hex16}:{Hex16}|{EmbeddedOctet}\\.{EmbeddedOctet}\\.{EmbeddedOctet}\\.{EmbeddedOctet})";
        var forms = new List<string> { $"(?:{Hex16}:){{6}}{ls32}" };

        // n groups before "::" (0..7) and the groups after it filling at most 7 with them.
        for (int before = 0; before <= 7; before++)
        {
            string head = before == 0 ? string.Empty : $"(?:{Hex16}:){{{before - 1}}}{Hex16}";
            int room = 7 - before;
            var tails = new StringBuilder();
            tails.Append("(?:");
            tails.Append("(?:").Append(Hex16).Append(":){0,").Append(Math.Max(room - 2, 0)).Append('}').Append(ls32);
            tails.Append('|').Append("(?:").Append(Hex16).Append(":){0,").Append(Math.Max(room - 1, 0)).Append('}').Append(Hex16);
            tails.Append("|)");
            string tail = room >= 2 ? tails.ToString() : room == 1 ? $"(?:{Hex16}|)" : string.Empty;
            forms.Add($"{head}::{tail}");
        }

        return $"(?:{string.Join('|', forms)})(?:%.+)?";
    }

    [GeneratedRegex(@"%\{(?<name>[A-Z0-9_]+)(?::(?<field>[A-Za-z0-9_]+))?\}")]
    private static partial Regex Reference();
}
