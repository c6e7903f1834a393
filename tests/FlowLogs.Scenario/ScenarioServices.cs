using Azure.Storage.Blobs;
using FlowLogs.BlobSource;
using FlowLogs.DeadLetters;
using FlowLogs.Sinks;
using FlowLogs.Sinks.Sekoia;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FlowLogs.Scenario;

/// <summary>The sink and dead-letter store every scenario process uses: the Sekoia sink to the loopback intake, ECS payload.</summary>
internal static class ScenarioServices
{
    /// <summary>The flow-log accounts of <paramref name="connectionStrings"/>, read as the app reads them.</summary>
    public static FlowLogAccounts Accounts(IEnumerable<string> connectionStrings)
        => new(connectionStrings.Select(cs => new AzureFlowLogBlobStore(new BlobServiceClient(cs))));

    public static ServiceProvider Build(Uri intake, string key, BlobContainerClient deadLetters, bool logToConsole)
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["FlowLogs:Sekoia:BaseUrl"] = intake.AbsoluteUri,
            ["FlowLogs:Sekoia:IntakeKey"] = key,
            ["FlowLogs:Sekoia:Payload"] = "Ecs",
            ["FlowLogs:Sekoia:RequestTimeout"] = "00:00:15",
            ["FlowLogs:Sekoia:RetryBudget"] = "00:00:30",
            ["FlowLogs:Sekoia:RetryBaseDelay"] = "00:00:00.100",
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging(b =>
        {
            b.SetMinimumLevel(LogLevel.Warning);
            if (logToConsole)
            {
                b.AddSimpleConsole(o => o.SingleLine = true);
            }
        });
        services.AddSingleton<IDeadLetterStore>(new BlobDeadLetterStore(deadLetters));
        services.AddSekoiaIntakeSink(configuration.GetSection(SekoiaIntakeOptions.SectionName));
        return services.BuildServiceProvider();
    }
}
