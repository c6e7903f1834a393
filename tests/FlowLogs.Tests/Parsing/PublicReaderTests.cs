using System.Text;
using System.Text.Json;
using FlowLogs.Ecs;
using FlowLogs.Parsing;
using FlowLogs.Tests.Support;

namespace FlowLogs.Tests.Parsing;

/// <summary>The parser as a library user has it: a source named by a string, totals on the reader, issues as JSON.</summary>
public class PublicReaderTests
{
    [Test]
    public void ASourceNamedByAStringGivesTheEventIdsOfThePipelinesSource()
    {
        byte[] input = TestData.Bytes("msdocs", "nsg-v2.PT1H.json");
        Assert.That(Ids(new FlowLogReader(input, "c/blob/PT1H.json")), Is.EqualTo(Ids(new FlowLogReader(input, new FlowLogSource("c/blob/PT1H.json")))).And.Not.Empty);
        Assert.That(Ids(new FlowLogReader(input)), Is.EqualTo(Ids(new FlowLogReader(input, FlowLogSource.Anonymous))));
        Assert.That(Ids(new FlowLogReader(input, "c/blob/PT1H.json")), Is.Not.EqualTo(Ids(new FlowLogReader(input, "c/other/PT1H.json"))));
        using var reader = new FlowLogReader(input, "c/blob/PT1H.json");
        Assert.That(reader.Read() ? reader.Current.SourceName : null, Is.EqualTo("c/blob/PT1H.json"));
    }

    [Test]
    public void TheReadersTotalsAreItsCounts()
    {
        byte[] good = TestData.Bytes("msdocs", "nsg-v1.PT1H.json");
        byte[] input = [.. good[..^2], .. "xx"u8, .. good[^2..]];
        using var reader = new FlowLogReader(input, "c/blob/PT1H.json");
        while (reader.Read())
        {
        }

        FlowLogParseCounts c = reader.Counts;
        Assert.That(
            (reader.RecordsRead, reader.TuplesRead, reader.RecordsSkipped, reader.TuplesSkipped, reader.UnexpectedByteRuns, reader.BytesRead, reader.Skipped),
            Is.EqualTo((c.Records, c.Tuples, c.RecordsSkipped, c.TuplesSkipped, c.UnexpectedByteRuns, c.Bytes, c.Skipped)));
        Assert.That((reader.RecordsRead, reader.BytesRead), Is.EqualTo((3L, (long)input.Length)));
        Assert.That(reader.Skipped, Is.GreaterThan(0), "the stray bytes were reported");
    }

    [Test]
    public void AnIssueWritesTheJsonOfTheDeadLetters()
    {
        using var reader = new FlowLogReader("{\"records\":[{\"not\":\"a flow record\"}]}"u8.ToArray(), "c/blob/PT1H.json");
        while (reader.Read())
        {
        }

        ParseIssue issue = reader.Issues.Single();
        Assert.That(Json(w => issue.WriteJson(w)), Is.EqualTo(Json(w => ParseIssueJson.Write(w, issue, "c/blob/PT1H.json"))));
        using JsonDocument document = JsonDocument.Parse(Json(w => issue.WriteJson(w)));
        Assert.That(document.RootElement.GetProperty("source").GetString(), Is.EqualTo("c/blob/PT1H.json"));
        Assert.That(document.RootElement.GetProperty("kind").GetString(), Is.EqualTo(issue.Kind.ToString()));
    }

    private static List<string> Ids(FlowLogReader reader)
    {
        using (reader)
        {
            var ids = new List<string>();
            using var writer = new MemoryStream();
            using (var ndjson = new NdjsonEventWriter(writer, EventPayload.Ecs))
            {
                while (reader.Read())
                {
                    ndjson.WriteAsync(reader.Current).AsTask().GetAwaiter().GetResult();
                }

                ndjson.FlushAsync().AsTask().GetAwaiter().GetResult();
            }

            foreach (string line in Encoding.UTF8.GetString(writer.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                using JsonDocument document = JsonDocument.Parse(line);
                ids.Add(document.RootElement.GetProperty("event").GetProperty("id").GetString()!);
            }

            return ids;
        }
    }

    private static string Json(Action<Utf8JsonWriter> write)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
