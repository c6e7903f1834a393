using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FlowLogs.BlobSource;
using FlowLogs.Hosting;
using FlowLogs.Processing;
using FlowLogs.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace FlowLogs.Tests.Infra;

/// <summary>
/// The templates as deployed with given parameters: <c>bicep snapshot</c> (the Bicep CLI's offline expansion with the
/// deployment engine's own expression evaluator) expands loops, conditions and nested deployments into the resources a
/// deployment would create, with their scopes resolved to subscriptions and resource groups. What only Azure knows at
/// run time (principal ids, endpoints read from the accounts) stays as the expression that reads it, which is what
/// these tests check.
/// </summary>
public partial class BicepTemplateTests
{
    private const string AppSubscription = "11111111-1111-1111-1111-111111111111";
    private const string OtherSubscription = "22222222-2222-2222-2222-222222222222";
    private const string AppGroup = "rg-flowlogs";

    private const string ReaderRole = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1";
    private const string BlobContributorRole = "ba92f5b4-2d11-453d-a403-e96b0029c9fe";
    private const string QueueSenderRole = "c6a89b2d-59bc-44d0-9896-0f6e12d7b80a";
    private const string SecretsUserRole = "4633458b-17de-408a-b874-0445c86b69e6";

    private static readonly string[] FlowLogContainers = ["insights-logs-flowlogflowevent", "insights-logs-networksecuritygroupflowevent"];

    // Three accounts in two subscriptions; the third already has a system topic.
    private const string ThreeAccounts = """
        param flowLogAccounts = [
          { name: 'nwlogsweu', resourceGroup: 'NetworkWatcherRG' }
          { name: 'nwlogsneu', resourceGroup: 'rg-net-neu', subscriptionId: '22222222-2222-2222-2222-222222222222' }
          { name: 'nwlogsfrc', resourceGroup: 'rg-net-frc', subscriptionId: '22222222-2222-2222-2222-222222222222', existingSystemTopicName: 'portal-topic' }
        ]
        """;

    private const string OneAccount = """
        param flowLogAccounts = [
          { name: 'nwlogsweu', resourceGroup: 'NetworkWatcherRG' }
        ]
        """;

    private static readonly Lazy<JsonObject> QueueThree = new(() => Snapshot("main.bicep", ThreeAccounts + "\nparam delivery = 'queue'"));

    private static readonly Lazy<JsonObject> WebhookOne = new(() => Snapshot("main.bicep", OneAccount + "\nparam delivery = 'webhook'"));

    private static readonly Lazy<JsonObject> DefaultOne = new(() => Snapshot("main.bicep", OneAccount));

    [Test]
    public void ThreeAccountsInTwoSubscriptionsGetAReaderRoleATopicAndASubscriptionEach()
    {
        List<JsonObject> resources = Predicted(QueueThree.Value);
        string weu = AccountId(AppSubscription, "NetworkWatcherRG", "nwlogsweu");
        string neu = AccountId(OtherSubscription, "rg-net-neu", "nwlogsneu");
        string frc = AccountId(OtherSubscription, "rg-net-frc", "nwlogsfrc");

        // One reader role per account, at the account, in the account's subscription.
        List<JsonObject> readers = Roles(resources, ReaderRole);
        Assert.That(readers.Select(ScopeOf), Is.EquivalentTo(new[] { weu, neu, frc }));
        Assert.That(readers.Select(r => r["properties"]!["roleDefinitionId"]!.GetValue<string>()), Is.EquivalentTo(new[]
        {
            $"/subscriptions/{AppSubscription}/providers/Microsoft.Authorization/roleDefinitions/{ReaderRole}",
            $"/subscriptions/{OtherSubscription}/providers/Microsoft.Authorization/roleDefinitions/{ReaderRole}",
            $"/subscriptions/{OtherSubscription}/providers/Microsoft.Authorization/roleDefinitions/{ReaderRole}",
        }));

        // One topic per account, in the account's group and region; the account with a topic keeps it.
        List<JsonObject> topics = OfType(resources, "Microsoft.EventGrid/systemTopics");
        Assert.That(topics.Select(Id), Is.EquivalentTo(new[] { TopicId(weu, "nwlogsweu-flowlogs"), TopicId(neu, "nwlogsneu-flowlogs") }));
        foreach (JsonObject topic in topics)
        {
            string source = topic["properties"]!["source"]!.GetValue<string>();
            Assert.That(topic["location"]!.GetValue<string>(), Is.EqualTo($"[reference('{source}', '2025-06-01', 'full').location]"), "the account's region, read from the account");
            Assert.That(topic["identity"]!["type"]!.GetValue<string>(), Is.EqualTo("SystemAssigned"));
        }

        // Named after the app, so that two apps reading one account (a test and a production one) share its topic.
        string app = OfType(resources, "Microsoft.Web/sites").Single()["name"]!.GetValue<string>();
        List<JsonObject> subscriptions = OfType(resources, "Microsoft.EventGrid/systemTopics/eventSubscriptions");
        Assert.That(subscriptions.Select(Id), Is.EquivalentTo(new[]
        {
            $"{TopicId(weu, "nwlogsweu-flowlogs")}/eventSubscriptions/{app}-queue",
            $"{TopicId(neu, "nwlogsneu-flowlogs")}/eventSubscriptions/{app}-queue",
            $"{TopicId(frc, "portal-topic")}/eventSubscriptions/{app}-queue",
        }));

        // Every topic identity may send to the events queue and write dead letters, nothing else of the app's account.
        string appStorage = Id(OfType(resources, "Microsoft.Storage/storageAccounts").Single());
        Assert.That(Roles(resources, QueueSenderRole).Select(ScopeOf), Is.EqualTo(Enumerable.Repeat($"{appStorage}/queueServices/default/queues/flowlog-events", 3)));
        Assert.That(Roles(resources, BlobContributorRole).Select(ScopeOf), Is.EqualTo(Enumerable.Repeat($"{appStorage}/blobServices/default/containers/eventgrid-deadletter", 3)));
        Assert.That(
            Roles(resources, QueueSenderRole).Concat(Roles(resources, BlobContributorRole)).Select(r => r["properties"]!["principalId"]!.GetValue<string>()),
            Has.All.Match(@"^\[reference\('/subscriptions/[^']+/providers/Microsoft\.EventGrid/systemTopics/[^']+', '[^']+', 'full'\)\.identity\.principalId\]$"));
        Assert.That(OfType(resources, "Microsoft.Storage/storageAccounts/queueServices/queues").Select(Id), Is.EqualTo(new[] { $"{appStorage}/queueServices/default/queues/flowlog-events" }));
    }

    [Test]
    public void QueueDeliveryWritesTheFlowLogHourBlobsEventsIntoTheAppsQueueWithTheTopicsIdentity()
    {
        List<JsonObject> resources = Predicted(QueueThree.Value);
        string appStorage = Id(OfType(resources, "Microsoft.Storage/storageAccounts").Single());
        foreach (JsonObject subscription in OfType(resources, "Microsoft.EventGrid/systemTopics/eventSubscriptions"))
        {
            JsonNode properties = subscription["properties"]!;
            Assert.That(properties["destination"], Is.Null, "delivered with the topic's identity only");
            JsonNode delivery = properties["deliveryWithResourceIdentity"]!;
            Assert.That(delivery["identity"]!["type"]!.GetValue<string>(), Is.EqualTo("SystemAssigned"));
            Assert.That(delivery["destination"]!["endpointType"]!.GetValue<string>(), Is.EqualTo("StorageQueue"));
            Assert.That(delivery["destination"]!["properties"]!["resourceId"]!.GetValue<string>(), Is.EqualTo(appStorage));
            Assert.That(delivery["destination"]!["properties"]!["queueName"]!.GetValue<string>(), Is.EqualTo("flowlog-events"));
            Assert.That(delivery["destination"]!["properties"]!["queueMessageTimeToLiveInSeconds"]!.GetValue<int>(), Is.EqualTo(new FlowLogs.Replay.ReplayOptions().MaxLookbackHours * 3600), "kept as long as the replay looks back");

            JsonNode filter = properties["filter"]!;
            Assert.That(filter["includedEventTypes"]!.AsArray().Select(e => e!.GetValue<string>()), Is.EqualTo(new[] { "Microsoft.Storage.BlobCreated" }));
            Assert.That(filter["subjectEndsWith"]!.GetValue<string>(), Is.EqualTo("/PT1H.json"));
            JsonNode subjects = filter["advancedFilters"]!.AsArray().Single()!;
            Assert.That(subjects["operatorType"]!.GetValue<string>(), Is.EqualTo("StringBeginsWith"));
            Assert.That(subjects["key"]!.GetValue<string>(), Is.EqualTo("subject"));
            Assert.That(subjects["values"]!.AsArray().Select(v => v!.GetValue<string>()), Is.EqualTo(FlowLogContainers.Select(c => $"/blobServices/default/containers/{c}/")));

            JsonNode deadLetter = properties["deadLetterWithResourceIdentity"]!;
            Assert.That(deadLetter["deadLetterDestination"]!["properties"]!["resourceId"]!.GetValue<string>(), Is.EqualTo(appStorage));
            Assert.That(deadLetter["deadLetterDestination"]!["properties"]!["blobContainerName"]!.GetValue<string>(), Is.EqualTo("eventgrid-deadletter"));
        }

        Dictionary<string, string> settings = SnapshotAppSettings(QueueThree.Value);
        Assert.That(settings["AzureWebJobs.VNetFlowLogs.Disabled"], Is.EqualTo("true"));
        Assert.That(settings["AzureWebJobs.NsgFlowLogs.Disabled"], Is.EqualTo("true"));
        Assert.That(settings.Keys, Has.None.EqualTo("AzureWebJobs.FlowLogEvents.Disabled"));
        Assert.That(QueueThree.Value["outputs"]!["delivery"]!.GetValue<string>(), Is.EqualTo("queue"));
    }

    [Test]
    public void EachAccountIsAConnectionAtItsOwnBlobEndpointListedInOrder()
    {
        Dictionary<string, string> settings = SnapshotAppSettings(QueueThree.Value);
        string[] accounts =
        [
            AccountId(AppSubscription, "NetworkWatcherRG", "nwlogsweu"),
            AccountId(OtherSubscription, "rg-net-neu", "nwlogsneu"),
            AccountId(OtherSubscription, "rg-net-frc", "nwlogsfrc"),
        ];
        string[] connections = ["FlowLogStorage", "FlowLogStorage1", "FlowLogStorage2"];
        string clientId = settings["AzureWebJobsStorage__clientId"];
        Assert.That(clientId, Does.Match(@"^\[reference\('[^']+/userAssignedIdentities/[^']+', '[^']+'\)\.clientId\]$"));
        for (int i = 0; i < accounts.Length; i++)
        {
            Assert.That(settings[$"{connections[i]}__blobServiceUri"], Is.EqualTo($"[reference('{accounts[i]}', '2025-06-01').primaryEndpoints.blob]"));
            Assert.That(settings[$"{connections[i]}__credential"], Is.EqualTo("managedidentity"));
            Assert.That(settings[$"{connections[i]}__clientId"], Is.EqualTo(clientId));
            Assert.That(settings[$"FlowLogs__Storage__FlowLogConnections__{i}"], Is.EqualTo(connections[i]));
        }

        Assert.That(settings.Keys.Count(k => k.StartsWith("FlowLogs__Storage__FlowLogConnections__", StringComparison.Ordinal)), Is.EqualTo(3));
        Assert.That(settings.Keys.Count(k => k.EndsWith("__blobServiceUri", StringComparison.Ordinal)), Is.EqualTo(4), "three accounts and the app's own");
    }

    [Test]
    public void TheTemplateNamesWhatTheCodeReads()
    {
        List<JsonObject> resources = Predicted(QueueThree.Value);
        string appStorage = Id(OfType(resources, "Microsoft.Storage/storageAccounts").Single());
        var storage = new FlowLogs.Hosting.StorageOptions();
        var replay = new FlowLogs.Replay.ReplayOptions();
        string[] codeContainers = [FlowLogs.BlobSource.FlowLogBlob.VNetContainer, FlowLogs.BlobSource.FlowLogBlob.NsgContainer];
        Dictionary<string, string> settings = SnapshotAppSettings(QueueThree.Value);
        string triggers = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "src", "FlowLogs.Functions", "FlowLogTriggers.cs"));
        Assert.Multiple(() =>
        {
            // The containers and tables the code uses by default exist in the app's account.
            Assert.That(OfType(resources, "Microsoft.Storage/storageAccounts/blobServices/containers").Select(Id), Does.Contain($"{appStorage}/blobServices/default/containers/{storage.DeadLetterContainer}"));
            Assert.That(OfType(resources, "Microsoft.Storage/storageAccounts/tableServices/tables").Select(Id), Is.EquivalentTo(new[] { storage.CheckpointTable, replay.StateTable }.Select(t => $"{appStorage}/tableServices/default/tables/{t}")));

            // The containers the reader may read and Event Grid announces are the ones the code reads.
            Assert.That(replay.FlowLogContainers, Is.EquivalentTo(codeContainers));
            Assert.That(FlowLogContainers, Is.EquivalentTo(codeContainers));

            // The connections the code's defaults and the blob triggers name are written.
            Assert.That(settings.Keys, Does.Contain($"{storage.StateConnection}__blobServiceUri").And.Contain($"{storage.StateConnection}__tableServiceUri"));
            Assert.That(Regex.Matches(triggers, @"Connection = ""(\w+)""").Select(m => m.Groups[1].Value).Distinct(), Is.EquivalentTo(new[] { "FlowLogStorage", storage.StateConnection }), "the blob triggers' and the queue trigger's");
            Assert.That(settings.Keys, Does.Contain("FlowLogStorage__blobServiceUri").And.Contain("FlowLogStorage__queueServiceUri"));
        });
    }

    [Test]
    public void ThePipelineBuiltFromTheTemplatesSettingsReadsEveryAccountInOrderAtItsEndpoint()
    {
        using ServiceProvider provider = PipelineOf(SnapshotAppSettings(QueueThree.Value));

        FlowLogAccounts accounts = provider.GetRequiredService<FlowLogAccounts>();
        string triggers = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "src", "FlowLogs.Functions", "FlowLogTriggers.cs"));

        Assert.Multiple(() =>
        {
            Assert.That(accounts.All.Select(a => (a.Account, a.Endpoint.AbsoluteUri)), Is.EqualTo(new[]
            {
                ("nwlogsweu", "https://nwlogsweu.blob.core.windows.net/"),
                ("nwlogsneu", "https://nwlogsneu.blob.core.windows.net/"),
                ("nwlogsfrc", "https://nwlogsfrc.blob.core.windows.net/"),
            }));

            // The queue the template creates and the function it leaves enabled are the code's.
            Assert.That(triggers, Does.Contain($"public const string EventsFunction = \"{"FlowLogEvents"}\";"));
            Assert.That(BlobCreatedHandler.QueueName, Is.EqualTo("flowlog-events"));
            Assert.That(OfType(Predicted(QueueThree.Value), "Microsoft.Storage/storageAccounts/queueServices/queues").Select(Id), Has.Some.EndsWith($"/queueServices/default/queues/{BlobCreatedHandler.QueueName}"));
            Assert.That(SnapshotAppSettings(WebhookOne.Value)["AzureWebJobs.FlowLogEvents.Disabled"], Is.EqualTo("true"));
        });
    }

    [Test]
    public void EndpointsAreTheAccountsPrimaryEndpointsNeverBuiltFromNames()
    {
        Dictionary<string, string> settings = SnapshotAppSettings(WebhookOne.Value);
        string appStorage = Id(OfType(Predicted(WebhookOne.Value), "Microsoft.Storage/storageAccounts").Single());
        Assert.Multiple(() =>
        {
            foreach (string service in new[] { "blob", "queue", "table" })
            {
                Assert.That(settings[$"AzureWebJobsStorage__{service}ServiceUri"], Is.EqualTo($"[reference('{appStorage}', '2025-06-01').primaryEndpoints.{service}]"));
            }

            Assert.That(settings["AzureWebJobsStorage__credential"], Is.EqualTo("managedidentity"));
            Assert.That(settings["FlowLogStorage__queueServiceUri"], Is.EqualTo($"[reference('{appStorage}', '2025-06-01').primaryEndpoints.queue]"), "the trigger's queue stays in the app's account");
            Assert.That(settings["FlowLogStorage__blobServiceUri"], Is.EqualTo($"[reference('{AccountId(AppSubscription, "NetworkWatcherRG", "nwlogsweu")}', '2025-06-01').primaryEndpoints.blob]"));
            Assert.That(settings.Keys, Has.None.EndsWith("__accountName"));
            Assert.That(settings.Values, Has.None.Contains("core.windows.net").And.None.Contains("environment()"));
        });
    }

    [Test]
    public void WebhookDeliveryServesOneAccountAndRefusesMore()
    {
        // One account: today's webhook path. Stage 1 creates the topic and the dead-letter role; stage 2 the subscriptions.
        List<JsonObject> resources = Predicted(WebhookOne.Value);
        Assert.That(OfType(resources, "Microsoft.EventGrid/systemTopics"), Has.Count.EqualTo(1));
        Assert.That(OfType(resources, "Microsoft.EventGrid/systemTopics/eventSubscriptions"), Is.Empty);
        Assert.That(Roles(resources, QueueSenderRole), Is.Empty);
        Assert.That(Roles(resources, BlobContributorRole), Has.Count.EqualTo(1));
        Dictionary<string, string> settings = SnapshotAppSettings(WebhookOne.Value);
        Assert.That(settings["AzureWebJobs.FlowLogEvents.Disabled"], Is.EqualTo("true"));
        Assert.That(settings.Keys, Has.None.StartsWith("AzureWebJobs.VNetFlowLogs").And.None.StartsWith("AzureWebJobs.NsgFlowLogs"));

        // Three accounts: refused before anything is deployed, with a message saying why and what to do.
        (int exit, string errors) = SnapshotFailure("main.bicep", ThreeAccounts + "\nparam delivery = 'webhook'");
        Assert.That(exit, Is.Not.Zero);
        Assert.That(errors, Does.Contain("delivery 'webhook' serves one flow-log account").And.Contain("3 were given: use delivery 'queue'"));
    }

    [Test]
    public void AnAccountListedTwiceIsRefused()
    {
        const string Twice = """
            param flowLogAccounts = [
              { name: 'nwlogsweu', resourceGroup: 'NetworkWatcherRG' }
              { name: 'NWLOGSWEU', resourceGroup: 'NetworkWatcherRG' }
            ]
            param delivery = 'queue'
            """;
        (int exit, string errors) = SnapshotFailure("main.bicep", Twice);
        Assert.That(exit, Is.Not.Zero);
        Assert.That(errors, Does.Contain("flowLogAccounts lists an account more than once"));
    }

    [TestCase("Flowlogs")]
    [TestCase("flow-logs")]
    [TestCase("1flowlogs")]
    [TestCase("flow_logs")]
    public void ANamePrefixOtherThanLowerCaseLettersAndDigitsIsRefused(string prefix)
    {
        (int exit, string errors) = SnapshotFailure("main.bicep", OneAccount + $"\nparam namePrefix = '{prefix}'");
        Assert.That(exit, Is.Not.Zero);
        Assert.That(errors, Does.Contain($"namePrefix '{prefix}' must be lower-case letters and digits, starting with a letter."));
    }

    [Test]
    public void ANamePrefixOfLowerCaseLettersAndDigitsIsTakenAndItsLengthIsBounded()
    {
        JsonObject snapshot = Snapshot("main.bicep", OneAccount + "\nparam namePrefix = 'soc42'");
        Assert.That(OfType(Predicted(snapshot), "Microsoft.Web/sites").Single()["name"]!.GetValue<string>(), Does.StartWith("soc42-"));

        JsonObject prefix = Main.Value["parameters"]!["namePrefix"]!.AsObject();
        Assert.That(prefix["minLength"]!.GetValue<int>(), Is.EqualTo(3));
        Assert.That(prefix["maxLength"]!.GetValue<int>(), Is.EqualTo(11), "storage and Key Vault names: prefix + 13 characters ≤ 24");
    }

    [Test]
    public void RoleAssignmentNamesAreBuiltFromScopePrincipalIdAndRole()
    {
        List<JsonObject> roles = OfType(Predicted(QueueThree.Value), "Microsoft.Authorization/roleAssignments");
        Assert.That(roles, Has.Count.EqualTo(3 + 3 + 3 + 5), "3 readers, 3 dead-letter writers, 3 queue senders, 5 of the app");
        Assert.Multiple(() =>
        {
            foreach (JsonObject role in roles)
            {
                string principal = role["properties"]!["principalId"]!.GetValue<string>();
                string definition = role["properties"]!["roleDefinitionId"]!.GetValue<string>();
                string expected = $"[guid('{ScopeOf(role)}', {principal.Trim('[', ']')}, '{definition[(definition.LastIndexOf('/') + 1)..]}')]";
                Assert.That(role["name"]!.GetValue<string>(), Is.EqualTo(expected));
                Assert.That(principal, Does.EndWith("principalId]"), "the principal id, read when the identity exists");
            }
        });
    }

    [Test]
    public void TheAppsRolesAreOnItsAccountTheOneSecretAndApplicationInsights()
    {
        List<JsonObject> resources = Predicted(WebhookOne.Value);
        string appStorage = Id(OfType(resources, "Microsoft.Storage/storageAccounts").Single());
        string vault = Id(OfType(resources, "Microsoft.KeyVault/vaults").Single());
        string insights = Id(OfType(resources, "Microsoft.Insights/components").Single());
        string identity = Id(OfType(resources, "Microsoft.ManagedIdentity/userAssignedIdentities").Single());
        var appRoles = OfType(resources, "Microsoft.Authorization/roleAssignments")
            .Where(r => r["properties"]!["principalId"]!.GetValue<string>().Contains(identity, StringComparison.Ordinal))
            .Select(r => (Role: RoleOf(r), Scope: ScopeOf(r)))
            .ToList();
        Assert.That(appRoles, Is.EquivalentTo(new[]
        {
            ("b7e6dc6d-f1e8-4753-8033-0f276bb0955b", appStorage),
            ("974c5e8b-45b9-4653-ba55-5f855dd0fb88", appStorage),
            ("0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3", appStorage),
            (SecretsUserRole, $"{vault}/secrets/sekoia-intake-key"),
            ("3913510d-42f4-4e42-8a64-420c390055eb", insights),
            (ReaderRole, AccountId(AppSubscription, "NetworkWatcherRG", "nwlogsweu")),
        }));
    }

    [Test]
    public void AnNsgIntakeKeyIsASecretOfItsOwnReadThroughAKeyVaultReferenceByTheAppAlone()
    {
        JsonObject snapshot = Snapshot("main.bicep", OneAccount + "\nparam nsgIntakeKey = 'not-an-nsg-key'");
        List<JsonObject> resources = Predicted(snapshot);
        string vault = Id(OfType(resources, "Microsoft.KeyVault/vaults").Single());
        Assert.That(OfType(resources, "Microsoft.KeyVault/vaults/secrets").Select(Id), Is.EquivalentTo(new[] { $"{vault}/secrets/sekoia-intake-key", $"{vault}/secrets/sekoia-nsg-intake-key" }));

        string identity = Id(OfType(resources, "Microsoft.ManagedIdentity/userAssignedIdentities").Single());
        Assert.That(
            Roles(resources, SecretsUserRole).Where(r => r["properties"]!["principalId"]!.GetValue<string>().Contains(identity, StringComparison.Ordinal)).Select(ScopeOf),
            Is.EquivalentTo(new[] { $"{vault}/secrets/sekoia-intake-key", $"{vault}/secrets/sekoia-nsg-intake-key" }),
            "the app reads each of its two secrets, nothing else of the vault");

        // The snapshot does not evaluate a secure value, so the settings stay the expression that adds the reference.
        string settings = OfType(resources, "Microsoft.Web/sites").Single()["properties"]!["siteConfig"]!["appSettings"]!.GetValue<string>();
        Assert.That(settings, Does.Contain("'FlowLogs__Sekoia__NsgIntakeKey', 'value', format('@Microsoft.KeyVault(SecretUri={0})', reference('").And.Contain("/secrets/sekoia-nsg-intake-key', "));
        Assert.That(settings, Does.Not.Contain("not-an-nsg-key"));

        // Without one: neither the secret, the setting nor the role.
        List<JsonObject> without = Predicted(WebhookOne.Value);
        Assert.That(OfType(without, "Microsoft.KeyVault/vaults/secrets").Select(Id), Is.EqualTo(new[] { $"{Id(OfType(without, "Microsoft.KeyVault/vaults").Single())}/secrets/sekoia-intake-key" }));
        Assert.That(SnapshotAppSettings(WebhookOne.Value).Keys, Has.None.EqualTo("FlowLogs__Sekoia__NsgIntakeKey"));
        Assert.That(Roles(without, SecretsUserRole), Has.Count.EqualTo(1));
    }

    [Test]
    public void TheFlowLogReaderMayReadOnlyTheTwoFlowLogContainers()
    {
        // One reader a flow-log account: an empty loop would pass without checking a condition.
        List<JsonObject> readers = Roles(Predicted(QueueThree.Value), ReaderRole);
        Assert.That(readers, Has.Count.EqualTo(3));
        foreach (JsonObject reader in readers)
        {
            JsonNode properties = reader["properties"]!;
            Assert.That(properties["conditionVersion"]!.GetValue<string>(), Is.EqualTo("2.0"));
            string condition = properties["condition"]!.GetValue<string>();
            Assert.That(condition, Is.EqualTo(
                "((!(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'})) OR ("
                + "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'insights-logs-flowlogflowevent' OR "
                + "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'insights-logs-networksecuritygroupflowevent'))"));
        }
    }

    [Test]
    public void TopicFailuresVaultAuditAndAppLogsGoToTheWorkspace()
    {
        List<JsonObject> resources = Predicted(QueueThree.Value);
        string workspace = Id(OfType(resources, "Microsoft.OperationalInsights/workspaces").Single());
        var diagnostics = OfType(resources, "Microsoft.Insights/diagnosticSettings").ToDictionary(
            d => Id(d)[..Id(d).IndexOf("/providers/Microsoft.Insights/diagnosticSettings/", StringComparison.Ordinal)],
            d => d["properties"]!);
        string weu = AccountId(AppSubscription, "NetworkWatcherRG", "nwlogsweu");
        string neu = AccountId(OtherSubscription, "rg-net-neu", "nwlogsneu");
        string frc = AccountId(OtherSubscription, "rg-net-frc", "nwlogsfrc");
        var expected = new Dictionary<string, string>
        {
            [TopicId(weu, "nwlogsweu-flowlogs")] = "DeliveryFailures",
            [TopicId(neu, "nwlogsneu-flowlogs")] = "DeliveryFailures",
            [TopicId(frc, "portal-topic")] = "DeliveryFailures",
            [Id(OfType(resources, "Microsoft.KeyVault/vaults").Single())] = "AuditEvent",
            [Id(OfType(resources, "Microsoft.Web/sites").Single())] = "FunctionAppLogs",
        };
        Assert.That(diagnostics.Keys, Is.EquivalentTo(expected.Keys));
        Assert.Multiple(() =>
        {
            foreach ((string resource, string category) in expected)
            {
                Assert.That(diagnostics[resource]["workspaceId"]!.GetValue<string>(), Is.EqualTo(workspace), resource);
                Assert.That(diagnostics[resource]["logs"]!.AsArray().Select(l => l!["category"]!.GetValue<string>()), Is.EqualTo(new[] { category }), resource);
            }
        });
    }

    [Test]
    public void TheWorkspaceIsCappedAndDeadLettersExpireAfterTheRetention()
    {
        JsonObject snapshot = Snapshot("main.bicep", OneAccount + "\nparam logDailyCapGb = 12\nparam deadLetterRetentionDays = 45");
        List<JsonObject> resources = Predicted(snapshot);
        Assert.That(OfType(resources, "Microsoft.OperationalInsights/workspaces").Single()["properties"]!["workspaceCapping"]!["dailyQuotaGb"]!.GetValue<int>(), Is.EqualTo(12));

        JsonNode rule = OfType(resources, "Microsoft.Storage/storageAccounts/managementPolicies").Single()["properties"]!["policy"]!["rules"]!.AsArray().Single()!;
        Assert.That(rule["definition"]!["filters"]!["prefixMatch"]!.AsArray().Select(p => p!.GetValue<string>()), Is.EquivalentTo(new[] { "flowlogs-deadletter/", "eventgrid-deadletter/" }));
        Assert.That(rule["definition"]!["actions"]!["baseBlob"]!["delete"]!["daysAfterModificationGreaterThan"]!.GetValue<int>(), Is.EqualTo(45));

        // The defaults: a cap, and dead letters kept far longer than the replay looks back (7 days), never less.
        JsonObject parameters = Main.Value["parameters"]!.AsObject();
        Assert.That(parameters["logDailyCapGb"]!["defaultValue"]!.GetValue<int>(), Is.Positive);
        Assert.That(parameters["deadLetterRetentionDays"]!["defaultValue"]!.GetValue<int>(), Is.EqualTo(90));
        Assert.That(parameters["deadLetterRetentionDays"]!["minValue"]!.GetValue<int>() * 24, Is.GreaterThan(new FlowLogs.Replay.ReplayOptions().MaxLookbackHours));
    }

    [Test]
    public void TheKeyVaultIsRecoveredOnRequest()
    {
        JsonObject vault(JsonObject snapshot) => OfType(Predicted(snapshot), "Microsoft.KeyVault/vaults").Single();
        Assert.That(vault(WebhookOne.Value)["properties"]!["createMode"]!.GetValue<string>(), Is.EqualTo("default"));
        Assert.That(vault(Snapshot("main.bicep", OneAccount + "\nparam keyVaultCreateMode = 'recover'"))["properties"]!["createMode"]!.GetValue<string>(), Is.EqualTo("recover"));
        Assert.That(vault(WebhookOne.Value)["properties"]!["enablePurgeProtection"]!.GetValue<bool>(), Is.True);
    }

    [Test]
    public void FleetWideIntakeRequestsAndPerInstanceCallsFollowTheirParameters()
    {
        JsonObject snapshot = Snapshot("main.bicep", OneAccount + "\nparam maxConcurrentIntakeRequests = 100\nparam intakeRequestsPerInstance = 5\nparam triggerConcurrency = 7");
        JsonObject site = OfType(Predicted(snapshot), "Microsoft.Web/sites").Single();
        JsonNode scale = site["properties"]!["functionAppConfig"]!["scaleAndConcurrency"]!;
        Dictionary<string, string> settings = SnapshotAppSettings(snapshot);
        Assert.Multiple(() =>
        {
            Assert.That(scale["maximumInstanceCount"]!.GetValue<int>(), Is.EqualTo(20), "100 requests / 5 per instance");
            Assert.That(settings["FlowLogs__Sekoia__MaxConcurrentRequests"], Is.EqualTo("5"));
            Assert.That(settings["AzureFunctionsJobHost__extensions__blobs__maxDegreeOfParallelism"], Is.EqualTo("7"));
            Assert.That(int.Parse(settings["AzureFunctionsJobHost__extensions__queues__batchSize"], System.Globalization.CultureInfo.InvariantCulture)
                + int.Parse(settings["AzureFunctionsJobHost__extensions__queues__newBatchThreshold"], System.Globalization.CultureInfo.InvariantCulture), Is.EqualTo(7), "queue messages at once");
        });

        // By default: 160 requests fleet-wide, 4 per instance, 40 instances.
        Assert.That(OfType(Predicted(WebhookOne.Value), "Microsoft.Web/sites").Single()["properties"]!["functionAppConfig"]!["scaleAndConcurrency"]!["maximumInstanceCount"]!.GetValue<int>(), Is.EqualTo(40));
    }

    [Test]
    public void PrivateNetworkingIntegratesTheAppReachesItsAccountPrivatelyAndDeliversByQueue()
    {
        JsonObject snapshot = Snapshot("main.bicep", ThreeAccounts + "\nparam privateNetworking = true");
        List<JsonObject> resources = Predicted(snapshot);
        Assert.That(snapshot["outputs"]!["delivery"]!.GetValue<string>(), Is.EqualTo("queue"), "queue delivery forced, even with more than one account");
        Assert.That(OfType(resources, "Microsoft.EventGrid/systemTopics/eventSubscriptions"), Has.Count.EqualTo(3));

        JsonObject vnet = OfType(resources, "Microsoft.Network/virtualNetworks").Single();
        JsonNode appSubnet = vnet["properties"]!["subnets"]!.AsArray().Single(s => s!["name"]!.GetValue<string>() == "app")!;
        Assert.That(appSubnet["properties"]!["delegations"]!.AsArray().Single()!["properties"]!["serviceName"]!.GetValue<string>(), Is.EqualTo("Microsoft.App/environments"));
        Assert.That(appSubnet["properties"]!["natGateway"], Is.Not.Null, "outbound to the intake");
        JsonObject site = OfType(resources, "Microsoft.Web/sites").Single();
        Assert.That(site["properties"]!["virtualNetworkSubnetId"]!.GetValue<string>(), Is.EqualTo($"{Id(vnet)}/subnets/app"));

        JsonObject storage = OfType(resources, "Microsoft.Storage/storageAccounts").Single();
        Assert.That(storage["properties"]!["networkAcls"]!["defaultAction"]!.GetValue<string>(), Is.EqualTo("Deny"));
        Assert.That(storage["properties"]!["networkAcls"]!["bypass"]!.GetValue<string>(), Is.EqualTo("AzureServices"), "Event Grid delivers as a trusted service, with its identity");

        // Private endpoints for the app's account and its vault, in the endpoints' subnet.
        string vault = Id(OfType(resources, "Microsoft.KeyVault/vaults").Single());
        List<JsonObject> endpoints = OfType(resources, "Microsoft.Network/privateEndpoints");
        Assert.That(
            endpoints.Select(e => e["properties"]!["privateLinkServiceConnections"]!.AsArray().Single()!["properties"]!).Select(c => (c["groupIds"]!.AsArray().Single()!.GetValue<string>(), c["privateLinkServiceId"]!.GetValue<string>())),
            Is.EquivalentTo(new[] { ("blob", Id(storage)), ("queue", Id(storage)), ("table", Id(storage)), ("vault", vault) }));
        Assert.That(endpoints.Select(e => e["properties"]!["subnet"]!["id"]!.GetValue<string>()), Has.All.EqualTo($"{Id(vnet)}/subnets/private-endpoints"));

        // Zones in the cloud's own suffixes, linked to the created network only.
        List<JsonObject> zones = OfType(resources, "Microsoft.Network/privateDnsZones");
        Assert.That(zones, Has.Count.EqualTo(4));
        Assert.That(zones.Select(z => z["name"]!.GetValue<string>()), Has.All.Contain("environment().suffixes"), "the cloud's own suffixes, never a literal domain");
        Assert.That(OfType(resources, "Microsoft.Network/privateDnsZones/virtualNetworkLinks").Select(l => l["properties"]!["virtualNetwork"]!["id"]!.GetValue<string>()), Is.EqualTo(Enumerable.Repeat(Id(vnet), 4)));
        Assert.That(OfType(resources, "Microsoft.Network/privateEndpoints/privateDnsZoneGroups"), Has.Count.EqualTo(4));

        // Without private networking: none of it, and the account's firewall open as before.
        List<JsonObject> open = Predicted(WebhookOne.Value);
        Assert.That(open.Where(r => r["type"]!.GetValue<string>().StartsWith("Microsoft.Network/", StringComparison.Ordinal)), Is.Empty);
        Assert.That(OfType(open, "Microsoft.Storage/storageAccounts").Single()["properties"]!["networkAcls"]!["defaultAction"]!.GetValue<string>(), Is.EqualTo("Allow"));
    }

    [Test]
    public void TheCustomersSubnetsComeWithTheCustomersZonesAndNoZoneIsLinkedToTheirNetwork()
    {
        const string network = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-spoke/providers/Microsoft.Network/virtualNetworks/spoke";
        string subnets = $"""

            param privateNetworking = true
            param existingAppSubnetId = '{network}/subnets/functions'
            param existingPrivateEndpointSubnetId = '{network}/subnets/endpoints'
            """;

        // Hub and spoke, the normal case: the spoke already resolves privatelink.* through the hub's zones, and Azure
        // refuses a second link of a zone of the same name. Zones made here would break that: the template asks.
        (int exit, string errors) = SnapshotFailure("main.bicep", OneAccount + subnets);
        Assert.That(exit, Is.Not.Zero);
        Assert.That(errors, Does.Contain("with existingAppSubnetId, give existingPrivateDnsZoneIds").And.Contain("Azure refuses to link a second one"));

        JsonObject snapshot = Snapshot("main.bicep", OneAccount + subnets + "\n" + HubZones());
        List<JsonObject> resources = Predicted(snapshot);
        Assert.Multiple(() =>
        {
            Assert.That(OfType(resources, "Microsoft.Network/virtualNetworks"), Is.Empty);
            Assert.That(OfType(resources, "Microsoft.Network/natGateways"), Is.Empty);
            Assert.That(OfType(resources, "Microsoft.Network/networkSecurityGroups"), Is.Empty, "the customer's subnets keep their own groups");
            Assert.That(OfType(resources, "Microsoft.Network/privateDnsZones"), Is.Empty);
            Assert.That(OfType(resources, "Microsoft.Network/privateDnsZones/virtualNetworkLinks"), Is.Empty, "nothing is linked to the customer's network");
            Assert.That(OfType(resources, "Microsoft.Web/sites").Single()["properties"]!["virtualNetworkSubnetId"]!.GetValue<string>(), Is.EqualTo($"{network}/subnets/functions"));
            Assert.That(OfType(resources, "Microsoft.Network/privateEndpoints").Select(e => e["properties"]!["subnet"]!["id"]!.GetValue<string>()), Is.EqualTo(Enumerable.Repeat($"{network}/subnets/endpoints", 4)));
        });
    }

    [Test]
    public void PrivateNetworkingCanUseTheCustomersCentralDnsZones()
    {
        string[] zones = HubZoneIds;
        JsonObject snapshot = Snapshot("main.bicep", OneAccount + "\nparam privateNetworking = true\n" + HubZones());
        List<JsonObject> resources = Predicted(snapshot);

        Assert.Multiple(() =>
        {
            Assert.That(OfType(resources, "Microsoft.Network/privateDnsZones"), Is.Empty);
            Assert.That(OfType(resources, "Microsoft.Network/privateDnsZones/virtualNetworkLinks"), Is.Empty);
            Assert.That(
                OfType(resources, "Microsoft.Network/privateEndpoints/privateDnsZoneGroups").Select(g => g["properties"]!["privateDnsZoneConfigs"]![0]!["properties"]!["privateDnsZoneId"]!.GetValue<string>()),
                Is.EqualTo(zones));
        });

        (int exit, string errors) = SnapshotFailure("main.bicep", OneAccount + $"\nparam privateNetworking = true\nparam existingPrivateDnsZoneIds = ['{zones[0]}']");
        Assert.That(exit, Is.Not.Zero);
        Assert.That(errors, Does.Contain("existingPrivateDnsZoneIds takes the four zones"));
    }

    [Test]
    public void QueueDeliveryIsTheDefault()
    {
        Assert.That(Main.Value["parameters"]!["delivery"]!["defaultValue"]!.GetValue<string>(), Is.EqualTo("queue"));
        List<JsonObject> resources = Predicted(DefaultOne.Value);
        Dictionary<string, string> settings = SnapshotAppSettings(DefaultOne.Value);
        Assert.Multiple(() =>
        {
            Assert.That(DefaultOne.Value["outputs"]!["delivery"]!.GetValue<string>(), Is.EqualTo("queue"));
            Assert.That(OfType(resources, "Microsoft.EventGrid/systemTopics/eventSubscriptions").Single()["properties"]!["deliveryWithResourceIdentity"]!["destination"]!["endpointType"]!.GetValue<string>(), Is.EqualTo("StorageQueue"), "no stage waits for a host key");
            Assert.That(settings["AzureWebJobs.VNetFlowLogs.Disabled"], Is.EqualTo("true"));
            Assert.That(settings.Keys, Has.None.EqualTo("AzureWebJobs.FlowLogEvents.Disabled"));
        });
    }

    [Test]
    public void WithPrivateNetworkingTheKeyVaultIsClosedToPublicNetworksAndReachedThroughItsEndpoint()
    {
        JsonObject closed = OfType(Predicted(Snapshot("main.bicep", OneAccount + "\nparam privateNetworking = true")), "Microsoft.KeyVault/vaults").Single();
        JsonObject open = OfType(Predicted(DefaultOne.Value), "Microsoft.KeyVault/vaults").Single();
        Assert.Multiple(() =>
        {
            Assert.That(closed["properties"]!["publicNetworkAccess"]!.GetValue<string>(), Is.EqualTo("Disabled"));
            Assert.That(closed["properties"]!["networkAcls"]!["defaultAction"]!.GetValue<string>(), Is.EqualTo("Deny"));
            Assert.That(open["properties"]!["publicNetworkAccess"]!.GetValue<string>(), Is.EqualTo("Enabled"), "without a network the app reaches the vault publicly");
            Assert.That(open["properties"]!["networkAcls"]!["defaultAction"]!.GetValue<string>(), Is.EqualTo("Allow"));
        });
    }

    [Test]
    public void EverySubnetTheTemplateCreatesHasANetworkSecurityGroup()
    {
        List<JsonObject> resources = Predicted(Snapshot("main.bicep", OneAccount + "\nparam privateNetworking = true"));
        HashSet<string> groups = [.. OfType(resources, "Microsoft.Network/networkSecurityGroups").Select(Id)];
        JsonArray subnets = OfType(resources, "Microsoft.Network/virtualNetworks").Single()["properties"]!["subnets"]!.AsArray();
        Assert.That(subnets, Has.Count.EqualTo(2));
        Assert.That(groups, Has.Count.EqualTo(2), "one per subnet");
        Assert.That(subnets.Select(s => s!["properties"]!["networkSecurityGroup"]?["id"]?.GetValue<string>()), Is.EquivalentTo(groups));
        Assert.That(subnets.Single(s => s!["name"]!.GetValue<string>() == "private-endpoints")!["properties"]!["privateEndpointNetworkPolicies"]!.GetValue<string>(), Is.EqualTo("Enabled"), "the group governs the endpoints too");
    }

    [Test]
    public void AnExistingTopicMayLiveInAResourceGroupOfItsOwn()
    {
        const string Elsewhere = """
            param flowLogAccounts = [
              { name: 'nwlogsweu', resourceGroup: 'NetworkWatcherRG', existingSystemTopicName: 'portal-topic', existingSystemTopicResourceGroup: 'rg-events' }
            ]
            """;
        List<JsonObject> resources = Predicted(Snapshot("main.bicep", Elsewhere));
        string account = AccountId(AppSubscription, "NetworkWatcherRG", "nwlogsweu");
        string topic = $"/subscriptions/{AppSubscription}/resourceGroups/rg-events/providers/Microsoft.EventGrid/systemTopics/portal-topic";
        string app = OfType(resources, "Microsoft.Web/sites").Single()["name"]!.GetValue<string>();
        Assert.Multiple(() =>
        {
            Assert.That(OfType(resources, "Microsoft.EventGrid/systemTopics"), Is.Empty, "the existing topic is used, not created");
            Assert.That(OfType(resources, "Microsoft.EventGrid/systemTopics/eventSubscriptions").Select(Id), Is.EqualTo(new[] { $"{topic}/eventSubscriptions/{app}-queue" }));
            Assert.That(OfType(resources, "Microsoft.Insights/diagnosticSettings").Select(Id), Has.Some.StartsWith(topic + "/providers/Microsoft.Insights/diagnosticSettings/"));
            Assert.That(Roles(resources, ReaderRole).Select(ScopeOf), Is.EqualTo(new[] { account }), "the reader role stays on the account");
        });

        (int exit, string errors) = SnapshotFailure("main.bicep", OneAccount.Replace("resourceGroup: 'NetworkWatcherRG' }", "resourceGroup: 'NetworkWatcherRG', existingSystemTopicResourceGroup: 'rg-events' }", StringComparison.Ordinal));
        Assert.That(exit, Is.Not.Zero);
        Assert.That(errors, Does.Contain("existingSystemTopicResourceGroup is given without existingSystemTopicName for nwlogsweu"));
    }

    [Test]
    public void TheAppWaitsForTheRolesItsSettingsUse()
    {
        JsonObject site = Resources(Main.Value).Single(r => r["type"]!.GetValue<string>() == "Microsoft.Web/sites");
        string[] waits = [.. site["dependsOn"]!.AsArray().Select(d => d!.GetValue<string>())];
        Assert.That(waits, Does.Contain("appRoles"), "the Key Vault Secrets User, storage and metrics roles (modules/app-roles.bicep)");
        Assert.That(waits, Has.Some.StartsWith("[format('accounts[{0}]'"), "each account's reader role (modules/flow-log-account.bicep), through its endpoint setting");
    }

    [TestCase(3, 4, 0)]
    [TestCase(16000, 1, 16000)]
    [TestCase(4004, 4, 1001)]
    public void InstanceBoundsFlexRefusesAreRefusedBeforeAnythingIsDeployed(int requests, int perInstance, int instances)
    {
        (int exit, string errors) = SnapshotFailure("main.bicep", OneAccount + $"\nparam maxConcurrentIntakeRequests = {requests}\nparam intakeRequestsPerInstance = {perInstance}");
        Assert.That(exit, Is.Not.Zero);
        Assert.That(errors, Does.Contain($"maxConcurrentIntakeRequests ({requests}) / intakeRequestsPerInstance ({perInstance}) gives {instances} instances; Flex Consumption's maximumInstanceCount takes 1 to 1000."));
    }

    [TestCase(4, 4, 1)]
    [TestCase(4000, 4, 1000)]
    public void InstanceBoundsFlexAcceptsAreTaken(int requests, int perInstance, int instances)
    {
        JsonObject site = OfType(Predicted(Snapshot("main.bicep", OneAccount + $"\nparam maxConcurrentIntakeRequests = {requests}\nparam intakeRequestsPerInstance = {perInstance}")), "Microsoft.Web/sites").Single();
        Assert.That(site["properties"]!["functionAppConfig"]!["scaleAndConcurrency"]!["maximumInstanceCount"]!.GetValue<int>(), Is.EqualTo(instances));
    }

    private static readonly string[] HubZoneIds = [.. new[] { "privatelink.blob.core.windows.net", "privatelink.queue.core.windows.net", "privatelink.table.core.windows.net", "privatelink.vaultcore.azure.net" }
        .Select(z => $"/subscriptions/33333333-3333-3333-3333-333333333333/resourceGroups/rg-dns/providers/Microsoft.Network/privateDnsZones/{z}")];

    private static string HubZones() => $"param existingPrivateDnsZoneIds = [{string.Join(", ", HubZoneIds.Select(z => $"'{z}'"))}]";

    [Test]
    public void OnlyOneOfTheCustomersSubnetsIsRefused()
    {
        (int exit, string errors) = SnapshotFailure("main.bicep", OneAccount + "\nparam privateNetworking = true\nparam existingAppSubnetId = '/subscriptions/x/resourceGroups/y/providers/Microsoft.Network/virtualNetworks/z/subnets/app'");
        Assert.That(exit, Is.Not.Zero);
        Assert.That(errors, Does.Contain("existingAppSubnetId and existingPrivateEndpointSubnetId are given together or not at all."));
    }

    [Test]
    public void TheWebhookStageAttachesToTheTopicItIsGivenAndCreatesNone()
    {
        JsonObject snapshot = Snapshot(
            "eventgrid.bicep",
            "param systemTopicName = 'portal-topic'\nparam appResourceGroup = 'rg-flowlogs'\nparam functionAppName = 'flowlogs-app'\nparam appStorageAccountName = 'flowlogsapp'",
            resourceGroup: "NetworkWatcherRG");
        List<JsonObject> resources = Predicted(snapshot);
        Assert.That(OfType(resources, "Microsoft.EventGrid/systemTopics"), Is.Empty, "an existing topic is never re-created");
        string topic = $"/subscriptions/{AppSubscription}/resourceGroups/NetworkWatcherRG/providers/Microsoft.EventGrid/systemTopics/portal-topic";
        Assert.That(OfType(resources, "Microsoft.EventGrid/systemTopics/eventSubscriptions").Select(Id), Is.EquivalentTo(new[] { $"{topic}/eventSubscriptions/vnetflowlogs", $"{topic}/eventSubscriptions/nsgflowlogs" }));
        Assert.That(resources.Select(r => r["type"]!.GetValue<string>()), Has.All.EqualTo("Microsoft.EventGrid/systemTopics/eventSubscriptions"), "the roles were granted by stage 1");
    }

    [Test]
    public void TheReadmeListsEveryParameterOfMainWithItsDefault()
    {
        string readme = File.ReadAllText(Path.Combine(Infra, "README.md"));
        Assert.Multiple(() =>
        {
            foreach ((string name, JsonNode? parameter) in Main.Value["parameters"]!.AsObject())
            {
                // Strings as they are, other values as JSON; none or empty: –; the resource group's region in words.
                string byDefault = parameter!["defaultValue"] switch
                {
                    null => "–",
                    JsonValue text when text.TryGetValue(out string? s) => s.Length == 0 ? "–" : s.StartsWith('[') ? "the resource group's" : s,
                    JsonNode other => other.ToJsonString(),
                };

                Assert.That(readme, Does.Match($@"\| `{name}` \| `?{Regex.Escape(byDefault)}`? \|"), $"{name} and its default {byDefault} in infra/README.md");
            }
        });
    }

    [Test]
    public void TheReadmeListsEveryAppSettingTheTemplateWrites()
    {
        string readme = File.ReadAllText(Path.Combine(Infra, "README.md"));
        IEnumerable<string> names = SnapshotAppSettings(QueueThree.Value).Keys.Concat(SnapshotAppSettings(WebhookOne.Value).Keys).Concat(SnapshotAppSettings(PollingThree.Value).Keys).Distinct()
            .Select(n => Regex.Replace(n, @"(?<=FlowLogStorage)[1-9]\d*|(?<=__)\d+$", "{i}"));
        Assert.Multiple(() =>
        {
            foreach (string name in names.Distinct())
            {
                Assert.That(readme, Does.Contain($"| `{name}` |"), $"{name} in the settings table of infra/README.md");
            }
        });
    }

    [Test]
    public void TheIntakeKeyIsNeverOnACommandLineInTheDocuments()
    {
        foreach (string document in new[] { Path.Combine(Infra, "README.md"), Path.Combine(RepositoryRoot.Path, "docs", "operations.md") })
        {
            string text = File.ReadAllText(document);
            Assert.That(CommandLineKey().IsMatch(text), Is.False, $"{document} passes intakeKey on a command line");
        }

        Assert.That(CommandLineKey().IsMatch("  -p flowLogAccounts=@a.json intakeKey=\"$KEY\""), Is.True, "the check finds one");
        Assert.That(CommandLineKey().IsMatch("  -p nsgIntakeKey=\"$NSG_KEY\""), Is.True, "and the NSG intake's");
        Assert.That(File.ReadAllText(Path.Combine(Infra, "main.parameters.example.json")), Does.Not.Contain("intakeKey").IgnoreCase);
    }

    private static JsonObject Snapshot(string template, string parameters, string resourceGroup = AppGroup)
    {
        (JsonObject? snapshot, string errors) = RunSnapshot(template, parameters, resourceGroup);
        Assert.That(snapshot, Is.Not.Null, errors);
        return snapshot!;
    }

    private static (int Exit, string Errors) SnapshotFailure(string template, string parameters)
    {
        (JsonObject? snapshot, string errors) = RunSnapshot(template, parameters, AppGroup);
        return (snapshot is null ? 1 : 0, errors);
    }

    // A .bicepparam in a scratch folder, its snapshot taken as if deployed into resourceGroup of the app's subscription.
    private static (JsonObject? Snapshot, string Errors) RunSnapshot(string template, string parameters, string resourceGroup)
    {
        string folder = Directory.CreateTempSubdirectory("flowlogs-snapshot-").FullName;
        try
        {
            string using_ = Path.GetRelativePath(folder, Path.Combine(Infra, template)).Replace('\\', '/');
            string intakeKey = template == "main.bicep" && !parameters.Contains("intakeKey", StringComparison.Ordinal) ? "\nparam intakeKey = 'not-a-key'" : string.Empty;
            string file = Path.Combine(folder, "test.bicepparam");
            File.WriteAllText(file, $"using '{using_}'\n{parameters}{intakeKey}\n");
            return BicepCli.Instance.Snapshot(file, "33333333-3333-3333-3333-333333333333", AppSubscription, resourceGroup, "westeurope");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static List<JsonObject> Predicted(JsonObject snapshot) => snapshot["predictedResources"]!.AsArray().Select(r => r!.AsObject()).ToList();

    private static List<JsonObject> OfType(IEnumerable<JsonObject> resources, string type) => resources.Where(r => r["type"]!.GetValue<string>() == type).ToList();

    private static List<JsonObject> Roles(IEnumerable<JsonObject> resources, string role)
        => OfType(resources, "Microsoft.Authorization/roleAssignments").Where(r => RoleOf(r) == role).ToList();

    private static string RoleOf(JsonObject role)
    {
        string definition = role["properties"]!["roleDefinitionId"]!.GetValue<string>();
        return definition[(definition.LastIndexOf('/') + 1)..];
    }

    private static string Id(JsonObject resource) => resource["id"]!.GetValue<string>();

    // A role assignment's id is extensionResourceId('<scope>', …) until its name (from the principal id) is known.
    private static string ScopeOf(JsonObject role) => ExtensionScope().Match(Id(role)) is { Success: true } m ? m.Groups[1].Value : Id(role);

    private static string AccountId(string subscription, string group, string name) => $"/subscriptions/{subscription}/resourceGroups/{group}/providers/Microsoft.Storage/storageAccounts/{name}";

    private static string TopicId(string account, string topic) => $"{account[..account.IndexOf("/providers/", StringComparison.Ordinal)]}/providers/Microsoft.EventGrid/systemTopics/{topic}";

    private static Dictionary<string, string> SnapshotAppSettings(JsonObject snapshot)
        => OfType(Predicted(snapshot), "Microsoft.Web/sites").Single()["properties"]!["siteConfig"]!["appSettings"]!.AsArray()
            .ToDictionary(s => s!["name"]!.GetValue<string>(), s => s!["value"]!.GetValue<string>());

    // The pipeline's services as the app builds them from these settings as Azure resolves them, each account's
    // primaryEndpoints read from the account itself (nothing is started or called).
    private static ServiceProvider PipelineOf(Dictionary<string, string> settings)
    {
        Dictionary<string, string?> resolved = settings.ToDictionary(
            s => s.Key.Replace("__", ":", StringComparison.Ordinal),
            s => (string?)PrimaryEndpoint().Replace(s.Value, m => $"https://{m.Groups["account"].Value}.{m.Groups["service"].Value}.core.windows.net/"));
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(resolved).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddFlowLogPipeline(configuration);
        return services.BuildServiceProvider();
    }

    // [reference('/subscriptions/…/storageAccounts/<account>', '<version>').primaryEndpoints.<service>]
    [GeneratedRegex(@"^\[reference\('[^']*/storageAccounts/(?<account>[a-z0-9]+)', '[^']+'\)\.primaryEndpoints\.(?<service>blob|queue|table)\]$")]
    private static partial Regex PrimaryEndpoint();

    // intakeKey=… or nsgIntakeKey=… in a shell line (a parameter file writes "intakeKey": …).
    [GeneratedRegex(@"[iI]ntakeKey\s*=")]
    private static partial Regex CommandLineKey();

    [GeneratedRegex(@"^\[extensionResourceId\('([^']+)', 'Microsoft\.Authorization/roleAssignments'")]
    private static partial Regex ExtensionScope();
}
