using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FlowLogs.Testing;
using FlowLogs.WorkerHost;

namespace FlowLogs.Functions.Tests;

/// <summary>
/// The names the host, Event Grid and an operator must agree on (functions, containers, connections, the schedule
/// setting) come from one place, the code; the build writes them to functions.metadata and everything else must match it.
/// </summary>
public partial class NamesTests
{
    private static readonly JsonArray Built = JsonNode.Parse(File.ReadAllText(FunctionsApp.MetadataFile(FunctionsApp.BuildDirectory)))!.AsArray();

    private static IEnumerable<(string Function, string Container, string Connection)> BlobTriggers()
        => Built.Select(f => (Name: (string)f!["name"]!, Binding: f["bindings"]!.AsArray().Single()!))
            .Where(f => (string)f.Binding["type"]! == "blobTrigger")
            .Select(f => (f.Name, ((string)f.Binding["path"]!).Split('/')[0], (string)f.Binding["connection"]!));

    [Test]
    public void TheBuiltMetadataHasTheTwoEventGridBlobTriggersAndTheTimer()
    {
        Assert.That(BlobTriggers().Select(t => t.Function), Is.EquivalentTo(new[] { "VNetFlowLogs", "NsgFlowLogs" }));
        Assert.That(Built.Select(f => f!["bindings"]![0]!).Where(b => (string)b["type"]! == "blobTrigger").Select(b => (string)b["source"]!), Is.All.EqualTo("EventGrid"));
        Assert.That(Built.Select(f => f!["bindings"]![0]!).Single(b => (string)b["type"]! == "timerTrigger")["schedule"]!.GetValue<string>(), Is.EqualTo("%ReplaySchedule%"));
    }

    [Test]
    public void TheQueueTriggerReadsTheEventQueueOfTheAppsOwnAccount()
    {
        JsonNode binding = Built.Select(f => f!["bindings"]![0]!).Single(b => (string)b["type"]! == "queueTrigger");
        string main = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "infra", "main.bicep"));

        Assert.Multiple(() =>
        {
            Assert.That((string)binding["queueName"]!, Is.EqualTo(FlowLogs.Processing.BlobCreatedHandler.QueueName));
            Assert.That((string)binding["connection"]!, Is.EqualTo("AzureWebJobsStorage"), "the queue is in the app's own account");
            Assert.That(main, Does.Contain($"var eventQueue = '{FlowLogs.Processing.BlobCreatedHandler.QueueName}'"), "the deployment creates it");
        });
    }

    [Test]
    public void EventGridSubscribesEachBlobTriggersContainerAndCallsItsWebhookByName()
    {
        string bicep = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "infra", "eventgrid.bicep"));
        var declared = TriggerEntry().Matches(bicep).Select(m => (Function: m.Groups["function"].Value, Container: m.Groups["container"].Value)).ToList();

        Assert.That(declared, Is.EquivalentTo(BlobTriggers().Select(t => (t.Function, t.Container))));
        Assert.That(bicep, Does.Contain("/runtime/webhooks/blobs?functionName=Host.Functions.${trigger.function}&code="));
        Assert.That(bicep, Does.Contain("subjectBeginsWith: '/blobServices/default/containers/${trigger.container}/'"));
    }

    [Test]
    public void TheDeploymentAndTheSampleSettingsDefineEveryConnectionAndTheScheduleTheFunctionsName()
    {
        string main = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "infra", "main.bicep"));
        JsonObject sample = JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "local.settings.sample.json")))!["Values"]!.AsObject();
        foreach (string connection in BlobTriggers().Select(t => t.Connection).Distinct())
        {
            Assert.That(main, Does.Contain($"name: '{connection}__blobServiceUri'"), "the deployment's identity-based connection");
            Assert.That(main, Does.Contain($"name: '{connection}__queueServiceUri'"), "the blob trigger's queue");
            Assert.That(sample.ContainsKey(connection), Is.True, $"local.settings.sample.json sets {connection}");
        }

        Assert.That(main, Does.Contain("name: 'ReplaySchedule'"));
        Assert.That(sample.ContainsKey("ReplaySchedule"), Is.True);
        Assert.That(sample.ContainsKey("AzureWebJobsStorage"), Is.True);
    }

    [Test]
    public void TheOperationsDocumentNamesEveryFunctionWebhookContainerAndConnectionAsBuilt()
    {
        // docs/operations.md is where an operator reads these names (the README links to it).
        string document = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "docs", "operations.md"));
        foreach ((string function, string container, string connection) in BlobTriggers())
        {
            Assert.That(document, Does.Contain($"Host.Functions.{function}"));
            Assert.That(document, Does.Contain($"`{container}/{{name}}`"), $"docs/operations.md's description of {function}");
            Assert.That(document, Does.Contain($"`{connection}`"));
        }

        // Every webhook call and every BlobCreated subject the document shows names a built trigger and its container.
        var webhooks = WebhookName().Matches(document).Select(m => m.Groups[1].Value).ToList();
        var subjects = SubjectContainer().Matches(document).Select(m => m.Groups[1].Value).Distinct().ToList();
        Assert.That(webhooks, Is.Not.Empty.And.SubsetOf(BlobTriggers().Select(t => t.Function)));
        Assert.That(subjects, Is.Not.Empty.And.SubsetOf(BlobTriggers().Select(t => t.Container)));
        Assert.That(document, Does.Contain("`FlowLogEvents`").And.Contain($"`{FlowLogs.Processing.BlobCreatedHandler.QueueName}`"));
        Assert.That(document, Does.Contain("`ReplayMissedHours`"));
        Assert.That(document, Does.Contain("`ReplaySchedule`"));
    }

    [GeneratedRegex(@"functionName=Host\.Functions\.([A-Za-z0-9_]+)")]
    private static partial Regex WebhookName();

    [GeneratedRegex(@"/containers/([a-z0-9-]+)/blobs/")]
    private static partial Regex SubjectContainer();

    [GeneratedRegex(@"container:\s*'(?<container>[^']+)'\s*function:\s*'(?<function>[^']+)'")]
    private static partial Regex TriggerEntry();
}
