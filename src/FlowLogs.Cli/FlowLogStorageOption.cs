using System.CommandLine;
using System.Globalization;

namespace FlowLogs.Cli;

/// <summary>
/// <c>--storage</c>, given once per flow-log account: the first is the connection <c>FlowLogStorage</c>, the next ones
/// <c>FlowLogStorage1</c>, <c>FlowLogStorage2</c>…, all listed in <c>FlowLogs:Storage:FlowLogConnections</c>, as a
/// deployment with several accounts names them. Each value, like <c>--state-storage</c>'s, is a connection string or
/// an account's blob endpoint (<c>https://&lt;account&gt;.blob.&lt;suffix&gt;/</c>), read with the signed-in identity
/// (Azure CLI, environment, managed identity): the deployed accounts allow no shared key.
/// </summary>
internal static class FlowLogStorageOption
{
    /// <summary>Creates the option.</summary>
    public static Option<string[]> Create(string description, bool required) => new("--storage")
    {
        Description = description + " A connection string, or the account's blob endpoint (https://<account>.blob.core.windows.net/) to sign in with your identity. Repeat it for each flow-log account.",
        Required = required,
        AllowMultipleArgumentsPerToken = false,
    };

    /// <summary><c>--state-storage</c>: the app's own account (checkpoints, replay state, dead letters, the events queue).</summary>
    public static Option<string?> CreateState(string description) => new("--state-storage") { Description = description };

    /// <summary>Adds the connections of <paramref name="storages"/> to <paramref name="settings"/>; the first is the default state account.</summary>
    public static void AddTo(IDictionary<string, string?> settings, IReadOnlyList<string>? storages, string? stateStorage)
    {
        ArgumentNullException.ThrowIfNull(settings);
        storages ??= [];
        for (int i = 0; i < storages.Count; i++)
        {
            string connection = ConnectionName(i);
            AddConnection(settings, connection, storages[i]);
            settings[string.Create(CultureInfo.InvariantCulture, $"FlowLogs:Storage:FlowLogConnections:{i}")] = connection;
        }

        if ((stateStorage ?? (storages.Count > 0 ? storages[0] : null)) is { Length: > 0 } state)
        {
            AddConnection(settings, "AzureWebJobsStorage", state);
        }
    }

    // A blob endpoint becomes the account's name and storage suffix (its table and queue endpoints follow from them)
    // with no key, so the connection signs in with an identity; anything else is a connection string.
    private static void AddConnection(IDictionary<string, string?> settings, string connection, string value)
    {
        if (Uri.TryCreate(value, UriKind.Absolute, out Uri? endpoint) && endpoint.Scheme == Uri.UriSchemeHttps
            && endpoint.Host.Split('.', 3) is [{ Length: > 0 } account, "blob", { Length: > 0 } suffix])
        {
            settings[$"{connection}:accountName"] = account;
            settings[$"{connection}:endpointSuffix"] = suffix;
            return;
        }

        settings[connection] = value;
    }

    /// <summary>The connection name of the <paramref name="index"/>th flow-log account.</summary>
    public static string ConnectionName(int index) => index == 0 ? "FlowLogStorage" : string.Create(CultureInfo.InvariantCulture, $"FlowLogStorage{index}");
}
