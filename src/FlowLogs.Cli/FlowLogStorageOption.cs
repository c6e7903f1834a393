using System.CommandLine;
using System.Globalization;

namespace FlowLogs.Cli;

/// <summary>
/// <c>--storage</c>, given once per flow-log account: the first is the connection <c>FlowLogStorage</c>, the next ones
/// <c>FlowLogStorage1</c>, <c>FlowLogStorage2</c>…, all listed in <c>FlowLogs:Storage:FlowLogConnections</c>, as a
/// deployment with several accounts names them.
/// </summary>
internal static class FlowLogStorageOption
{
    /// <summary>Creates the option.</summary>
    public static Option<string[]> Create(string description, bool required) => new("--storage")
    {
        Description = description + " Repeat it for each flow-log account.",
        Required = required,
        AllowMultipleArgumentsPerToken = false,
    };

    /// <summary>Adds the connections of <paramref name="storages"/> to <paramref name="settings"/>; the first is the default state account.</summary>
    public static void AddTo(IDictionary<string, string?> settings, IReadOnlyList<string>? storages, string? stateStorage)
    {
        ArgumentNullException.ThrowIfNull(settings);
        storages ??= [];
        for (int i = 0; i < storages.Count; i++)
        {
            string connection = ConnectionName(i);
            settings[connection] = storages[i];
            settings[string.Create(CultureInfo.InvariantCulture, $"FlowLogs:Storage:FlowLogConnections:{i}")] = connection;
        }

        if ((stateStorage ?? (storages.Count > 0 ? storages[0] : null)) is { Length: > 0 } state)
        {
            settings["AzureWebJobsStorage"] = state;
        }
    }

    /// <summary>The connection name of the <paramref name="index"/>th flow-log account.</summary>
    public static string ConnectionName(int index) => index == 0 ? "FlowLogStorage" : string.Create(CultureInfo.InvariantCulture, $"FlowLogStorage{index}");
}
