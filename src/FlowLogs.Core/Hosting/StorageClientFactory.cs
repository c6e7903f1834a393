using System.Reflection;
using System.Runtime.ExceptionServices;
using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Configuration;

namespace FlowLogs.Hosting;

/// <summary>Builds the storage clients of a named connection with <see cref="AzureComponentFactory"/>, read as the Functions host reads it.</summary>
/// <remarks>
/// A connection string (or <c>UseDevelopmentStorage=true</c>) as the connection's value; else <c>{name}:blobServiceUri</c>,
/// <c>tableServiceUri</c> or <c>queueServiceUri</c>, else <c>{name}:accountName</c> (with <c>{name}:endpointSuffix</c>
/// outside Azure's public cloud), signed in with the credential the factory makes of the connection
/// (<c>{name}:credential</c> = <c>managedidentity</c>, <c>{name}:clientId</c>).
/// </remarks>
internal sealed class StorageClientFactory
{
    private static readonly StorageService BlobService = new("blob", "serviceUri", "is not configured");
    private static readonly StorageService TableService = new("table", "endpoint", "has no table endpoint");
    private static readonly StorageService QueueService = new("queue", "serviceUri", "has no queue endpoint");

    private readonly IConfiguration _configuration;
    private readonly AzureComponentFactory _components;

    /// <summary>Reads connections from <paramref name="configuration"/> and has <paramref name="components"/> make their parts.</summary>
    public StorageClientFactory(IConfiguration configuration, AzureComponentFactory components)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(components);
        _configuration = configuration;
        _components = components;
    }

    /// <summary>A blob service client of the connection <paramref name="name"/>, its options (the factory's) then <paramref name="configure"/>d.</summary>
    public BlobServiceClient Blobs(string name, Action<BlobClientOptions>? configure = null)
        => Create<BlobServiceClient, BlobClientOptions>(name, BlobService, configure);

    /// <summary>A table service client of the connection <paramref name="name"/>, its options (the factory's) then <paramref name="configure"/>d.</summary>
    public TableServiceClient Tables(string name, Action<TableClientOptions>? configure = null)
        => Create<TableServiceClient, TableClientOptions>(name, TableService, configure);

    /// <summary>A queue service client of the connection <paramref name="name"/>, its options (the factory's) then <paramref name="configure"/>d.</summary>
    public QueueServiceClient Queues(string name, Action<QueueClientOptions>? configure = null)
        => Create<QueueServiceClient, QueueClientOptions>(name, QueueService, configure);

    private TClient Create<TClient, TOptions>(string name, StorageService service, Action<TOptions>? configure)
        where TOptions : ClientOptions
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        IConfigurationSection connection = _configuration.GetSection(name);
        if (!string.IsNullOrEmpty(connection.Value))
        {
            // A connection string: no credential, and nothing under it to bind to the options (as the Functions host does).
            return Construct<TClient>(connection, credential: null, Options(configure, settings: null));
        }

        string endpoint = connection[$"{service.Name}ServiceUri"]
            ?? FromAccountName(connection, service.Name)
            ?? throw new StorageConnectionException($"storage connection '{name}' {service.Missing}: set '{name}' to a connection string, or '{name}__{service.Name}ServiceUri' for a managed identity");

        // The factory fills a constructor's parameters by name (serviceUri, or endpoint for tables); the Functions
        // host's keys name the service instead, so that one connection can hold the endpoints of all three.
        IConfiguration parameters = new ConfigurationBuilder()
            .AddInMemoryCollection([new KeyValuePair<string, string?>(service.UriParameter, endpoint)])
            .Build();
        return Construct<TClient>(parameters, _components.CreateTokenCredential(connection), Options(configure, connection));
    }

    // The factory's options (its defaults, and the connection's own settings bound on them), then the caller's.
    private TOptions Options<TOptions>(Action<TOptions>? configure, IConfiguration? settings)
        where TOptions : ClientOptions
    {
        var options = (TOptions)_components.CreateClientOptions(typeof(TOptions), serviceVersion: null, settings);
        configure?.Invoke(options);
        return options;
    }

    // The factory calls the constructor by reflection: its exception (a connection string that does not parse) is
    // what the callers tell apart, not the reflection's wrapper.
    private TClient Construct<TClient>(IConfiguration parameters, TokenCredential? credential, ClientOptions options)
    {
        try
        {
            return (TClient)_components.CreateClient(typeof(TClient), parameters, credential, options);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            ExceptionDispatchInfo.Throw(ex.InnerException);
            throw;
        }
    }

    // The factory knows no account name: the Functions host builds https://{account}.{service}.core.windows.net, and
    // endpointSuffix keeps that working in sovereign clouds and DNS-zone endpoints.
    private static string? FromAccountName(IConfigurationSection connection, string service)
    {
        if (connection["accountName"] is not { Length: > 0 } account)
        {
            return null;
        }

        string suffix = connection["endpointSuffix"] is { Length: > 0 } given ? given : "core.windows.net";
        return $"https://{account}.{service}.{suffix}";
    }

    // A storage service: its name in the settings' keys, the client constructor's parameter for its endpoint, and
    // how a connection without that endpoint is described.
    private sealed record StorageService(string Name, string UriParameter, string Missing);
}
