using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using FlowLogs.BlobSource;
using FlowLogs.Clock;
using FlowLogs.Hosting;
using FlowLogs.DeadLetters;
using FlowLogs.Sinks;
using FlowLogs.Sinks.Sekoia;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FlowLogs.Scenario;

/// <summary>The sink and dead-letter store every scenario process uses: the Sekoia sink to the loopback intake, ECS payload.</summary>
internal static class ScenarioServices
{
    /// <summary>Where the libfaketime library is installed (scripts/install-test-packages.sh), if it is.</summary>
    public static string? FakeTime => File.Exists("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1") ? "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1" : null;

    /// <summary>An instance's clock <paramref name="skew"/> off the machine's, corrected by the storage answers as the app's is.</summary>
    public static StorageClock Clock(TimeSpan skew) => new(new SkewedTime(skew), NullLogger<StorageClock>.Instance);

    /// <summary>The flow-log accounts of <paramref name="connectionStrings"/>, read as the app reads them, their answers setting <paramref name="clock"/>.</summary>
    public static FlowLogAccounts Accounts(IEnumerable<string> connectionStrings, StorageClock clock)
        => new(connectionStrings.Select(cs => new AzureFlowLogBlobStore(new BlobServiceClient(cs, Observed(new BlobClientOptions(), clock)))));

    /// <summary>A table of the app's account whose answers set <paramref name="clock"/>.</summary>
    public static TableClient Table(string connectionString, string name, StorageClock clock) => new(connectionString, name, Observed(new TableClientOptions(), clock));

    // The app's own client settings: its retries of throttled answers, its clock.
    private static T Observed<T>(T options, StorageClock clock)
        where T : ClientOptions => StorageClientDefaults.Apply(options, clock);

    /// <summary>The machine's clock moved by a skew.</summary>
    private sealed class SkewedTime(TimeSpan skew) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + skew;
    }

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
