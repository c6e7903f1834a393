using System.Text;
using System.Text.Json;
namespace FlowLogs.SelfCheck;

/// <summary>The self-check as JSON for scripts: every check, every unread commit, times in UTC, ages in seconds.</summary>
internal static class CheckReportJson
{
    /// <summary>Writes <paramref name="report"/> as one indented JSON document, ending with a newline.</summary>
    public static string Write(CheckReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("verdict", Word(report.Verdict));
            json.WriteString("summary", report.Summary);
            json.WriteString("checkedAt", report.CheckedAt.UtcDateTime);
            if (report.ServiceTime is { } service)
            {
                json.WriteString("serviceTime", service.UtcDateTime);
            }
            else
            {
                json.WriteNull("serviceTime");
            }

            json.WriteStartArray("checks");
            foreach (CheckResult check in report.Checks)
            {
                json.WriteStartObject();
                json.WriteString("name", check.Name);
                json.WriteString("target", check.Target);
                json.WriteString("verdict", Word(check.Verdict));
                json.WriteString("detail", check.Detail);
                json.WriteString("setting", check.Setting);
                json.WriteNumber("elapsedMs", Math.Round(check.Elapsed.TotalMilliseconds));
                if (check.UnreadCommits.Count > 0)
                {
                    json.WriteStartArray("unreadCommits");
                    foreach (UnreadCommit commit in check.UnreadCommits)
                    {
                        json.WriteStartObject();
                        json.WriteString("blob", commit.Blob);
                        json.WriteNumber("ageSeconds", Math.Round(commit.Age.TotalSeconds));
                        json.WriteNumber("unreadBytes", commit.UnreadBytes);
                        json.WriteEndObject();
                    }

                    json.WriteEndArray();
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + Environment.NewLine;
    }

    private static string Word(CheckVerdict verdict) => verdict.ToString().ToLowerInvariant();
}
