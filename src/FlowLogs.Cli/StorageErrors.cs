using System.Reflection;
using Azure;

namespace FlowLogs.Cli;

/// <summary>Turns storage failures into one line that names the setting to fix and never holds a key.</summary>
internal static class StorageErrors
{
    public static string Describe(Exception exception) => exception switch
    {
        // The Azure SDK's client factory calls the client's constructor by reflection: the constructor's error is inside.
        TargetInvocationException { InnerException: { } inner } => Describe(inner),
        FormatException or ArgumentException => "--storage is not a valid storage connection string or blob endpoint (expected e.g. UseDevelopmentStorage=true, DefaultEndpointsProtocol=…;AccountName=…;AccountKey=…, or https://<account>.blob.core.windows.net/)",
        Azure.Identity.AuthenticationFailedException or Azure.Identity.CredentialUnavailableException => "no identity could sign in for the blob endpoint in --storage: sign in (az login) or set AZURE_CLIENT_ID and its secret or certificate",
        RequestFailedException { Status: 403 } => "storage refused the credentials for --storage (403): check the account key or SAS, or that your identity has a Storage Blob/Table Data role on the account",
        RequestFailedException r when r.Status != 0 => $"storage answered {r.Status} ({r.ErrorCode}): check --storage",
        RequestFailedException or AggregateException or HttpRequestException => "storage could not be reached at the endpoint in --storage (is Azurite running?)",
        _ => $"storage failed: {exception.GetType().Name}",
    };
}
