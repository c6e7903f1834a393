namespace FlowLogs.Sinks;

/// <summary>An event of a batch that was not delivered: its index in the batch and why, in the receiver's words where it gave any.</summary>
internal readonly record struct RefusedEvent(int Index, string Reason);
