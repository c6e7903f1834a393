using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FlowLogs.Testing;

namespace FlowLogs.Tests.Infra;

/// <summary>
/// Compiles and lints every template in infra/ with the real Bicep CLI (from its NuGet package) and checks the ARM
/// JSON: no secret in outputs or plain settings, TLS and key settings, and Event Grid webhooks that name the functions
/// the code declares. Roles, scopes and settings as deployed are checked on snapshots (DeploymentSnapshotTests.cs).
/// </summary>
// Reads the templates and asks the one Bicep CLI, a request at a time: runs beside the other self-contained fixtures.
[Parallelizable(ParallelScope.Self)]
public partial class BicepTemplateTests
{
    private static readonly string Infra = Path.Combine(RepositoryRoot.Path, "infra");

    private static readonly Lazy<JsonObject> Main = new(() => Build("main.bicep"));

    private static readonly Lazy<JsonObject> EventGrid = new(() => Build("eventgrid.bicep"));

    public static IEnumerable<string> Templates => Directory.EnumerateFiles(Path.Combine(RepositoryRoot.Path, "infra"), "*.bicep", SearchOption.AllDirectories)
        .Select(f => Path.GetRelativePath(Path.Combine(RepositoryRoot.Path, "infra"), f));

    [TestCaseSource(nameof(Templates))]
    public void CompilesAndLintsWithoutAWarning(string template)
    {
        (JsonObject? compiled, string diagnostics) = BicepCli.Instance.Compile(Path.Combine(Infra, template));
        Assert.That(compiled, Is.Not.Null, diagnostics);
        Assert.That(diagnostics, Is.Empty, "the compiler or its linter (infra/bicepconfig.json) warned");
    }

    [Test]
    public void TheCompileCheckSeesTheLintersWarnings()
    {
        string folder = Directory.CreateTempSubdirectory("flowlogs-lint-").FullName;
        try
        {
            string file = Path.Combine(folder, "unused.bicep");
            File.WriteAllText(file, "param unused string = 'x'\noutput o string = 'y'\n");
            (JsonObject? compiled, string diagnostics) = BicepCli.Instance.Compile(file);
            Assert.That(compiled, Is.Not.Null);
            Assert.That(diagnostics, Does.Contain("(1,7) : Warning no-unused-params"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    public void NoSecretIsInOutputsOrPlainAppSettings()
    {
        JsonObject template = Main.Value;
        Assert.That(template["parameters"]!["intakeKey"]!["type"]!.GetValue<string>(), Is.EqualTo("securestring"));
        Assert.That(template["parameters"]!["nsgIntakeKey"]!["type"]!.GetValue<string>(), Is.EqualTo("securestring"));
        string outputs = template["outputs"]!.ToJsonString();
        Assert.That(outputs, Does.Not.Contain("intakeKey").And.Not.Contain("listKeys").And.Not.Contain("secret").IgnoreCase);

        Dictionary<string, string> settings = SnapshotAppSettings(QueueThree.Value);
        Assert.That(settings["FlowLogs__Sekoia__IntakeKey"], Does.Match(@"^\[format\('@Microsoft\.KeyVault\(SecretUri=\{0\}\)', reference\('[^']+/secrets/sekoia-intake-key', '[^']+'\)\.secretUri\)\]$"));
        Assert.That(settings.Values, Has.None.Contains("not-a-key"));
        Assert.That(settings.Keys, Has.None.EqualTo("FlowLogs__Sekoia__NsgIntakeKey"), "no NSG intake unless its key is given");
        Assert.That(settings.Values, Has.None.Contains("AccountKey").And.None.Contains("listKeys"));
        Assert.That(settings.Keys, Has.None.EqualTo("FUNCTIONS_WORKER_RUNTIME"), "Flex Consumption rejects it");
        Assert.That(settings["AzureWebJobsStorage__credential"], Is.EqualTo("managedidentity"));
        Assert.That(settings["FlowLogStorage__credential"], Is.EqualTo("managedidentity"));
        Assert.That(settings.Keys, Does.Contain("ReplaySchedule"));
    }

    [Test]
    public void TransportAndKeysAreLockedDown()
    {
        JsonObject storage = Resources(Main.Value).Single(r => r["type"]!.GetValue<string>() == "Microsoft.Storage/storageAccounts" && r["existing"] is null);
        JsonNode props = storage["properties"]!;
        Assert.That(props["allowSharedKeyAccess"]!.GetValue<bool>(), Is.False);
        Assert.That(props["allowBlobPublicAccess"]!.GetValue<bool>(), Is.False);
        Assert.That(props["minimumTlsVersion"]!.GetValue<string>(), Is.EqualTo("TLS1_2"));
        Assert.That(props["supportsHttpsTrafficOnly"]!.GetValue<bool>(), Is.True);

        JsonObject site = Resources(Main.Value).Single(r => r["type"]!.GetValue<string>() == "Microsoft.Web/sites");
        Assert.That(site["properties"]!["httpsOnly"]!.GetValue<bool>(), Is.True);
        Assert.That(site["properties"]!["siteConfig"]!["minTlsVersion"]!.GetValue<string>(), Is.EqualTo("1.2"));
        Assert.That(site["properties"]!["functionAppConfig"]!["runtime"]!["name"]!.GetValue<string>(), Is.EqualTo("dotnet-isolated"));
        Assert.That(site["properties"]!["functionAppConfig"]!["runtime"]!["version"]!.GetValue<string>(), Is.EqualTo("10.0"));
        JsonObject plan = Resources(Main.Value).Single(r => r["type"]!.GetValue<string>() == "Microsoft.Web/serverfarms");
        Assert.That(plan["sku"]!["tier"]!.GetValue<string>(), Is.EqualTo("FlexConsumption"));

        // Nothing sampled at ingestion: the alerts and the workbook count rows (infra/README.md, telemetry volume).
        JsonObject insights = Resources(Main.Value).Single(r => r["type"]!.GetValue<string>() == "Microsoft.Insights/components");
        Assert.That(insights["properties"]!["SamplingPercentage"]!.GetValue<int>(), Is.EqualTo(100));

        JsonObject vault = Resources(Main.Value).Single(r => r["type"]!.GetValue<string>() == "Microsoft.KeyVault/vaults");
        Assert.That(vault["properties"]!["enableRbacAuthorization"]!.GetValue<bool>(), Is.True);
    }

    [Test]
    public void EventGridWebhooksNameTheFunctionsTheCodeDeclares()
    {
        Dictionary<string, string> declared = DeclaredTriggers();
        Assert.That(declared, Has.Count.EqualTo(2));

        JsonArray triggers = EventGrid.Value["variables"]!["triggers"]!.AsArray();
        var wired = triggers.ToDictionary(t => t!["function"]!.GetValue<string>(), t => t!["container"]!.GetValue<string>());
        Assert.That(wired, Is.EquivalentTo(declared), "function name → container, as in FlowLogTriggers.cs");

        JsonObject subscription = Resources(EventGrid.Value).Single(r => r["type"]!.GetValue<string>() == "Microsoft.EventGrid/systemTopics/eventSubscriptions");
        string endpoint = subscription["properties"]!["destination"]!["properties"]!["endpointUrl"]!.GetValue<string>();
        Assert.That(endpoint, Does.Contain("/runtime/webhooks/blobs?functionName=Host.Functions.{1}&code={2}"));
        Assert.That(endpoint, Does.Contain("variables('triggers')[copyIndex()].function"));
        Assert.That(endpoint, Does.Contain("systemKeys.blobs_extension"));
        JsonNode filter = subscription["properties"]!["filter"]!;
        Assert.That(filter["includedEventTypes"]!.AsArray().Select(e => e!.GetValue<string>()), Is.EqualTo(new[] { "Microsoft.Storage.BlobCreated" }));
        Assert.That(filter["subjectEndsWith"]!.GetValue<string>(), Is.EqualTo("/PT1H.json"));
        Assert.That(filter["subjectBeginsWith"]!.GetValue<string>(), Does.Contain("/blobServices/default/containers/").And.Contain("variables('triggers')[copyIndex()].container"));
        Assert.That(subscription["properties"]!["retryPolicy"], Is.Not.Null);
        Assert.That(subscription["properties"]!["deadLetterWithResourceIdentity"], Is.Not.Null);
        Assert.That(Resources(EventGrid.Value).Where(r => r["type"]!.GetValue<string>() == "Microsoft.EventGrid/systemTopics"), Is.Empty, "the topic stage 1 created or was given");
        Assert.That(EventGrid.Value["outputs"]!.ToJsonString(), Does.Not.Contain("listKeys"));
    }

    private static JsonObject Build(string template)
    {
        (JsonObject? compiled, string diagnostics) = BicepCli.Instance.Compile(Path.Combine(Infra, template));
        Assert.That(compiled, Is.Not.Null, diagnostics);
        return compiled!;
    }

    private static IEnumerable<JsonObject> Resources(JsonObject template)
    {
        JsonNode? resources = template["resources"];
        IEnumerable<JsonNode?> all = resources is JsonArray array ? array : resources!.AsObject().Select(p => p.Value);
        return all.Select(r => r!.AsObject());
    }

    // Function name → container, read from the Functions app's source and FlowLogBlob's constants.
    private static Dictionary<string, string> DeclaredTriggers()
    {
        string triggers = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "src", "FlowLogs.Functions", "FlowLogTriggers.cs"));
        string blob = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "src", "FlowLogs.Core", "BlobSource", "FlowLogBlob.cs"));
        var names = ConstString().Matches(triggers).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        var containers = ConstString().Matches(blob).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        return FunctionAndContainer().Matches(triggers).ToDictionary(m => names[m.Groups[1].Value], m => containers[m.Groups[2].Value]);
    }

    [GeneratedRegex(@"const string (\w+) = ""([^""]+)"";")]
    private static partial Regex ConstString();

    [GeneratedRegex(@"\[Function\((\w+)\)\][\s\S]*?FlowLogBlob\.(\w+) \+")]
    private static partial Regex FunctionAndContainer();
}
