using Azure.Core;
using FlowLogs.Clock;
using FlowLogs.Diagnostics;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Blobs;
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

    /// <summary>A blob service client for the connection <paramref name="name"/>.</summary>
    public static BlobServiceClient Blobs(IConfiguration configuration, string name) => Blobs(configuration, name, null);

    /// <summary>A table service client for the connection <paramref name="name"/>.</summary>
    public static TableServiceClient Tables(IConfiguration configuration, string name) => Tables(configuration, name, null);

    /// <summary>A blob service client for the connection <paramref name="name"/> whose answers set <paramref name="clock"/>.</summary>
    internal static BlobServiceClient Blobs(IConfiguration configuration, string name, StorageClock? clock)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        BlobClientOptions options = Configured(new BlobClientOptions(), clock);

        string? connectionString = configuration[name];
        if (!string.IsNullOrEmpty(connectionString))
        {
            return new BlobServiceClient(connectionString, options);
        }

        string uri = configuration[$"{name}:blobServiceUri"]
            ?? FromAccountName(configuration, name, "blob")
            ?? throw new InvalidOperationException($"storage connection '{name}' is not configured: set '{name}' to a connection string, or '{name}__blobServiceUri' for a managed identity");
        return new BlobServiceClient(new Uri(uri), Credential(configuration, name), options);
    }

    /// <summary>A table service client for the connection <paramref name="name"/> whose answers set <paramref name="clock"/>.</summary>
    internal static TableServiceClient Tables(IConfiguration configuration, string name, StorageClock? clock)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        TableClientOptions options = Configured(new TableClientOptions(), clock);

        string? connectionString = configuration[name];
        if (!string.IsNullOrEmpty(connectionString))
        {
            return new TableServiceClient(connectionString, options);
        }

        string uri = configuration[$"{name}:tableServiceUri"]
            ?? FromAccountName(configuration, name, "table")
            ?? throw new InvalidOperationException($"storage connection '{name}' has no table endpoint: set '{name}' to a connection string, or '{name}__tableServiceUri' for a managed identity");
        return new TableServiceClient(new Uri(uri), Credential(configuration, name), options);
    }

    /// <summary>
    /// How every storage client of the pipeline answers load: 503 and 500 retried up to 5 times, exponentially from
    /// 0.5 s to 8 s (at most about 16 s, far inside a claim), each counted; and every answer sets the storage clock.
    /// </summary>
    internal static T Configured<T>(T options, StorageClock? clock)
        where T : ClientOptions
    {
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
