using FlowLogs.Hosting;
using Microsoft.Extensions.Configuration;

namespace FlowLogs.Tests.Sinks;

/// <summary>What <c>flowlogs status</c> says of the routes of the settings at hand, without validating or starting anything.</summary>
public class SinkRoutesTests
{
    private const string Key = "route-test-key-31f";

    [Test]
    public void WithBothKeysEachKindHasItsIntake()
    {
        IReadOnlyList<string> routes = Describe(("FlowLogs:Sekoia:IntakeKey", Key), ("FlowLogs:Sekoia:NsgIntakeKey", "other-key-77"));
        Assert.That(routes, Has.Count.EqualTo(2));
        Assert.That(routes[0], Does.StartWith("VNet flow-log tuples go to the intake of FlowLogs:Sekoia:IntakeKey"));
        Assert.That(routes[1], Does.StartWith("NSG flow-log tuples go to the intake of FlowLogs:Sekoia:NsgIntakeKey as written"));
        Assert.That(string.Concat(routes), Does.Not.Contain(Key).And.Not.Contain("other-key-77"));
    }

    [Test]
    public void WithIntakeKeyAloneNsgTuplesAreTranslated()
        => Assert.That(Describe(("FlowLogs:Sekoia:IntakeKey", Key))[1], Does.Contain("translated into the \"Azure Network Watcher Flow Logs\" format"));

    [Test]
    public void WithoutAKeyHereTheRoutesAreTheAppsAndSaidSo()
        => Assert.That(Describe().Single(), Does.StartWith("FlowLogs:Sekoia:IntakeKey is not set here"));

    [Test]
    public void InvalidSettingsAreNamedWithoutTheirKeys()
    {
        string route = Describe(("FlowLogs:Sekoia:IntakeKey", Key), ("FlowLogs:Sekoia:NsgIntakeKey", Key)).Single();
        Assert.That(route, Does.StartWith("the Sekoia settings here are not valid").And.Contain("NsgIntakeKey is the same key"));
        Assert.That(route, Does.Not.Contain(Key));
    }

    [Test]
    public void ALocalSinkIsNamed()
        => Assert.That(Describe(("FlowLogs:Sink:Kind", "ndjson")).Single(), Is.EqualTo("VNet and NSG flow-log tuples go to the ndjson sink (FlowLogs:Sink:Kind)"));

    private static IReadOnlyList<string> Describe(params (string Name, string Value)[] settings)
        => FlowLogServiceCollectionExtensions.DescribeSinkRoutes(new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Name, s.Value))).Build());
}
