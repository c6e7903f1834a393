namespace FlowLogs.Sinks;

/// <summary>
/// How a sink that sends requests bounds them, for the processor's start-up checks: the largest request body and the
/// time one request may take with its retries, with the settings that set them (for messages).
/// </summary>
internal sealed record SinkRequestLimits(int MaxRequestBytes, string MaxRequestBytesSetting, TimeSpan RetryBudget, string RetryBudgetSetting);
