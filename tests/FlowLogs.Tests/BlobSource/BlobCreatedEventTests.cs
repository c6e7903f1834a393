using FlowLogs.BlobSource;

namespace FlowLogs.Tests.BlobSource;

/// <summary>Reading the events Event Grid writes to the queue, in its own schema and in CloudEvents.</summary>
public class BlobCreatedEventTests
{
    private const string Url = "https://weuflowlogs.blob.core.windows.net/insights-logs-flowlogflowevent/flowLogResourceID=/X/y=2026/m=11/d=23/h=10/m=00/macAddress=AA/PT1H.json";
    private const string Topic = "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/weuflowlogs";

    [Test]
    public void AnEventInEventGridsSchemaIsRead()
    {
        string message = $$"""
            {"topic":"{{Topic}}","subject":"/blobServices/default/containers/insights-logs-flowlogflowevent/blobs/x/PT1H.json",
             "eventType":"Microsoft.Storage.BlobCreated","id":"1","eventTime":"2026-11-23T10:01:00Z",
             "data":{"api":"PutBlockList","contentType":"application/json","blobType":"BlockBlob","url":"{{Url}}"},"dataVersion":"","metadataVersion":"1"}
            """;

        BlobCreatedEvent item = BlobCreatedEvent.Read(message, out _).Single();

        Assert.Multiple(() =>
        {
            Assert.That(item.IsBlobCreated, Is.True);
            Assert.That(item.Source, Is.EqualTo(Topic));
            Assert.That(item.Url, Is.EqualTo(new Uri(Url)));
        });
    }

    [Test]
    public void CloudEventsAndArraysAreRead()
    {
        string message = $$"""
            [{"specversion":"1.0","type":"Microsoft.Storage.BlobCreated","source":"{{Topic}}","id":"1","data":{"url":"{{Url}}" } },
             {"specversion":"1.0","type":"Microsoft.Storage.BlobDeleted","source":"{{Topic}}","id":"2","data":{"url":"{{Url}}" } }]
            """;

        IReadOnlyList<BlobCreatedEvent> events = BlobCreatedEvent.Read(message, out IReadOnlyList<string> malformed);

        Assert.That(events.Select(e => (e.IsBlobCreated, e.Source)), Is.EqualTo(new[] { (true, Topic), (false, Topic) }));
        Assert.That(malformed, Is.Empty);
    }

    [Test]
    public void ABase64EncodedMessageIsReadAsItsJson()
    {
        string json = $$"""{"topic":"{{Topic}}","eventType":"Microsoft.Storage.BlobCreated","data":{"url":"{{Url}}" } }""";

        BlobCreatedEvent item = BlobCreatedEvent.Read(Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(json)), out _).Single();

        Assert.That((item.IsBlobCreated, item.Url), Is.EqualTo((true, new Uri(Url))));
    }

    [TestCase("not json", "is not JSON")]
    [TestCase("bm90IGpzb24=", "is not JSON")]
    [TestCase("42", "is a JSON Number, not an event object")]
    [TestCase("""{"id":"1"}""", "has no eventType/topic")]
    [TestCase("""{"eventType":"Microsoft.Storage.BlobCreated","topic":"t","data":{"url":"relative/PT1H.json"}}""", "data.url that is not an absolute URL")]
    public void AMessageThatIsNoEventFailsSayingWhat(string message, string expected)
        => Assert.That(() => BlobCreatedEvent.Read(message, out _), Throws.InstanceOf<FormatException>().With.Message.Contains(expected));

    [Test]
    public void AnArrayWithABadElementGivesTheGoodOnesAndNamesTheBad()
    {
        string message = $$"""
            [{"eventType":"Microsoft.Storage.BlobCreated","topic":"{{Topic}}","data":{"url":"{{Url}}" } }, 7,
             {"id":"no type"}, {"eventType":"Microsoft.Storage.BlobCreated","topic":"{{Topic}}","data":{"url":"{{Url}}" } }]
            """;

        IReadOnlyList<BlobCreatedEvent> events = BlobCreatedEvent.Read(message, out IReadOnlyList<string> malformed);

        Assert.That(events.Select(e => e.Url), Is.EqualTo(new[] { new Uri(Url), new Uri(Url) }));
        Assert.That(malformed, Is.EqualTo(new[] { "event 1 of the message is a JSON Number, not an event object", "event 2 of the message is not an Event Grid event: it has no eventType/topic (Event Grid schema) or type/source (CloudEvents)" }));
    }
}
