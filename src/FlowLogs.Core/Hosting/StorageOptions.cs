using System.ComponentModel.DataAnnotations;

namespace FlowLogs.Hosting;

/// <summary>Which storage accounts the pipeline uses; bound from configuration section <see cref="SectionName"/>.</summary>
internal sealed class StorageOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "FlowLogs:Storage";

    /// <summary>
    /// Name of the connection to the account Network Watcher writes flow logs to: a connection string under that name,
    /// or <c>{name}__blobServiceUri</c> (managed identity), as the Functions blob trigger reads it. The only account
    /// when <see cref="FlowLogConnections"/> is empty.
    /// </summary>
    [Required]
    public string FlowLogConnection { get; set; } = "FlowLogStorage";

    /// <summary>
    /// Names of the connections to every flow-log account (one per region, often), each configured like
    /// <see cref="FlowLogConnection"/>.
    /// </summary>
    public IList<string> FlowLogConnections { get; } = [];

    /// <summary>The connections of the flow-log accounts: <see cref="FlowLogConnections"/>, or <see cref="FlowLogConnection"/> alone.</summary>
    internal IReadOnlyList<string> FlowLogConnectionNames => FlowLogConnections.Count > 0 ? [.. FlowLogConnections] : [FlowLogConnection];

    /// <summary>Name of the connection to the app's own account (checkpoints, replay state, dead letters).</summary>
    [Required]
    public string StateConnection { get; set; } = "AzureWebJobsStorage";

    /// <summary>The checkpoint table.</summary>
    [Required]
    [RegularExpression("^[A-Za-z][A-Za-z0-9]{2,62}$", ErrorMessage = "FlowLogs:Storage:CheckpointTable must be a valid table name (letters and digits, 3 to 63, starting with a letter)")]
    public string CheckpointTable { get; set; } = "flowlogcheckpoints";

    /// <summary>The dead-letter container.</summary>
    [Required]
    [RegularExpression("^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$", ErrorMessage = "FlowLogs:Storage:DeadLetterContainer must be a valid container name (lower-case letters, digits and single dashes, 3 to 63)")]
    public string DeadLetterContainer { get; set; } = "flowlogs-deadletter";
}
