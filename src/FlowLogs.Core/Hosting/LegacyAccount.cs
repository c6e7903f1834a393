namespace FlowLogs.Hosting;

/// <summary>The flow-log account that owns checkpoints and replay state written before they carried an account; null when not known.</summary>
/// <param name="Name">The account's name.</param>
internal sealed record LegacyAccount(string? Name);
