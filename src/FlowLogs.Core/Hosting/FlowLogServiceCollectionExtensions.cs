using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using FlowLogs.BlobSource;
using FlowLogs.Checkpoints;
using FlowLogs.Clock;
using FlowLogs.DeadLetters;
using FlowLogs.Processing;
using FlowLogs.Replay;
using FlowLogs.SelfCheck;
using FlowLogs.Sinks;
using FlowLogs.Sinks.Sekoia;
using FlowLogs.Inspection;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FlowLogs.Hosting;

/// <summary>Registers the whole pipeline (processor, replay, stores, sink) for the Functions app and the CLI alike.</summary>
public static class FlowLogServiceCollectionExtensions
{
    /// <summary>Adds the pipeline, its options bound from <paramref name="configuration"/> and validated at start.</summary>
    public static IServiceCollection AddFlowLogPipeline(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<BlobProcessorOptions>().Bind(configuration.GetSection(BlobProcessorOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<BlobProcessorOptions>, ProcessingLimitsValidator>();
        services.AddOptions<ReplayOptions>().Bind(configuration.GetSection(ReplayOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<ReplayOptions>, ReplayOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);

        // Every judgement of "over", "quiet" or "how old" is made on the storage service's time, which the answers of
        // every storage client set; the instance's own clock only moves it on between answers.
        services.AddSingleton(sp => new StorageClock(sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<StorageClock>>()));

        // Storage clients come from the Azure SDK's component factory, which reads a connection's settings as the
        // Functions host's storage extensions do.
        services.AddAzureClientsCore();
        services.TryAddSingleton(sp => new StorageClientFactory(configuration, sp.GetRequiredService<AzureComponentFactory>()));

        // Every flow-log account, each through its own connection; reads and listings go to the blob's own account.
        services.AddSingleton(sp => FlowLogAccountsFrom(sp.GetRequiredService<StorageClientFactory>(), Storage(sp), sp.GetRequiredService<IOptions<ReplayOptions>>().Value.FlowLogContainers, sp.GetRequiredService<StorageClock>()));
        services.AddSingleton<IFlowLogBlobStore>(sp => sp.GetRequiredService<FlowLogAccounts>());
        services.AddSingleton<IFlowLogBlobCatalog>(sp => sp.GetRequiredService<FlowLogAccounts>());
        services.AddSingleton(sp => new TableCheckpointStore(StateTables(sp).GetTableClient(Storage(sp).CheckpointTable)));
        services.AddSingleton<ICheckpointStore>(sp => sp.GetRequiredService<TableCheckpointStore>());
        services.AddSingleton(sp => new TableReplayStateStore(
            StateTables(sp).GetTableClient(sp.GetRequiredService<IOptions<ReplayOptions>>().Value.StateTable)));
        services.AddSingleton<IReplayStateStore>(sp => sp.GetRequiredService<TableReplayStateStore>());
        services.AddSingleton(sp => new BlobDeadLetterStore(StateBlobs(sp).GetBlobContainerClient(Storage(sp).DeadLetterContainer)));
        services.AddSingleton<IDeadLetterStore>(sp => sp.GetRequiredService<BlobDeadLetterStore>());
        services.AddHostedService(sp => new StorageInitializer(
            sp.GetRequiredService<TableCheckpointStore>(),
            sp.GetRequiredService<TableReplayStateStore>(),
            sp.GetRequiredService<BlobDeadLetterStore>(),
            () => StateQueues(sp).GetQueueClient(BlobCreatedHandler.QueueName),
            sp.GetRequiredService<FlowLogAccounts>));

        services.AddSingleton(sp => new BlobClaims(sp.GetRequiredService<ICheckpointStore>(), sp.GetRequiredService<StorageClock>(), sp.GetRequiredService<ILogger<BlobClaims>>()));

        // The processor and the replay are public for the hosts; what they are made of is not, so they are built here.
        services.AddSingleton(sp => new BlobProcessor(
            sp.GetRequiredService<IFlowLogBlobStore>(),
            sp.GetRequiredService<BlobClaims>(),
            sp.GetRequiredService<IEventSink>(),
            sp.GetRequiredService<IDeadLetterStore>(),
            sp.GetRequiredService<IOptions<BlobProcessorOptions>>(),
            sp.GetRequiredService<ILogger<BlobProcessor>>(),
            sp.GetRequiredService<StorageClock>()));
        services.AddSingleton(sp => new MissedHourReplay(
            sp.GetRequiredService<IFlowLogBlobCatalog>(),
            sp.GetRequiredService<IReplayStateStore>(),
            sp.GetRequiredService<ICheckpointStore>(),
            sp.GetRequiredService<BlobProcessor>(),
            sp.GetRequiredService<IOptions<ReplayOptions>>(),
            sp.GetRequiredService<StorageClock>(),
            sp.GetRequiredService<ILogger<MissedHourReplay>>()));

        // Read-only, for `flowlogs status` (the app's last self-check with the rest) and the self-check; the flow-log
        // account is only needed when it lists.
        services.AddSingleton<ISelfCheckStore>(sp => new TableSelfCheckStore(
            StateTables(sp).GetTableClient(sp.GetRequiredService<IOptions<ReplayOptions>>().Value.StateTable)));
        services.AddSingleton(sp => new FlowLogStateReader(
            sp.GetRequiredService<ICheckpointStore>(),
            sp.GetRequiredService<IReplayStateStore>(),
            () => sp.GetRequiredService<IFlowLogBlobCatalog>(),
            sp.GetRequiredService<StorageClock>(),
            sp.GetRequiredService<ISelfCheckStore>()));
        AddSelfCheck(services, configuration);

        // The sink and the flow-log account are asked for only when a redrive needs them: listing needs neither.
        services.AddSingleton(sp => new DeadLetterOperations(
            sp.GetRequiredService<BlobDeadLetterStore>(),
            () => sp.GetRequiredService<IEventSink>(),
            () => sp.GetRequiredService<IFlowLogBlobStore>(),
            sp.GetRequiredService<StorageClock>(),
            sp.GetRequiredService<ILogger<DeadLetterOperations>>()));

        // Queue delivery: Event Grid's BlobCreated events, each handed to the processor if it names a configured account's blob.
        services.AddSingleton(sp => new BlobCreatedHandler(
            sp.GetRequiredService<FlowLogAccounts>(),
            sp.GetRequiredService<BlobProcessor>(),
            sp.GetRequiredService<ILogger<BlobCreatedHandler>>()));
        services.AddFlowLogSink(configuration);
        return services;
    }

    /// <summary>
    /// Where the sink of <paramref name="configuration"/> sends each kind of flow log, one line per route, or why that is
    /// not known from these settings (for <c>flowlogs status</c>); nothing is validated or started, no key is shown.
    /// </summary>
    public static IReadOnlyList<string> DescribeSinkRoutes(IConfiguration configuration) => SinkRoutes.Describe(configuration);

    private static StorageOptions Storage(IServiceProvider provider) => provider.GetRequiredService<IOptions<StorageOptions>>().Value;

    // The app's own account, its clients configured as every client of the pipeline (retries, the storage clock).
    private static TableServiceClient StateTables(IServiceProvider provider)
        => provider.GetRequiredService<StorageClientFactory>().Tables(Storage(provider).StateConnection, o => StorageClientDefaults.Apply(o, provider.GetRequiredService<StorageClock>()));

    private static BlobServiceClient StateBlobs(IServiceProvider provider)
        => provider.GetRequiredService<StorageClientFactory>().Blobs(Storage(provider).StateConnection, o => StorageClientDefaults.Apply(o, provider.GetRequiredService<StorageClock>()));

    private static QueueServiceClient StateQueues(IServiceProvider provider)
        => provider.GetRequiredService<StorageClientFactory>().Queues(Storage(provider).StateConnection, o => StorageClientDefaults.Apply(o, provider.GetRequiredService<StorageClock>()));

    // The self-check reads every setting when it runs, not when it is built, so that a bad one fails its check by name.
    private static void AddSelfCheck(IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SelfCheckOptions>().Bind(configuration.GetSection(SelfCheckOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddHttpClient(HttpIntakeProbe.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan);
        services.AddSingleton(sp => new SelfCheckRunner(
            new AzureStorageProbe(sp.GetRequiredService<StorageClientFactory>(), sp.GetRequiredService<IOptions<SelfCheckOptions>>().Value.Timeout),
            new HttpIntakeProbe(sp.GetRequiredService<IHttpClientFactory>()),
            new SelfCheckSettings(
                () => sp.GetRequiredService<IOptions<SelfCheckOptions>>().Value,
                () => Storage(sp),
                () => sp.GetRequiredService<IOptions<ReplayOptions>>().Value,
                () => sp.GetRequiredService<IOptions<SinkOptions>>().Value.Kind,
                () => sp.GetRequiredService<IOptions<SekoiaIntakeOptions>>().Value),
            () => sp.GetRequiredService<FlowLogStateReader>(),
            sp.GetRequiredService<TimeProvider>(),
            new SelfCheckRecorder(sp.GetRequiredService<ISelfCheckStore>(), sp.GetRequiredService<ILogger<SelfCheckRecorder>>())));
    }

    private static FlowLogAccounts FlowLogAccountsFrom(StorageClientFactory clients, StorageOptions storage, IEnumerable<string> containers, StorageClock clock)
    {
        var accounts = new List<AzureFlowLogBlobStore>();
        foreach (string connection in storage.FlowLogConnectionNames)
        {
            var store = new AzureFlowLogBlobStore(clients.Blobs(connection, o => StorageClientDefaults.Apply(o, clock)));
            if (!BlobSource.StorageAccountName.IsValid(store.Account))
            {
                throw new StorageConnectionException($"storage connection '{connection}' names no storage account this app can tell from its endpoint {store.Endpoint.GetLeftPart(UriPartial.Authority)}: use the account's own blob endpoint (https://<account>.blob.<suffix>/)");
            }

            accounts.Add(store);
        }

        return new FlowLogAccounts(accounts, containers);
    }
}
