using Azure.Core;
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
    /// <summary>A blob service client for the connection <paramref name="name"/>, with <paramref name="options"/> (retries, time-outs) when given.</summary>
    public static BlobServiceClient Blobs(IConfiguration configuration, string name, BlobClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
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

    /// <summary>A table service client for the connection <paramref name="name"/>, with <paramref name="options"/> when given.</summary>
    public static TableServiceClient Tables(IConfiguration configuration, string name, TableClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
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

    /// <summary>A queue service client for the connection <paramref name="name"/>, with <paramref name="options"/> when given.</summary>
    public static QueueServiceClient Queues(IConfiguration configuration, string name, QueueClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        string? connectionString = configuration[name];
        if (!string.IsNullOrEmpty(connectionString))
        {
            return new QueueServiceClient(connectionString, options);
        }

        string uri = configuration[$"{name}:queueServiceUri"]
            ?? FromAccountName(configuration, name, "queue")
            ?? throw new InvalidOperationException($"storage connection '{name}' has no queue endpoint: set '{name}' to a connection string, or '{name}__queueServiceUri' for a managed identity");
        return new QueueServiceClient(new Uri(uri), Credential(configuration, name), options);
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
