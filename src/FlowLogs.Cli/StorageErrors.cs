using Azure;

namespace FlowLogs.Cli;

/// <summary>Turns storage failures into one line that names the setting to fix and never holds a key.</summary>
internal static class StorageErrors
{
    public static string Describe(Exception exception) => exception switch
    {
        FormatException or ArgumentException => "--storage is not a valid storage connection string (expected e.g. UseDevelopmentStorage=true or DefaultEndpointsProtocol=…;AccountName=…;AccountKey=…)",
        RequestFailedException { Status: 403 } => "storage refused the credentials in --storage (403): check the account key or SAS",
        RequestFailedException r when r.Status != 0 => $"storage answered {r.Status} ({r.ErrorCode}): check --storage",
        RequestFailedException or AggregateException or HttpRequestException => "storage could not be reached at the endpoint in --storage (is Azurite running?)",
        _ => $"storage failed: {exception.GetType().Name}",
    };
}
