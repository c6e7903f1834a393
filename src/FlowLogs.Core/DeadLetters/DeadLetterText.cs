using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace FlowLogs.DeadLetters;

/// <summary>Which dead letters a command is about: written since a time, with a reason or kind containing a text.</summary>
internal sealed record DeadLetterFilter(DateTimeOffset? Since = null, string? Reason = null)
{
    /// <summary>Whether a dead letter written at <paramref name="written"/> may match (checked before reading it).</summary>
    public bool MayMatch(DateTimeOffset written) => Since is not { } since || written >= since;

    /// <summary>Whether <paramref name="letter"/> matches: its time, and the text in any item's kind, reason or last redrive reason.</summary>
    public bool Matches(DeadLetter letter)
    {
        ArgumentNullException.ThrowIfNull(letter);
        return MayMatch(letter.Written)
            && (string.IsNullOrEmpty(Reason) || letter.Items.Any(i =>
                i.Kind.Contains(Reason, StringComparison.OrdinalIgnoreCase)
                || i.Reason.Contains(Reason, StringComparison.OrdinalIgnoreCase)
                || (i.RedriveReason?.Contains(Reason, StringComparison.OrdinalIgnoreCase) ?? false)));
    }
}

/// <summary>Dead letters as people and scripts read them: the list's table and JSON, and one dead letter in full.</summary>
internal static class DeadLetterText
{
    private const int SourceWidth = 72;
    private const int ReasonWidth = 60;
    private const int Base64Line = 76;

    /// <summary>The list as a table, newest first, the source blob named by its flow log (or NSG), hour and MAC address.</summary>
    public static string Table(IReadOnlyList<DeadLetter> letters)
    {
        ArgumentNullException.ThrowIfNull(letters);
        string[] header = ["ID", "WRITTEN (UTC)", "STATE", "KIND", "ITEMS", "PLACE", "SOURCE", "REASON"];
        List<string[]> rows = [header, .. letters.Select(l => new[]
        {
            l.Id,
            l.Written.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
            l.State,
            l.Kind,
            l.Items.Count.ToString(CultureInfo.InvariantCulture),
            l.Place,
            ShortSource(l.Source),
            ShortenRight(OneLine(l.Reason), ReasonWidth),
        })];
        int[] widths = [.. Enumerable.Range(0, header.Length).Select(c => rows.Max(r => r[c].Length))];
        var text = new StringBuilder();
        foreach (string[] row in rows)
        {
            text.AppendJoin("  ", row.Select((cell, c) => c == row.Length - 1 ? cell : cell.PadRight(widths[c]))).Append('\n');
        }

        text.Append(CultureInfo.InvariantCulture, $"{letters.Count} dead letters, {letters.Sum(l => l.Items.Count)} items\n");
        return text.ToString();
    }

    /// <summary>The list as a JSON array (no bytes): id, name, written, state, source, kind, reason, place, items.</summary>
    public static string Json(IReadOnlyList<DeadLetter> letters)
    {
        ArgumentNullException.ThrowIfNull(letters);
        using var content = new MemoryStream();
        using (var writer = new Utf8JsonWriter(content, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartArray();
            foreach (DeadLetter letter in letters)
            {
                writer.WriteStartObject();
                writer.WriteString("id", letter.Id);
                writer.WriteString("name", letter.Name);
                writer.WriteString("written", letter.Written.UtcDateTime);
                writer.WriteString("state", letter.State);
                writer.WriteString("source", letter.Source);
                writer.WriteString("kind", letter.Kind);
                writer.WriteString("reason", letter.Reason);
                writer.WriteNumber("offset", letter.Items.Count > 0 ? letter.Items[0].Offset : 0);
                writer.WriteString("place", letter.Place);
                writer.WriteNumber("items", letter.Items.Count);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(content.ToArray()) + "\n";
    }

    /// <summary>One dead letter in full: each item's reason, place and bytes (text where they are text, else base64).</summary>
    public static string Show(DeadLetter letter)
    {
        ArgumentNullException.ThrowIfNull(letter);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"id       {letter.Id}\n");
        text.Append(CultureInfo.InvariantCulture, $"name     {letter.Name}\n");
        text.Append(CultureInfo.InvariantCulture, $"written  {letter.Written.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}\n");
        text.Append(CultureInfo.InvariantCulture, $"source   {letter.Source}\n");
        text.Append(CultureInfo.InvariantCulture, $"state    {letter.State}\n");
        text.Append(CultureInfo.InvariantCulture, $"items    {letter.Items.Count}\n");
        for (int i = 0; i < letter.Items.Count; i++)
        {
            DeadLetterItem item = letter.Items[i];
            byte[] bytes = item.Bytes;
            text.Append(CultureInfo.InvariantCulture, $"\nitem {i + 1} of {letter.Items.Count}: {item.Kind}\n");
            text.Append(CultureInfo.InvariantCulture, $"  reason   {OneLine(item.Reason)}\n");
            text.Append(CultureInfo.InvariantCulture, $"  place    {item.Place}; {item.Length} bytes{(item.Length > bytes.Length ? string.Create(CultureInfo.InvariantCulture, $" (the first {bytes.Length} kept)") : string.Empty)}\n");
            if (item.Outcome is { } outcome)
            {
                string detail = outcome == DeadLetterItem.Delivered
                    ? string.Create(CultureInfo.InvariantCulture, $"{item.RedriveEvents} events")
                    : OneLine(item.RedriveReason ?? string.Empty);
                text.Append(CultureInfo.InvariantCulture, $"  redrive  {outcome} at {item.RedriveAt}: {detail}\n");
            }

            if (AsText(bytes) is { } decoded)
            {
                text.Append(CultureInfo.InvariantCulture, $"  bytes    {bytes.Length}, UTF-8 text:\n");
                foreach (string line in (decoded.EndsWith('\n') ? decoded[..^1] : decoded).Split('\n'))
                {
                    text.Append("    ").Append(line.TrimEnd('\r')).Append('\n');
                }
            }
            else
            {
                text.Append(CultureInfo.InvariantCulture, $"  bytes    {bytes.Length}, not text, base64:\n");
                string base64 = Convert.ToBase64String(bytes);
                for (int start = 0; start < base64.Length; start += Base64Line)
                {
                    text.Append("    ").Append(base64.AsSpan(start, Math.Min(Base64Line, base64.Length - start))).Append('\n');
                }
            }
        }

        return text.ToString();
    }

    /// <summary>The bytes as text when they are valid UTF-8 without control characters other than tab and line ends; else null.</summary>
    public static string? AsText(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }

        return text.Any(c => char.IsControl(c) && c is not ('\t' or '\n' or '\r')) ? null : text;
    }

    /// <summary>
    /// A source blob as a table shows it: the resource's last name, the hour and the MAC address
    /// (<c>SIM-FLOWLOG-0/y=2026/m=11/d=29/h=14/m=00/macAddress=002248710000</c>), shortened from the left if still too wide.
    /// </summary>
    public static string ShortSource(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        int hour = source.IndexOf("/y=", StringComparison.Ordinal);
        if (hour > 0)
        {
            source = source[(source.LastIndexOf('/', hour - 1) + 1)..];
            source = source.EndsWith("/PT1H.json", StringComparison.Ordinal) ? source[..^"/PT1H.json".Length] : source;
        }

        return ShortenLeft(source, SourceWidth);
    }

    /// <summary>Shortens <paramref name="text"/> to <paramref name="width"/> characters, keeping its end.</summary>
    public static string ShortenLeft(string text, int width)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Length <= width ? text : "…" + text[^(width - 1)..];
    }

    /// <summary>Shortens <paramref name="text"/> to <paramref name="width"/> characters, keeping its start.</summary>
    public static string ShortenRight(string text, int width)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Length <= width ? text : text[..(width - 1)] + "…";
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");
}
