using FlowLogs.Parsing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FlowLogs.Sinks.Sekoia;

/// <summary>Logs at start where each kind of flow log goes, so the customer sees the routes their settings make.</summary>
internal sealed partial class IntakeRoutesAnnouncement(IOptions<SekoiaIntakeOptions> options, ILogger<SekoiaIntakeSink> logger) : IHostedService
{
    /// <inheritdoc/>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var routes = IntakeRoutes.From(options.Value);
        string vnet = routes.Describe(FlowLogKind.VirtualNetwork);
        string nsg = routes.Describe(FlowLogKind.NetworkSecurityGroup);
        LogRoute(logger, vnet);
        LogRoute(logger, nsg);
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Sekoia intake route: {Route}")]
    private static partial void LogRoute(ILogger logger, string route);
}
