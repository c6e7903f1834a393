namespace FlowLogs.Tests.Support;

/// <summary>A clock stopped at one instant, for lease expiry and replay windows.</summary>
internal sealed class FixedTime(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
