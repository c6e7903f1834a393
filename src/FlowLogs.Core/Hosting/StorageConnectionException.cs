namespace FlowLogs.Hosting;

/// <summary>
/// A storage connection whose settings are missing or name no account. Its message names the settings to set and
/// never holds their values, so a host may show it as it is.
/// </summary>
internal sealed class StorageConnectionException : InvalidOperationException
{
    /// <summary>Creates the exception with <paramref name="message"/>, which names settings, never their values.</summary>
    public StorageConnectionException(string message)
        : base(message)
    {
    }
}
