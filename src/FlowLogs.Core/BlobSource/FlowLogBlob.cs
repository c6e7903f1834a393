using System.Diagnostics.CodeAnalysis;

namespace FlowLogs.BlobSource;

/// <summary>A flow-log blob: the storage account it is in, its container and its name within it.</summary>
/// <param name="Account">The storage account's name, such as <c>contosoflowlogsweu</c>.</param>
/// <param name="Container">The container, such as <c>insights-logs-flowlogflowevent</c>.</param>
/// <param name="Name">The blob name, ending in <c>/PT1H.json</c>.</param>
public sealed record FlowLogBlob(string Account, string Container, string Name)
{
    /// <summary>The container of VNet flow logs.</summary>
    public const string VNetContainer = "insights-logs-flowlogflowevent";

    /// <summary>The container of NSG flow logs.</summary>
    public const string NsgContainer = "insights-logs-networksecuritygroupflowevent";

    /// <summary><c>account/container/name</c>: the name used in checkpoints, dead letters and logs.</summary>
    public string FullName => $"{Account}/{Container}/{Name}";

    /// <summary>
    /// <c>container/name</c>: the blob within its account, from which event ids are made (a blob's name holds its
    /// resource's full id, so it is unique across accounts, and ids stay what they were before accounts were named).
    /// </summary>
    public string Path => $"{Container}/{Name}";

    /// <summary>Whether the name is a flow-log hour blob (ends in <c>/PT1H.json</c>).</summary>
    public bool IsHourBlob => Name.EndsWith("/PT1H.json", StringComparison.Ordinal) || Name == "PT1H.json";

    /// <summary>Reads a <see cref="FullName"/>: <c>account/container/name</c>.</summary>
    public static bool TryParse(string fullName, [NotNullWhen(true)] out FlowLogBlob? blob)
    {
        ArgumentNullException.ThrowIfNull(fullName);
        blob = null;
        int first = fullName.IndexOf('/', StringComparison.Ordinal);
        if (first <= 0)
        {
            return false;
        }

        string head = fullName[..first];
        if (!StorageAccountName.IsValid(head))
        {
            return false;
        }

        int second = fullName.IndexOf('/', first + 1);
        if (second <= first + 1 || second == fullName.Length - 1)
        {
            return false;
        }

        blob = new FlowLogBlob(head, fullName[(first + 1)..second], fullName[(second + 1)..]);
        return true;
    }

    /// <inheritdoc/>
    public override string ToString() => FullName;
}

/// <summary>The rule Azure gives storage account names: 3 to 24 lower-case letters and digits.</summary>
internal static class StorageAccountName
{
    /// <summary>Whether <paramref name="name"/> can be a storage account's name.</summary>
    public static bool IsValid(ReadOnlySpan<char> name)
    {
        if (name.Length is < 3 or > 24)
        {
            return false;
        }

        foreach (char c in name)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9')))
            {
                return false;
            }
        }

        return true;
    }
}
