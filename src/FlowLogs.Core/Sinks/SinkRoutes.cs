using FlowLogs.Parsing;
using FlowLogs.Sinks.Sekoia;
using Microsoft.Extensions.Configuration;

namespace FlowLogs.Sinks;

/// <summary>Where the sink configured in some settings sends each kind of flow log, in words; read without validating or starting anything.</summary>
internal static class SinkRoutes
{
    /// <summary>One line per route of the sink <paramref name="configuration"/> configures, or why they are not known. Never shows a key.</summary>
    public static IReadOnlyList<string> Describe(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        string kind = configuration.GetSection(SinkOptions.SectionName)["Kind"] ?? "sekoia";
        if (kind != "sekoia")
        {
            return [$"VNet and NSG flow-log tuples go to the {kind} sink ({SinkOptions.SectionName}:Kind)"];
        }

        SekoiaIntakeOptions options = configuration.GetSection(SekoiaIntakeOptions.SectionName).Get<SekoiaIntakeOptions>() ?? new SekoiaIntakeOptions();
        if (string.IsNullOrWhiteSpace(options.IntakeKey))
        {
            return [$"{IntakeRoutes.KeySetting(SekoiaIntake.FlowLogs)} is not set here, so the routes are the app's own settings': with {IntakeRoutes.KeySetting(SekoiaIntake.Nsg)}, NSG flow-log tuples go to that intake as written; without it, to IntakeKey translated into the \"Azure Network Watcher Flow Logs\" format"];
        }

        if (new SekoiaIntakeOptionsValidator().Validate(null, options) is { Failed: true } invalid)
        {
            return [$"the Sekoia settings here are not valid: {invalid.FailureMessage}"];
        }

        var routes = IntakeRoutes.From(options);
        return [routes.Describe(FlowLogKind.VirtualNetwork), routes.Describe(FlowLogKind.NetworkSecurityGroup)];
    }
}
