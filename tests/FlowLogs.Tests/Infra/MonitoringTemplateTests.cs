using System.Diagnostics.Metrics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FlowLogs.Diagnostics;
using FlowLogs.Testing;

namespace FlowLogs.Tests.Infra;

/// <summary>
/// The alert rules (infra/modules/alerts.bicep) and the workbook (infra/workbook.json) query the app's telemetry by
/// name: metric names of the FlowLogs meter and the message templates of its log lines. These tests compare every name
/// the queries use with the names the code emits, so a rename cannot silently empty a chart or mute an alert, and
/// check the parameters: thresholds wired, an action group only when e-mail addresses are given, rules off on request.
/// </summary>
public partial class BicepTemplateTests
{
    // Quoted strings a query may hold that are neither a metric name nor a message template: Azure's own blob-name
    // layout (flowLogResourceID=/… or resourceId=/… then /y=2026/…), read to group chunks by flow-log resource.
    private static readonly HashSet<string> OtherLiterals = [@"(?i)resourceId=(/.+?)/y=[0-9]{4}/"];

    // customDimensions keys the exporter adds itself, besides a template's placeholders.
    private static readonly HashSet<string> ExporterDimensions = ["OriginalFormat"];

    private static readonly Lazy<HashSet<string>> CodeMetrics = new(EmittedMetricNames);

    private static readonly Lazy<HashSet<string>> CodeTemplates = new(LogMessageTemplates);

    [Test]
    public void AlertQueriesUseOnlyMetricNamesAndLogMessagesTheCodeEmits()
    {
        Dictionary<string, string> queries = AlertQueries();
        Assert.That(queries.Keys, Is.EquivalentTo(new[] { "no-deliveries", "lag", "dead-letters", "processing-failures", "self-check", "intake-retries" }));
        Assert.Multiple(() =>
        {
            foreach ((string rule, string query) in queries)
            {
                Assert.That(UnknownNames(query, CodeMetrics.Value, CodeTemplates.Value), Is.Empty, $"rule {rule}");
                Assert.That(NamesUsed(query), Is.Not.Empty, $"rule {rule} queries no metric or log line of the app");
            }
        });
    }

    [Test]
    public void WorkbookQueriesUseOnlyMetricNamesAndLogMessagesTheCodeEmits()
    {
        Dictionary<string, string> queries = WorkbookQueries(WorkbookContent());
        Assert.That(queries, Has.Count.GreaterThanOrEqualTo(9));
        Assert.Multiple(() =>
        {
            foreach ((string panel, string query) in queries)
            {
                Assert.That(UnknownNames(query, CodeMetrics.Value, CodeTemplates.Value), Is.Empty, $"panel {panel}");
            }
        });
    }

    [Test]
    public void TheChecksCoverWhatTheIssueAsksFor()
    {
        HashSet<string> alertNames = AlertQueries().Values.SelectMany(NamesUsed).ToHashSet();
        Assert.That(alertNames, Is.SupersetOf(new[]
        {
            "flowlogs.events.delivered", "flowlogs.bytes.read", "flowlogs.deadlettered", "flowlogs.processing.failures", "flowlogs.intake.retries",
            "flowlogs.checks.failed", ReplayTemplate(),
        }));

        // Every instrument but the lag gauge is charted; lag is charted from the replay's line, which carries each
        // run's value once (the gauge repeats, per process, the value of the last replay that process ran).
        Dictionary<string, string> panels = WorkbookQueries(WorkbookContent());
        HashSet<string> workbookNames = panels.Values.SelectMany(NamesUsed).ToHashSet();
        Assert.That(workbookNames, Is.SupersetOf(CodeMetrics.Value.Where(m => m != "flowlogs.lag")));
        Assert.That(workbookNames, Is.SupersetOf(new[]
        {
            ReplayTemplate(),
            CodeTemplates.Value.Single(t => t.StartsWith("Delivered bytes ", StringComparison.Ordinal)),
            CodeTemplates.Value.Single(t => t.StartsWith("Dead-lettered {Kind}", StringComparison.Ordinal)),
            CodeTemplates.Value.Single(t => t.Contains("not sent and dead-lettered", StringComparison.Ordinal)),
            CodeTemplates.Value.Single(t => t.StartsWith("Self-check {Verdict}", StringComparison.Ordinal)),
        }));
        Assert.That(panels.Values.Where(q => q.StartsWith("requests", StringComparison.Ordinal)).ToList(), Has.Count.GreaterThanOrEqualTo(2), "invocations and their duration");
    }

    [Test]
    public void TheNameCheckFailsWhenTheCodeRenamesAMetricAMessageOrAPlaceholder()
    {
        string query = string.Join("\n", WorkbookQueries(WorkbookContent()).Values.Concat(AlertQueries().Values));
        Assert.That(UnknownNames(query, CodeMetrics.Value, CodeTemplates.Value), Is.Empty);

        // As if FlowLogMetrics renamed flowlogs.deadlettered.
        HashSet<string> renamedMetric = CodeMetrics.Value.Select(m => m == "flowlogs.deadlettered" ? "flowlogs.dead_lettered" : m).ToHashSet();
        Assert.That(UnknownNames(query, renamedMetric, CodeTemplates.Value), Is.EqualTo(new[] { "metric \"flowlogs.deadlettered\" is not emitted by the code" }));

        // As if ProcessingLog reworded the chunk line.
        string chunk = CodeTemplates.Value.Single(t => t.StartsWith("Delivered bytes ", StringComparison.Ordinal));
        HashSet<string> reworded = CodeTemplates.Value.Select(t => t == chunk ? t.Replace("Delivered bytes", "Delivered the bytes", StringComparison.Ordinal) : t).ToHashSet();
        Assert.That(UnknownNames(query, CodeMetrics.Value, reworded), Does.Contain($"log message \"{chunk}\" is not logged by the code"));

        // As if a placeholder a query reads from customDimensions were renamed (same text otherwise).
        HashSet<string> placeholder = CodeTemplates.Value.Select(t => t == chunk ? t.Replace("{ElapsedMs}", "{Milliseconds}", StringComparison.Ordinal) : t).ToHashSet();
        Assert.That(UnknownNames(query, CodeMetrics.Value, placeholder), Does.Contain($"log message \"{chunk}\" is not logged by the code"));

        // A placeholder read that no template of the query has.
        Assert.That(
            UnknownNames($"let t = \"{chunk}\";\ntraces | where message == t | project tolong(customDimensions.Elapsed)", CodeMetrics.Value, CodeTemplates.Value),
            Is.EqualTo(new[] { "customDimensions.Elapsed is no placeholder of the log messages the query reads" }));
    }

    [Test]
    public void TheCodeNamesAreFound()
    {
        // The lag gauge is created in FlowLogMetrics' static constructor: the listener must see it too.
        Assert.That(CodeMetrics.Value, Is.SupersetOf(new[]
        {
            "flowlogs.events.delivered", "flowlogs.bytes.read", "flowlogs.deadlettered", "flowlogs.intake.retries",
            "flowlogs.processing.failures", "flowlogs.chunk.duration", "flowlogs.lag",
        }));
        Assert.That(CodeTemplates.Value, Has.Count.GreaterThan(15));
        Assert.That(CodeTemplates.Value, Does.Contain("Delivered bytes {Start}-{End} of {Blob}: {Events} events in {ElapsedMs} ms"));
    }

    [Test]
    public void AlertParametersHaveTheirDocumentedDefaults()
    {
        JsonObject parameters = Main.Value["parameters"]!.AsObject();
        Assert.Multiple(() =>
        {
            Assert.That(parameters["alertsEnabled"]!["defaultValue"]!.GetValue<bool>(), Is.True);
            Assert.That(parameters["alertEmails"]!["defaultValue"]!.AsArray(), Is.Empty);
            Assert.That(parameters["alertActionGroupIds"]!["defaultValue"]!.AsArray(), Is.Empty);
            Assert.That(parameters["alertNoDeliveryMinutes"]!["defaultValue"]!.GetValue<int>(), Is.EqualTo(30));
            Assert.That(parameters["alertLagMinutes"]!["defaultValue"]!.GetValue<int>(), Is.EqualTo(60));
            Assert.That(parameters["alertDeadLettersPerHour"]!["defaultValue"]!.GetValue<int>(), Is.Zero);
            Assert.That(parameters["alertProcessingFailuresPerHour"]!["defaultValue"]!.GetValue<int>(), Is.EqualTo(5));
            Assert.That(parameters["alertIntakeRetriesPerHour"]!["defaultValue"]!.GetValue<int>(), Is.EqualTo(100));
        });

        // infra/README.md gives every alert parameter with its default.
        string readme = File.ReadAllText(Path.Combine(Infra, "README.md"));
        foreach ((string name, JsonNode? parameter) in parameters.Where(p => p.Key.StartsWith("alert", StringComparison.Ordinal)))
        {
            string byDefault = parameter!["defaultValue"]!.ToJsonString().ToLowerInvariant();
            Assert.That(readme, Does.Match($@"\| `{name}` \| `?{Regex.Escape(byDefault)}`? \|"), $"{name} and its default {byDefault} in infra/README.md");
        }
    }

    [Test]
    public void RulesFollowTheSwitchAndTheirThresholdsAndAnActionGroupExistsOnlyWithEmails()
    {
        JsonObject module = Module(Main.Value, "flowlogs-alerts");
        JsonObject passed = module["properties"]!["parameters"]!.AsObject();
        Assert.Multiple(() =>
        {
            Assert.That(module["condition"], Is.Null, "the rules are always deployed; alertsEnabled sets their enabled flag");
            Assert.That(passed["enabled"]!["value"]!.GetValue<string>(), Is.EqualTo("[parameters('alertsEnabled')]"));
            Assert.That(passed["emails"]!["value"]!.GetValue<string>(), Is.EqualTo("[parameters('alertEmails')]"));
            Assert.That(passed["actionGroupIds"]!["value"]!.GetValue<string>(), Is.EqualTo("[parameters('alertActionGroupIds')]"));
            Assert.That(passed["noDeliveryMinutes"]!["value"]!.GetValue<string>(), Is.EqualTo("[parameters('alertNoDeliveryMinutes')]"));
            Assert.That(passed["lagThresholdMinutes"]!["value"]!.GetValue<string>(), Is.EqualTo("[parameters('alertLagMinutes')]"));
            Assert.That(passed["deadLetterThreshold"]!["value"]!.GetValue<string>(), Is.EqualTo("[parameters('alertDeadLettersPerHour')]"));
            Assert.That(passed["processingFailureThreshold"]!["value"]!.GetValue<string>(), Is.EqualTo("[parameters('alertProcessingFailuresPerHour')]"));
            Assert.That(passed["intakeRetryThreshold"]!["value"]!.GetValue<string>(), Is.EqualTo("[parameters('alertIntakeRetriesPerHour')]"));
        });

        JsonObject alerts = module["properties"]!["template"]!.AsObject();
        JsonObject group = Resources(alerts).Single(r => r["type"]!.GetValue<string>() == "Microsoft.Insights/actionGroups");
        Assert.That(group["condition"]!.GetValue<string>(), Is.EqualTo("[not(empty(parameters('emails')))]"), "no action group without e-mail addresses");
        JsonNode receivers = group["properties"]!["copy"]!.AsArray().Single()!;
        Assert.That(receivers["name"]!.GetValue<string>(), Is.EqualTo("emailReceivers"));
        Assert.That(receivers["count"]!.GetValue<string>(), Is.EqualTo("[length(parameters('emails'))]"), "one receiver per address");
        Assert.That(receivers["input"]!["emailAddress"]!.GetValue<string>(), Is.EqualTo("[parameters('emails')[copyIndex('emailReceivers')]]"));

        // The rules notify the e-mail group only when it exists, and the existing groups given.
        string notified = alerts["variables"]!["notified"]!.GetValue<string>();
        Assert.That(notified, Does.StartWith("[concat(if(empty(parameters('emails')), createArray(), createArray(resourceId('Microsoft.Insights/actionGroups'"));
        Assert.That(notified, Does.EndWith("parameters('actionGroupIds'))]"));

        JsonObject rule = Resources(alerts).Single(r => r["type"]!.GetValue<string>() == "Microsoft.Insights/scheduledQueryRules");
        JsonNode properties = rule["properties"]!;
        Assert.Multiple(() =>
        {
            Assert.That(rule["copy"]!["count"]!.GetValue<string>(), Is.EqualTo("[length(variables('rules'))]"));
            Assert.That(rule["kind"]!.GetValue<string>(), Is.EqualTo("LogAlert"));
            Assert.That(properties["enabled"]!.GetValue<string>(), Is.EqualTo("[parameters('enabled')]"));
            Assert.That(properties["scopes"]!.AsArray().Single()!.GetValue<string>(), Is.EqualTo("[resourceId('Microsoft.Insights/components', parameters('appInsightsName'))]"));
            Assert.That(properties["actions"]!["actionGroups"]!.GetValue<string>(), Is.EqualTo("[variables('notified')]"));
            Assert.That(properties["autoMitigate"]!.GetValue<bool>(), Is.True);
        });

        // Each rule's threshold and window come from its parameter.
        var rules = alerts["variables"]!["rules"]!.AsArray().ToDictionary(r => r!["name"]!.GetValue<string>(), r => r!);
        Assert.Multiple(() =>
        {
            Assert.That(rules["no-deliveries"]["windowSize"]!.GetValue<string>(), Is.EqualTo("[variables('windows')[string(parameters('noDeliveryMinutes'))]]"));
            Assert.That(
                alerts["parameters"]!["noDeliveryMinutes"]!["allowedValues"]!.AsArray().Select(v => v!.GetValue<int>().ToString(System.Globalization.CultureInfo.InvariantCulture)),
                Is.EquivalentTo(alerts["variables"]!["windows"]!.AsObject().Select(w => w.Key)),
                "a window for every allowed value");
            Assert.That(rules["no-deliveries"]["timeAggregation"]!.GetValue<string>(), Is.EqualTo("Count"));
            Assert.That(rules["lag"]["threshold"]!.GetValue<string>(), Is.EqualTo("[mul(parameters('lagThresholdMinutes'), 60)]"));
            Assert.That(rules["lag"]["metricMeasureColumn"]!.GetValue<string>(), Is.EqualTo("LagSeconds"));
            Assert.That(rules["dead-letters"]["threshold"]!.GetValue<string>(), Is.EqualTo("[parameters('deadLetterThreshold')]"));
            Assert.That(rules["dead-letters"]["windowSize"]!.GetValue<string>(), Is.EqualTo("PT1H"));
            Assert.That(rules["processing-failures"]["threshold"]!.GetValue<string>(), Is.EqualTo("[parameters('processingFailureThreshold')]"));
            Assert.That(rules["intake-retries"]["threshold"]!.GetValue<string>(), Is.EqualTo("[parameters('intakeRetryThreshold')]"));
            Assert.That(rules["self-check"]["threshold"]!.GetValue<int>(), Is.Zero, "any failed check");
            Assert.That(rules["self-check"]["windowSize"]!.GetValue<string>(), Is.EqualTo("PT30M"), "three replay runs of the default schedule");
            foreach ((string name, JsonNode r) in rules)
            {
                string measure = r["metricMeasureColumn"]?.GetValue<string>() ?? string.Empty;
                Assert.That(measure.Length == 0 || AlertQueries()[name].Contains($"{measure} = ", StringComparison.Ordinal), Is.True, $"{name}: the query makes its measure column {measure}");
            }
        });
    }

    [Test]
    public void TheWorkbookIsInfraWorkbookJsonOnTheAppsApplicationInsights()
    {
        JsonObject module = Module(Main.Value, "flowlogs-workbook");
        JsonObject template = module["properties"]!["template"]!.AsObject();
        JsonObject workbook = Resources(template).Single(r => r["type"]!.GetValue<string>() == "Microsoft.Insights/workbooks");
        string component = "resourceId('Microsoft.Insights/components', parameters('appInsightsName'))";
        Assert.Multiple(() =>
        {
            Assert.That(module["properties"]!["parameters"]!["appInsightsName"]!["value"]!.GetValue<string>(), Is.EqualTo("[format('{0}-insights', variables('appName'))]"));
            Assert.That(workbook["kind"]!.GetValue<string>(), Is.EqualTo("shared"));
            Assert.That(workbook["properties"]!["sourceId"]!.GetValue<string>(), Is.EqualTo($"[{component}]"));
            Assert.That(workbook["properties"]!["serializedData"]!.GetValue<string>(), Is.EqualTo($"[string(union(variables('$fxv#0'), createObject('fallbackResourceIds', createArray({component}))))]"));
            Assert.That(JsonNode.DeepEquals(template["variables"]!["$fxv#0"], WorkbookContent()), Is.True, "the deployed workbook is infra/workbook.json");
        });
    }

    // rule name → its KQL, as the rule runs it (the replay's lines prepended where the rule reads them).
    private static Dictionary<string, string> AlertQueries()
    {
        JsonObject variables = Module(Main.Value, "flowlogs-alerts")["properties"]!["template"]!["variables"]!.AsObject();
        string replayRuns = variables["replayRuns"]!.GetValue<string>();
        return variables["rules"]!.AsArray().ToDictionary(
            r => r!["name"]!.GetValue<string>(),
            r => (r!["afterReplayRuns"]!.GetValue<bool>() ? replayRuns : string.Empty) + r["query"]!.GetValue<string>());
    }

    private static JsonNode WorkbookContent() => JsonNode.Parse(File.ReadAllText(Path.Combine(Infra, "workbook.json")))!;

    // panel name → its KQL.
    private static Dictionary<string, string> WorkbookQueries(JsonNode workbook)
        => workbook["items"]!.AsArray()
            .Where(i => i!["type"]!.GetValue<int>() == 3)
            .ToDictionary(i => i!["name"]!.GetValue<string>(), i => i!["content"]!["query"]!.GetValue<string>());

    private static JsonObject Module(JsonObject template, string name)
        => Resources(template).Single(r => r["type"]!.GetValue<string>() == "Microsoft.Resources/deployments" && r["name"]!.GetValue<string>() == name);

    private static string ReplayTemplate() => CodeTemplates.Value.Single(t => t.StartsWith("Replay {From:u}", StringComparison.Ordinal));

    // The metric names and message templates a query uses.
    private static IEnumerable<string> NamesUsed(string query)
        => KqlString().Matches(query).Select(m => m.Groups[1].Value).Where(s => s.StartsWith("flowlogs.", StringComparison.Ordinal) || Placeholder().IsMatch(s));

    /// <summary>
    /// What a query names that the code does not emit: every quoted string is a metric name (flowlogs.…) the meter
    /// has, a message template a LoggerMessage has, or one of <see cref="OtherLiterals"/>; every customDimensions key
    /// it reads is a placeholder of a template it uses.
    /// </summary>
    private static List<string> UnknownNames(string query, HashSet<string> metrics, HashSet<string> templates)
    {
        var problems = new List<string>();
        var placeholders = new HashSet<string>(ExporterDimensions);
        foreach (string literal in KqlString().Matches(query).Select(m => m.Groups[1].Value).Distinct())
        {
            if (literal.StartsWith("flowlogs.", StringComparison.Ordinal))
            {
                if (!metrics.Contains(literal))
                {
                    problems.Add($"metric \"{literal}\" is not emitted by the code");
                }
            }
            else if (Placeholder().IsMatch(literal))
            {
                if (templates.Contains(literal))
                {
                    placeholders.UnionWith(Placeholder().Matches(literal).Select(m => m.Groups[1].Value));
                }
                else
                {
                    problems.Add($"log message \"{literal}\" is not logged by the code");
                }
            }
            else if (!OtherLiterals.Contains(literal))
            {
                problems.Add($"\"{literal}\" is neither a metric name, a log message of the code, nor a known literal");
            }
        }

        foreach (string key in Dimension().Matches(query).Select(m => m.Groups[1].Value).Distinct())
        {
            if (!placeholders.Contains(key))
            {
                problems.Add($"customDimensions.{key} is no placeholder of the log messages the query reads");
            }
        }

        return problems;
    }

    // Every instrument of the FlowLogs meter, as published at run time (the lag gauge included).
    private static HashSet<string> EmittedMetricNames()
    {
        _ = FlowLogMetrics.EventsDelivered;
        var names = new HashSet<string>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name == FlowLogMetrics.MeterName)
                {
                    lock (names)
                    {
                        names.Add(instrument.Name);
                    }
                }
            },
        };
        listener.Start();
        return names;
    }

    // Every Message of a [LoggerMessage] attribute under src/.
    private static HashSet<string> LogMessageTemplates()
        => Directory.EnumerateFiles(Path.Combine(RepositoryRoot.Path, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(f => LoggerMessage().Matches(File.ReadAllText(f)))
            .Select(m => Regex.Unescape(m.Groups[1].Value))
            .ToHashSet();

    [GeneratedRegex(@"\[LoggerMessage\([^\]]*?Message\s*=\s*""((?:[^""\\]|\\.)*)""")]
    private static partial Regex LoggerMessage();

    // A KQL string literal in double quotes, verbatim (@"…") or not.
    [GeneratedRegex(@"@?""((?:[^""\\]|\\.)*)""")]
    private static partial Regex KqlString();

    // {Name} or {Name:format}: a message template's placeholder.
    [GeneratedRegex(@"\{([A-Za-z]\w*)(?:[:,][^}]*)?\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"customDimensions\.(\w+)")]
    private static partial Regex Dimension();
}
