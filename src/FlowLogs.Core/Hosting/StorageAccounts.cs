using Azure.Core;
using FlowLogs.Clock;
using FlowLogs.Diagnostics;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;

namespace FlowLogs.Hosting;

/// <summary>
/// Builds storage clients from a named connection the way the Functions host does: a connection string (or
/// <c>UseDevelopmentStorage=true</c>) under the name, or <c>{name}:blobServiceUri</c> / <c>{name}:tableServiceUri</c>
/// with a managed identity (<c>{name}:clientId</c> for a user-assigned one), or <c>{name}:accountName</c> with the
/// cloud's storage suffix (<c>{name}:endpointSuffix</c>: <c>core.windows.net</c> unless set, e.g. <c>core.chinacloudapi.cn</c>).
/// </summary>
public static class StorageAccounts
{
    /// <summary>Retries of one storage request after a transient answer.</summary>
    internal const int MaxRetries = 5;

    /// <summary>A blob service client for the connection <paramref name="name"/>, with <paramref name="options"/> (retries, time-outs) when given.</summary>
    public static BlobServiceClient Blobs(IConfiguration configuration, string name, BlobClientOptions? options = null)
        => Client(configuration, name, "blob", "is not configured", cs => new BlobServiceClient(cs, options), (uri, credential) => new BlobServiceClient(uri, credential, options));

    /// <summary>A table service client for the connection <paramref name="name"/>, with <paramref name="options"/> when given.</summary>
    public static TableServiceClient Tables(IConfiguration configuration, string name, TableClientOptions? options = null)
        => Client(configuration, name, "table", "has no table endpoint", cs => new TableServiceClient(cs, options), (uri, credential) => new TableServiceClient(uri, credential, options));

    /// <summary>A queue service client for the connection <paramref name="name"/>, with <paramref name="options"/> when given.</summary>
    public static QueueServiceClient Queues(IConfiguration configuration, string name, QueueClientOptions? options = null)
        => Client(configuration, name, "queue", "has no queue endpoint", cs => new QueueServiceClient(cs, options), (uri, credential) => new QueueServiceClient(uri, credential, options));

    /// <summary>
    /// How every storage client of the pipeline answers load: 503 and 500 retried up to <see cref="MaxRetries"/> times,
    /// exponentially from 0.5 s to 8 s (at most about 16 s, far inside a claim), each counted; and every answer sets the
    /// storage clock.
    /// </summary>
    internal static T Configured<T>(T options, StorageClock? clock)
        where T : ClientOptions
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Retry.Mode = RetryMode.Exponential;
        options.Retry.MaxRetries = MaxRetries;
        options.Retry.Delay = TimeSpan.FromSeconds(0.5);
        options.Retry.MaxDelay = TimeSpan.FromSeconds(8);
        options.AddPolicy(StorageThrottlingPolicy.Instance, HttpPipelinePosition.PerRetry);
        if (clock is not null)
        {
            options.AddPolicy(new StorageClockPolicy(clock), HttpPipelinePosition.PerRetry);
        }

        return options;
    }

    // A connection string under the name, else {name}:{service}ServiceUri, else {name}:accountName, with an identity.
    private static T Client<T>(IConfiguration configuration, string name, string service, string missing, Func<string, T> fromConnectionString, Func<Uri, TokenCredential, T> fromEndpoint)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        string? connectionString = configuration[name];
        if (!string.IsNullOrEmpty(connectionString))
        {
            return fromConnectionString(connectionString);
        }

        string uri = configuration[$"{name}:{service}ServiceUri"]
            ?? FromAccountName(configuration, name, service)
            ?? throw new StorageConnectionException($"storage connection '{name}' {missing}: set '{name}' to a connection string, or '{name}__{service}ServiceUri' for a managed identity");
        return fromEndpoint(new Uri(uri), Credential(configuration, name));
    }

    // Sovereign clouds and DNS-zone endpoints have other suffixes: prefer the service URIs, else name the suffix.
    private static string? FromAccountName(IConfiguration configuration, string name, string service)
    {
        if (configuration[$"{name}:accountName"] is not { Length: > 0 } account)
        {
            return null;
        }

        string suffix = configuration[$"{name}:endpointSuffix"] is { Length: > 0 } given ? given : "core.windows.net";
        return $"https://{account}.{service}.{suffix}";
    }

    private static TokenCredential Credential(IConfiguration configuration, string name)
        => configuration[$"{name}:clientId"] is { Length: > 0 } clientId
            ? new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId))
            : new DefaultAzureCredential();
}
