using System.Text;
using System.Text.Json;
using Azure.Storage.Blobs.Models;
using FlowLogs.BlobSource;
using FlowLogs.Processing;
using FlowLogs.Testing;
using static FlowLogs.Tests.Support.FlowLogBuilder;

namespace FlowLogs.Tests.Storage;

/// <summary>
/// A corpus of bad input through the whole pipeline (blob, delta reader, parser, sink, dead letters): each case is
/// reported clearly, the good records around it are delivered, and the blob does not get stuck.
/// </summary>
[Category("Azurite")]
public class BadInputPipelineTests
{
    private static readonly string Good1 = SimpleVNet(VNetTuple(sport: 1)).ToJsonString();
    private static readonly string Good2 = SimpleVNet(VNetTuple(src: "2001:db8::1", dst: "2001:db8::2", sport: 2)).ToJsonString();

    public static IEnumerable<TestCaseData> Corpus()
    {
        string cut = Good1[..(Good1.Length / 2)];
        yield return new TestCaseData(Bytes("," + cut), "TruncatedRecord", "cut short").SetName("truncated JSON");
        yield return new TestCaseData(new byte[] { (byte)',', 0, 1, 0xFF, (byte)'g', (byte)'a', (byte)'r', (byte)'b' }, "UnexpectedBytes", "belong to no record").SetName("garbage bytes");
        yield return new TestCaseData(Bytes("," + SimpleVNet(VNetTuple(counters: "1,1,1," + new string('9', 300_000))).ToJsonString()), "InvalidTuple", "more than the 512").SetName("a 300 KB tuple");
        yield return new TestCaseData(Bytes(",{\"time\":123,\"flowRecords\":{\"flows\":[]}}"), "UnknownRecordShape", "'time' is a number").SetName("wrong types");
        yield return new TestCaseData(Bytes(",{\"time\":\"2026-11-23T10:00:00Z\",\"x\":" + new string('[', 200) + new string(']', 200) + "}"), "InvalidJson", "depth").SetName("deep nesting");
        byte[] invalidUtf8 = Bytes("," + SimpleVNet(VNetTuple(sport: 9)).ToJsonString().Replace("DefaultRule_AllowInternetOutBound", "RULE_X", StringComparison.Ordinal));
        invalidUtf8[Array.IndexOf(invalidUtf8, (byte)'X')] = 0xFF;
        yield return new TestCaseData(invalidUtf8, "UnknownRecordShape", "UTF-8").SetName("invalid UTF-8");
        yield return new TestCaseData(Bytes("," + SimpleVNet(VNetTuple(counters: "1,1,1,99999999999999999999")).ToJsonString()), "InvalidTuple", "field 13").SetName("huge numbers");
    }

    [TestCaseSource(nameof(Corpus))]
    public async Task IsReportedAndTheGoodDataAroundItIsDelivered(byte[] bad, string kind, string reason)
    {
        StorageHarness storage = await StorageHarness.CreateAsync();
        FlowLogBlob blob = Blob(storage);
        await storage.WriteBlocksAsync(blob, Bytes("{\"records\":["), Bytes(Good1), bad, Bytes("," + Good2), Bytes("]}"));
        var sink = new CollectingSink();
        BlobProcessor processor = storage.Processor(sink);

        BlobProcessResult result = await processor.ProcessAsync(blob, CancellationToken.None);
        BlobProcessResult again = await processor.ProcessAsync(blob, CancellationToken.None);

        Assert.That(result.Outcome, Is.EqualTo(BlobProcessOutcome.CaughtUp));
        Assert.That(result.Events, Is.EqualTo(2), "both good records, IPv6 included");
        Assert.That(result.DeadLettered, Is.EqualTo(1));
        Assert.That(again.Events + again.DeadLettered, Is.Zero, "not stuck: the checkpoint moved past the bad bytes");
        JsonElement letter = await SingleDeadLetterAsync(storage);
        Assert.That(letter.GetProperty("kind").GetString(), Is.EqualTo(kind));
        Assert.That(letter.GetProperty("reason").GetString(), Does.Contain(reason));
        Assert.That(letter.GetProperty("source").GetString(), Is.EqualTo(blob.FullName));
        Assert.That(letter.GetProperty("offset").GetInt64(), Is.GreaterThan(12));
    }

    [Test]
    public async Task AZeroByteBlobEndsCleanly()
    {
        StorageHarness storage = await StorageHarness.CreateAsync();
        FlowLogBlob blob = Blob(storage);
        await storage.Blobs.GetBlobContainerClient(blob.Container).CreateIfNotExistsAsync();
        await storage.Blobs.GetBlobContainerClient(blob.Container).GetBlobClient(blob.Name).UploadAsync(new BinaryData([]));

        BlobProcessResult result = await storage.Processor(new CollectingSink()).ProcessAsync(blob, CancellationToken.None);

        Assert.That(result.Outcome, Is.EqualTo(BlobProcessOutcome.CaughtUp));
        Assert.That(result.Anomalies.Single(), Does.StartWith("empty:"));
    }

    [Test]
    public async Task WrongFramingIsReadAsADocument()
    {
        StorageHarness storage = await StorageHarness.CreateAsync();
        FlowLogBlob blob = Blob(storage);
        await storage.WriteBlocksAsync(blob, Bytes("["), Bytes(Good1), Bytes("," + Good2), Bytes("]"));
        var sink = new CollectingSink();

        BlobProcessResult result = await storage.Processor(sink).ProcessAsync(blob, CancellationToken.None);

        Assert.That(result.Events, Is.EqualTo(2));
        Assert.That(result.Anomalies.Single(), Does.StartWith("framing:"));
        Assert.That(sink.EventIds.Distinct().Count(), Is.EqualTo(2));
    }

    [TestCase("PT1H.json.tmp")]
    [TestCase("PT1H.JSON")]
    [TestCase("notes.txt")]
    public async Task NamesThatAreNotHourBlobsAreLeftAlone(string leaf)
    {
        StorageHarness storage = await StorageHarness.CreateAsync();
        var blob = new FlowLogBlob(AzuriteServer.Account, FlowLogBlob.VNetContainer, $"flowLogResourceID=/{storage.SubscriptionId}/y=2026/m=11/d=23/h=10/m=00/macAddress=AA/{leaf}");
        BlobProcessResult result = await storage.Processor(new CollectingSink()).ProcessAsync(blob, CancellationToken.None);
        Assert.That(result.Outcome, Is.EqualTo(BlobProcessOutcome.Ignored));
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private static FlowLogBlob Blob(StorageHarness storage)
        => new(AzuriteServer.Account, FlowLogBlob.VNetContainer, $"flowLogResourceID=/{storage.SubscriptionId}/corpus/y=2026/m=11/d=23/h=10/m=00/macAddress=AA/PT1H.json");


    private static async Task<JsonElement> SingleDeadLetterAsync(StorageHarness storage)
    {
        var names = new List<string>();
        await foreach (BlobItem item in storage.DeadLetters.GetBlobsAsync())
        {
            names.Add(item.Name);
        }

        Assert.That(names, Has.Count.EqualTo(1), string.Join(", ", names));
        string json = (await storage.DeadLetters.GetBlobClient(names[0]).DownloadContentAsync()).Value.Content.ToString();
        JsonElement letter = JsonDocument.Parse(json).RootElement;
        Assert.That(letter.GetProperty("count").GetInt32(), Is.EqualTo(letter.GetProperty("items").GetArrayLength()));
        return letter.GetProperty("items")[0];
    }
}
