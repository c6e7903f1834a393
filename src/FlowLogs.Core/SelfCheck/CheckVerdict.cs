namespace FlowLogs.SelfCheck;

/// <summary>What one check found, or the whole self-check: the worst of its checks.</summary>
public enum CheckVerdict
{
    /// <summary>The check passed.</summary>
    Pass,

    /// <summary>The check does not apply here (another sink, nothing to compare).</summary>
    Skip,

    /// <summary>The check could not confirm what it checks, and found nothing wrong either.</summary>
    Warn,

    /// <summary>The check found something that stops or loses delivery.</summary>
    Fail,
}
