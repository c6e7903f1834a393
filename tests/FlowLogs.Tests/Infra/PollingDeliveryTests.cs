using System.Text.Json.Nodes;
using FlowLogs.Replay;
using FlowLogs.SelfCheck;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using NCrontab;

namespace FlowLogs.Tests.Infra;

/// <summary>
/// Polling delivery as deployed (<c>bicep snapshot</c>): no Event Grid on any account, every trigger disabled, the
/// replay timer on a schedule of <c>pollingMinutes</c> read with the Functions host's own NCRONTAB parser, and the
/// settings and parameters the template refuses with it.
/// </summary>
public partial class BicepTemplateTests
{
    // The accounts of ThreeAccounts without an existing topic, which polling refuses.
    private const string ThreeAccountsWithoutTopics = """
        param flowLogAccounts = [
          { name: 'nwlogsweu', resourceGroup: 'NetworkWatcherRG' }
          { name: 'nwlogsneu', resourceGroup: 'rg-net-neu', subscriptionId: '22222222-2222-2222-2222-222222222222' }
          { name: 'nwlogsfrc', resourceGroup: 'rg-net-frc', subscriptionId: '22222222-2222-2222-2222-222222222222' }
        ]
        """;

    private static readonly Lazy<JsonObject> PollingThree = new(() => Snapshot("main.bicep", ThreeAccountsWithoutTopics + "\nparam delivery = 'polling'"));

    private static readonly string[] TriggerFunctions = ["FlowLogEvents", "VNetFlowLogs", "NsgFlowLogs"];

    [Test]
    public void PollingDeploysNoEventGridResourceAndKeepsEachAccountsReaderRole()
    {
        List<JsonObject> resources = Predicted(PollingThree.Value);
        string weu = AccountId(AppSubscription, "NetworkWatcherRG", "nwlogsweu");
        string neu = AccountId(OtherSubscription, "rg-net-neu", "nwlogsneu");
        string frc = AccountId(OtherSubscription, "rg-net-frc", "nwlogsfrc");
        static string TypeOf(JsonObject r) => r["type"]!.GetValue<string>();
        Assert.Multiple(() =>
        {
            Assert.That(resources.Select(TypeOf), Has.None.StartsWith("Microsoft.EventGrid/"), "no topic, no subscription, on any account");
            Assert.That(Predicted(QueueThree.Value).Select(TypeOf), Has.Some.StartsWith("Microsoft.EventGrid/"), "the check sees Event Grid where there is");

            // The app lists and reads every account itself: its reader role on each, in the account's subscription.
            Assert.That(Roles(resources, ReaderRole).Select(ScopeOf), Is.EquivalentTo(new[] { weu, neu, frc }));
            Assert.That(Roles(resources, QueueSenderRole).Concat(Roles(resources, BlobContributorRole)), Is.Empty, "no topic identity to grant anything");
            Assert.That(OfType(resources, "Microsoft.Authorization/roleAssignments"), Has.Count.EqualTo(3 + 5), "3 readers and the app's 5");

            // Diagnostic settings of the vault and the app only: no topic's DeliveryFailures.
            Assert.That(
                OfType(resources, "Microsoft.Insights/diagnosticSettings").Select(d => Id(d)[..Id(d).IndexOf("/providers/Microsoft.Insights/", StringComparison.Ordinal)]),
                Is.EquivalentTo(new[] { Id(OfType(resources, "Microsoft.KeyVault/vaults").Single()), Id(OfType(resources, "Microsoft.Web/sites").Single()) }));

            Assert.That(PollingThree.Value["outputs"]!["delivery"]!.GetValue<string>(), Is.EqualTo("polling"));
            Assert.That(PollingThree.Value["outputs"]!["systemTopics"]!.AsArray(), Is.Empty);
            Assert.That(SnapshotAppSettings(PollingThree.Value)["FlowLogs__Storage__FlowLogConnections__2"], Is.EqualTo("FlowLogStorage2"), "every account is read");
        });
    }

    [Test]
    public void PollingDisablesEveryTriggerAndRunsTheReplayEveryFiveMinutesByDefault()
    {
        Dictionary<string, string> settings = SnapshotAppSettings(PollingThree.Value);
        JsonObject parameters = Main.Value["parameters"]!.AsObject();
        Assert.Multiple(() =>
        {
            foreach (string function in TriggerFunctions)
            {
                Assert.That(settings[$"AzureWebJobs.{function}.Disabled"], Is.EqualTo("true"), function);
            }

            Assert.That(settings.Keys.Count(k => k.StartsWith("AzureWebJobs.", StringComparison.Ordinal)), Is.EqualTo(3), "the replay timer stays enabled");
            Assert.That(settings["ReplaySchedule"], Is.EqualTo("0 */5 * * * *"));
            Assert.That(settings["FlowLogs__Replay__TriggerGrace"], Is.EqualTo("00:00:00"), "no trigger reads the blobs");
            Assert.That(settings["FlowLogs__Check__UnreadAfter"], Is.EqualTo("00:10:00"), "twice the interval");
            Assert.That(settings.Keys, Has.None.StartsWith("FlowLogs__Replay__WindowHours"), "the replay's other defaults stay");

            Assert.That(parameters["delivery"]!["allowedValues"]!.AsArray().Select(v => v!.GetValue<string>()), Is.EquivalentTo(new[] { "queue", "webhook", "polling" }));
            Assert.That(parameters["pollingMinutes"]!["defaultValue"]!.GetValue<int>(), Is.EqualTo(5));

            // The event-driven deliveries keep replaySchedule and write none of polling's settings.
            foreach (JsonObject snapshot in new[] { QueueThree.Value, WebhookOne.Value })
            {
                Dictionary<string, string> eventDriven = SnapshotAppSettings(snapshot);
                Assert.That(eventDriven["ReplaySchedule"], Is.EqualTo("0 */10 * * * *"));
                Assert.That(eventDriven.Keys, Has.None.EqualTo("FlowLogs__Replay__TriggerGrace").And.None.EqualTo("FlowLogs__Check__UnreadAfter"));
                Assert.That(TriggerFunctions.Count(f => eventDriven.ContainsKey($"AzureWebJobs.{f}.Disabled")), Is.InRange(1, 2), "an event-driven delivery keeps its own trigger");
            }
        });
    }

    // 7 does not divide 60: the last gap of each hour is shorter (56 → 0), none is longer. 30 needs alerts of an hour.
    [TestCase(1, "0 */1 * * * *", "00:02:00", "")]
    [TestCase(2, "0 */2 * * * *", "00:04:00", "\nparam replaySchedule = '0 */7 * * * *'")]
    [TestCase(7, "0 */7 * * * *", "00:14:00", "")]
    [TestCase(30, "0 */30 * * * *", "01:00:00", "\nparam alertNoDeliveryMinutes = 60")]
    public void PollingMinutesSetTheReplaysScheduleAndTheUnreadDelay(int minutes, string schedule, string unreadAfter, string more)
    {
        Dictionary<string, string> settings = SnapshotAppSettings(Snapshot("main.bicep", OneAccount + $"\nparam delivery = 'polling'\nparam pollingMinutes = {minutes}{more}"));
        Assert.That(settings["ReplaySchedule"], Is.EqualTo(schedule), "pollingMinutes, whatever replaySchedule says");
        Assert.That(settings["FlowLogs__Check__UnreadAfter"], Is.EqualTo(unreadAfter));

        // As the host's timer reads it (NCRONTAB with seconds): a run at least every pollingMinutes, all day.
        CrontabSchedule cron = CrontabSchedule.Parse(settings["ReplaySchedule"], new CrontabSchedule.ParseOptions { IncludingSeconds = true });
        var start = new DateTime(2026, 3, 1, 0, 0, 0, DateTimeKind.Unspecified);
        DateTime[] runs = [start, .. cron.GetNextOccurrences(start, start.AddDays(1)), start.AddDays(1)];
        TimeSpan longest = runs.Zip(runs.Skip(1), (a, b) => b - a).Max();
        Assert.That(longest, Is.EqualTo(TimeSpan.FromMinutes(minutes)), "no gap longer than pollingMinutes");

        // The code takes both settings as the template writes them, within its own bounds.
        using ServiceProvider provider = PipelineOf(settings);
        Assert.That(provider.GetRequiredService<IOptions<ReplayOptions>>().Value.TriggerGrace, Is.EqualTo(TimeSpan.Zero));
        Assert.That(provider.GetRequiredService<IOptions<SelfCheckOptions>>().Value.UnreadAfter, Is.EqualTo(TimeSpan.FromMinutes(2 * minutes)));
    }

    [TestCase(0, "BCP328", "minimum allowable value is 1")]
    [TestCase(31, "BCP327", "maximum allowable value is 30")]
    public void PollingMinutesOutsideOneToThirtyAreRefused(int minutes, string code, string bound)
    {
        (int exit, string errors) = SnapshotFailure("main.bicep", OneAccount + $"\nparam delivery = 'polling'\nparam pollingMinutes = {minutes}");
        Assert.That(exit, Is.Not.Zero);
        Assert.That(errors, Does.Contain(code).And.Contain(bound));

        // What Azure checks a parameter file against before deploying anything.
        JsonObject parameter = Main.Value["parameters"]!["pollingMinutes"]!.AsObject();
        Assert.That((parameter["minValue"]!.GetValue<int>(), parameter["maxValue"]!.GetValue<int>()), Is.EqualTo((1, 30)));
    }

    [Test]
    public void PrivateNetworkingKeepsPollingAndTurnsOnlyWebhookIntoQueue()
    {
        JsonObject polling = Snapshot("main.bicep", OneAccount + "\nparam delivery = 'polling'\nparam privateNetworking = true");
        List<JsonObject> resources = Predicted(polling);
        Assert.Multiple(() =>
        {
            Assert.That(polling["outputs"]!["delivery"]!.GetValue<string>(), Is.EqualTo("polling"));
            Assert.That(resources.Select(r => r["type"]!.GetValue<string>()), Has.None.StartsWith("Microsoft.EventGrid/"));
            Assert.That(SnapshotAppSettings(polling)["AzureWebJobs.FlowLogEvents.Disabled"], Is.EqualTo("true"));
            Assert.That(OfType(resources, "Microsoft.Network/privateEndpoints"), Has.Count.EqualTo(4), "the network side as with any delivery");
            Assert.That(OfType(resources, "Microsoft.Web/sites").Single()["properties"]!["virtualNetworkSubnetId"], Is.Not.Null);
        });

        JsonObject webhook = Snapshot("main.bicep", OneAccount + "\nparam delivery = 'webhook'\nparam privateNetworking = true");
        Assert.That(webhook["outputs"]!["delivery"]!.GetValue<string>(), Is.EqualTo("queue"), "a webhook needs an inbound call");
        Assert.That(
            OfType(Predicted(webhook), "Microsoft.EventGrid/systemTopics/eventSubscriptions").Single()["properties"]!["deliveryWithResourceIdentity"]!["destination"]!["endpointType"]!.GetValue<string>(),
            Is.EqualTo("StorageQueue"));
    }

    [Test]
    public void PollingRefusesAnExistingTopicNamingTheAccount()
    {
        (int exit, string errors) = SnapshotFailure("main.bicep", ThreeAccounts + "\nparam delivery = 'polling'");
        Assert.That(exit, Is.Not.Zero);
        Assert.That(errors, Does.Contain("delivery 'polling' uses no Event Grid system topic; existingSystemTopicName or existingSystemTopicResourceGroup is given for nwlogsfrc: remove them"));
    }

    // A run that keeps up sees commits up to twice the interval old, and a window that long holds a run: the alerts'
    // windows must be at least that (alertNoDeliveryMinutes 30 and alertLagMinutes 60 by default).
    [TestCase(15, 30, 60, true)]
    [TestCase(16, 30, 60, false)]
    [TestCase(5, 30, 10, true)]
    [TestCase(5, 30, 9, false)]
    public void PollingRefusesAlertWindowsShorterThanTwoIntervals(int minutes, int noDelivery, int lag, bool taken)
    {
        string parameters = OneAccount + $"\nparam delivery = 'polling'\nparam pollingMinutes = {minutes}\nparam alertNoDeliveryMinutes = {noDelivery}\nparam alertLagMinutes = {lag}";
        (int exit, string errors) = SnapshotFailure("main.bicep", parameters);
        if (taken)
        {
            Assert.That(exit, Is.Zero, errors);
            return;
        }

        Assert.That(exit, Is.Not.Zero);
        Assert.That(errors, Does.Contain($"with delivery 'polling' every {minutes} minutes, alertNoDeliveryMinutes ({noDelivery}) and alertLagMinutes ({lag}) must be at least twice pollingMinutes ({2 * minutes})"));
    }
}
