using System.Text;
using System.Text.Json;
using FlowLogs.Inspection;

namespace FlowLogs.Cli.Status;

/// <summary>The status as JSON for scripts: every row (not only those a table shows), ages in seconds, times in UTC.</summary>
internal static class StatusJson
{
    /// <summary>Writes <paramref name="report"/> as one JSON document (on one line unless <paramref name="indented"/>).</summary>
    public static string Write(StatusReport report, bool indented = true)
    {
        ArgumentNullException.ThrowIfNull(report);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented }))
        {
            json.WriteStartObject();
            json.WriteString("verdict", report.Health.ToString().ToLowerInvariant());
            json.WriteString("reason", report.Reason);
            FlowLogState state = report.State;
            json.WriteString("readAt", state.ReadAt.UtcDateTime);
            json.WriteString("from", state.From.UtcDateTime);
            json.WriteString("to", state.To.UtcDateTime);

            json.WriteStartObject("totals");
            json.WriteNumber("resources", report.Resources);
            json.WriteNumber("blobsSeen", report.BlobsSeen);
            json.WriteNumber("blobsBehind", report.BlobsBehind);
            json.WriteNumber("bytesBehind", report.BytesBehind);
            WriteSeconds(json, "oldestUnreadSeconds", report.OldestUnreadAge);
            json.WriteNumber("eventsDelivered", report.EventsDelivered);
            json.WriteNumber("deadLettered", report.DeadLettered);
            json.WriteNumber("anomalies", report.Anomalies);
            json.WriteNumber("claimsHeld", report.ClaimsHeld);
            json.WriteNumber("resourceHoursComplete", report.HoursComplete);
            json.WriteNumber("resourceHours", report.ResourceHours);
            json.WriteNumber("hourListings", state.Listings);
            json.WriteNumber("hourListingsSkipped", state.ListingsSkipped);
            json.WriteEndObject();

            json.WriteStartObject("replay");
            WriteTime(json, "lastRun", state.Replay?.LastRun);
            if (state.Replay is { } run)
            {
                json.WriteBoolean("lastRunSucceeded", run.LastRunSucceeded);
            }
            else
            {
                json.WriteNull("lastRunSucceeded");
            }

            WriteTime(json, "resumeFrom", state.Replay?.ResumeFrom);
            json.WriteNumber("storageThrottled", state.Replay?.StorageThrottled ?? 0);
            json.WriteEndObject();

            // Seconds the clocks run ahead of the storage service's (negative: behind); null when not measured.
            json.WriteStartObject("clockSkew");
            WriteSeconds(json, "appSeconds", state.Replay?.ClockSkew);
            WriteSeconds(json, "hereSeconds", state.ReaderClockSkew);
            json.WriteEndObject();

            json.WriteStartArray("routes");
            foreach (string route in report.Routes)
            {
                json.WriteStringValue(route);
            }

            json.WriteEndArray();

            if (state.LastSelfCheck is { } check)
            {
                json.WriteStartObject("selfCheck");
                json.WriteString("verdict", check.Verdict.ToString().ToLowerInvariant());
                json.WriteString("summary", check.Summary);
                json.WriteString("checkedAt", check.CheckedAt.UtcDateTime);
                json.WriteStartArray("findings");
                foreach (string finding in check.Findings)
                {
                    json.WriteStringValue(finding);
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }
            else
            {
                json.WriteNull("selfCheck");
            }

            json.WriteStartArray("rows");
            foreach (StatusRow row in report.Rows)
            {
                json.WriteStartObject();
                json.WriteString("resource", row.Resource);
                json.WriteString("hour", row.Hour.UtcDateTime);
                json.WriteString("health", row.Health.ToString().ToLowerInvariant());
                json.WriteNumber("blobsSeen", row.BlobsSeen);
                json.WriteNumber("blobsBehind", row.BlobsBehind);
                json.WriteNumber("bytesBehind", row.BytesBehind);
                WriteSeconds(json, "oldestUnreadSeconds", row.OldestUnreadAge);
                json.WriteNumber("eventsDelivered", row.EventsDelivered);
                json.WriteNumber("deadLettered", row.DeadLettered);
                json.WriteString("lastAnomaly", row.LastAnomaly);
                json.WriteStartArray("claimedBy");
                foreach (string owner in row.ClaimedBy)
                {
                    json.WriteStringValue(owner);
                }

                json.WriteEndArray();
                json.WriteBoolean("complete", row.Complete);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteSeconds(Utf8JsonWriter json, string name, TimeSpan? age)
    {
        if (age is { } value)
        {
            json.WriteNumber(name, Math.Round(value.TotalSeconds));
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static void WriteTime(Utf8JsonWriter json, string name, DateTimeOffset? time)
    {
        if (time is { } value)
        {
            json.WriteString(name, value.UtcDateTime);
        }
        else
        {
            json.WriteNull(name);
        }
    }
}
