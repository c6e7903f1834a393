using System.Text;
using FlowLogs.Parsing;
using FlowLogs.Tests.Support;
using static FlowLogs.Tests.Support.FlowLogBuilder;

namespace FlowLogs.Tests.Parsing;

/// <summary>Bad input is skipped and reported with reason, place and bytes; everything around it still flows.</summary>
public class BadInputTests
{
    private static readonly string Good1 = SimpleVNet(VNetTuple(sport: 1)).ToJsonString();
    private static readonly string Good2 = SimpleVNet(VNetTuple(sport: 2)).ToJsonString();

    [Test]
    public void InvalidJsonSkipsOnlyThatRecord()
    {
        string bad = Good1.Replace("\"macAddress\":", "\"macAddress\" ", StringComparison.Ordinal);
        ParseOutcome outcome = Run($"{{\"records\":[{Good1},{bad},{Good2}]}}");

        AssertPorts(outcome, 1, 2);
        ParseIssue issue = outcome.Issues.Single();
        Assert.That(issue.Kind, Is.EqualTo(ParseIssueKind.InvalidJson));
        Assert.That(issue.RecordIndex, Is.EqualTo(1));
        Assert.That(issue.Offset, Is.EqualTo(12 + Good1.Length + 1));
        Assert.That(issue.Bytes.ToArray(), Is.EqualTo(Encoding.UTF8.GetBytes(bad)));
        Assert.That(issue.Excerpt, Does.StartWith("{\"time\""));
        Assert.That(outcome.Counts.RecordsSkipped, Is.EqualTo(1));
    }

    [TestCase("{\"time\":\"2022-09-14T09:00:52Z\",\"foo\":1}", "neither 'properties.flows'")]
    [TestCase("{\"time\":\"2022-09-14T09:00:52Z\",\"flowRecords\":{\"flows\":[]},\"properties\":{\"flows\":[]}}", "both")]
    [TestCase("{\"flowRecords\":{\"flows\":[]}}", "no 'time'")]
    [TestCase("{\"time\":\"yesterday\",\"flowRecords\":{\"flows\":[]}}", "'time' is not an ISO 8601 date")]
    [TestCase("{\"time\":5,\"flowRecords\":{\"flows\":[]}}", "'time' is a number, expected a string")]
    [TestCase("{\"time\":\"2022-09-14T09:00:52Z\",\"flowRecords\":{\"flows\":{}}}", "'flowRecords.flows' is a object, expected an array")]
    [TestCase("{\"time\":\"2022-09-14T09:00:52Z\",\"flowRecords\":{\"flows\":[1]}}", "'flowRecords.flows[]' holds a number")]
    [TestCase("{\"time\":\"2022-09-14T09:00:52Z\",\"properties\":{\"Version\":\"2\",\"flows\":[]}}", "'properties.Version' is not a non-negative integer")]
    [TestCase("{\"time\":\"2022-09-14T09:00:52Z\",\"flowLogVersion\":4,\"flowRecords\":{}}", "'flowRecords' has no 'flows' array")]
    public void RecordsOfUnknownShapeAreReported(string bad, string reason)
    {
        ParseOutcome outcome = Run($"{Good1},{bad},{Good2}");
        AssertPorts(outcome, 1, 2);
        ParseIssue issue = outcome.Issues.Single();
        Assert.That(issue.Kind, Is.EqualTo(ParseIssueKind.UnknownRecordShape));
        Assert.That(issue.Reason, Does.Contain(reason));
        Assert.That(issue.RecordIndex, Is.EqualTo(1));
    }

    [Test]
    public void BadTuplesAreSkippedOneByOne()
    {
        string record = SimpleVNet(
            VNetTuple(sport: 1),
            "1663146003599,10.0.0.6,1.1.1.1,1,2,6,O,B,NX,0,0,0",
            VNetTuple(sport: 2),
            VNetTuple(src: "10.0.0.300"),
            VNetTuple(sport: 3)).ToJsonString();
        string withNonString = record.Replace("\"flowTuples\":[", "\"flowTuples\":[{\"odd\":[1,2]},", StringComparison.Ordinal);

        ParseOutcome outcome = Run("{\"records\":[" + withNonString + "]}");

        AssertPorts(outcome, 1, 2, 3);
        Assert.That(outcome.Issues.Select(i => i.Kind), Has.All.EqualTo(ParseIssueKind.InvalidTuple));
        Assert.That(outcome.Issues.Select(i => i.TupleOrdinal), Is.EqualTo(new[] { 0, 2, 4 }));
        Assert.That(outcome.Issues[0].Reason, Does.Contain("not a JSON string"));
        Assert.That(outcome.Issues[0].Excerpt, Is.EqualTo("{\"odd\":[1,2]}"));
        Assert.That(outcome.Issues[1].Reason, Does.Contain("12 fields, expected 13"));
        Assert.That(outcome.Issues[2].Reason, Does.Contain("source IP"));
        Assert.That(outcome.Issues[2].Excerpt, Does.Contain("10.0.0.300"));
        Assert.That((outcome.Counts.Tuples, outcome.Counts.TuplesSkipped, outcome.Counts.Events), Is.EqualTo((6L, 3L, 3L)));

        // The offset points at the tuple's JSON string in the input.
        byte[] input = TestData.Utf8("{\"records\":[" + withNonString + "]}");
        Assert.That(Encoding.UTF8.GetString(input, (int)outcome.Issues[1].Offset, 14), Is.EqualTo("\"1663146003599"));
    }

    [Test]
    public void GarbageBetweenRecordsIsReportedAndSkipped()
    {
        ParseOutcome outcome = Run($"{{\"records\":[{Good1},\u0001\u0002garbage\xff,{Good2}]}}");
        AssertPorts(outcome, 1, 2);
        ParseIssue issue = outcome.Issues.Single();
        Assert.That(issue.Kind, Is.EqualTo(ParseIssueKind.UnexpectedBytes));
        Assert.That(issue.RecordIndex, Is.EqualTo(-1));
        Assert.That(issue.Excerpt, Does.StartWith("\\x01\\x02garbage"));
    }

    [Test]
    public void ARecordCutInsideAStringDoesNotTakeTheNextRecordWithIt()
    {
        // A block that ends mid-record (inside a tuple string), then the next block as Azure writes it.
        string cut = Good1[..(Good1.IndexOf("1663146003599", StringComparison.Ordinal) + 6)];
        ParseOutcome outcome = Run($"{{\"records\":[{cut},{Good2},{Good1}]}}");

        AssertPorts(outcome, 2, 1);
        ParseIssue issue = outcome.Issues.Single();
        Assert.That(issue.Kind, Is.EqualTo(ParseIssueKind.TruncatedRecord));
        Assert.That(issue.Reason, Does.Contain("a new record starts before it closes"));
        Assert.That(issue.Length, Is.EqualTo(cut.Length + 1));
    }

    [Test]
    public void ARecordCutByTheEndOfInputIsReported()
    {
        string cut = Good2[..(Good2.Length / 2)];
        ParseOutcome outcome = Run($"{Good1},{cut}");
        AssertPorts(outcome, 1);
        Assert.That(outcome.Issues.Single().Kind, Is.EqualTo(ParseIssueKind.TruncatedRecord));
        Assert.That(outcome.Issues.Single().Reason, Does.Contain("end of the input"));
    }

    [Test]
    public void OversizedRecordsAreSkippedWithBoundedMemory()
    {
        string big = SimpleVNet([.. Enumerable.Range(0, 200).Select(i => VNetTuple(sport: 1000 + i))]).ToJsonString();
        var options = new FlowLogReaderOptions { MaxRecordBytes = 4096, ReadSize = 1024 };
        ParseOutcome outcome = TestData.ParseStream(TestData.Utf8($"{Good1},{big},{Good2}"), 512, options: options);

        AssertPorts(outcome, 1, 2);
        ParseIssue issue = outcome.Issues.Single();
        Assert.That(issue.Kind, Is.EqualTo(ParseIssueKind.OversizedRecord));
        Assert.That(issue.Bytes.Length, Is.EqualTo(4096));
        Assert.That(issue.Reason, Does.Contain("MaxRecordBytes"));
    }

    [Test]
    public void InvalidUtf8InARuleSkipsThatRecordsTuples()
    {
        byte[] good = TestData.Utf8(Good1 + ",");
        byte[] bad = TestData.Utf8(Good2.Replace("DefaultRule_AllowInternetOutBound", "RULE_\u00e9", StringComparison.Ordinal));
        int e = Array.IndexOf(bad, (byte)0xC3);
        bad[e] = 0xFF;
        byte[] input = [.. good, .. bad];

        ParseOutcome outcome = TestData.Parse(input);

        AssertPorts(outcome, 1);
        Assert.That(outcome.Issues.Single().Reason, Does.Contain("not valid UTF-8").Or.Contain("invalid"));
    }

    [Test]
    public void DeepNestingIsRefusedNotCrashed()
    {
        string deep = "{\"time\":\"2022-09-14T09:00:52Z\",\"x\":" + new string('[', 100) + new string(']', 100) + "}";
        ParseOutcome outcome = Run($"{Good1},{deep},{Good2}");
        AssertPorts(outcome, 1, 2);
        Assert.That(outcome.Issues.Single().Kind, Is.EqualTo(ParseIssueKind.InvalidJson));
    }

    [Test]
    public void IssuesKeptAreCappedButAllAreCountedAndObserved()
    {
        string bad = SimpleVNet([.. Enumerable.Range(0, 50).Select(_ => "bad")]).ToJsonString();
        var observed = new List<ParseIssue>();
        var options = new FlowLogReaderOptions { MaxIssuesKept = 10, IssueReported = observed.Add };
        ParseOutcome outcome = TestData.Parse(TestData.Utf8(bad), options: options);

        Assert.That(outcome.Issues, Has.Count.EqualTo(10));
        Assert.That(observed, Has.Count.EqualTo(50));
        Assert.That(outcome.Counts.TuplesSkipped, Is.EqualTo(50));
    }

    [Test]
    public void IssueTextNamesWhatWhereAndWhy()
    {
        ParseOutcome outcome = Run(SimpleVNet("1,2,3").ToJsonString());
        string text = outcome.Issues.Single().ToString();
        Assert.That(text, Does.Contain("InvalidTuple at byte"));
        Assert.That(text, Does.Contain("of container/blob/PT1H.json"));
        Assert.That(text, Does.Contain("record 0, tuple 0"));
        Assert.That(text, Does.Contain("3 fields, expected 13"));
        Assert.That(text, Does.Contain("excerpt: 1,2,3"));
    }

    private static ParseOutcome Run(string input)
    {
        // Every case must read the same from memory and from a stream cut into small pieces.
        ParseOutcome memory = TestData.Parse(TestData.Utf8(input));
        ParseOutcome stream = TestData.ParseStream(TestData.Utf8(input), 7, options: new FlowLogReaderOptions { ReadSize = 1024 });
        Assert.That(stream.Events.Select(e => e.ToJsonString()), Is.EqualTo(memory.Events.Select(e => e.ToJsonString())));
        Assert.That(stream.Issues.Select(i => i.ToString()), Is.EqualTo(memory.Issues.Select(i => i.ToString())));
        return memory;
    }

    private static void AssertPorts(ParseOutcome outcome, params int[] ports)
        => Assert.That(outcome.Events.Select(e => e["source"]!["port"]!.GetValue<int>()), Is.EqualTo(ports));
}
