using System.Globalization;

namespace FlowLogs.SelfCheck;

/// <summary>
/// This machine's clock against the storage service's (a response's Date header, whole seconds, taken as the middle of
/// its second and compared with the middle of the request). Hours, claims and ages go by the service's time, so nothing
/// is lost; but logs, metrics, timer schedules and the first moments of a process carry this machine's.
/// </summary>
internal static class ClockCheck
{
    /// <summary>The check's name.</summary>
    public const string Name = "clock";

    /// <summary>Within this, the clocks agree (the Date header's second and a request's time are in it).</summary>
    public static readonly TimeSpan Agrees = TimeSpan.FromSeconds(30);

    /// <summary>Beyond this, logs and metrics are off by more than a delivery's usual lag: fix it before reading them.</summary>
    public static readonly TimeSpan FailsBeyond = TimeSpan.FromMinutes(2);

    /// <summary>The verdict on <paramref name="local"/> (this machine, mid-request) against <paramref name="serviceDate"/> (the Date header). Pure.</summary>
    public static CheckResult Judge(DateTimeOffset local, DateTimeOffset serviceDate)
    {
        TimeSpan skew = local - (serviceDate + TimeSpan.FromMilliseconds(500));
        TimeSpan off = skew.Duration();
        string words = off < TimeSpan.FromSeconds(1)
            ? "this machine's clock agrees with the storage service's (within a second)"
            : string.Create(CultureInfo.InvariantCulture, $"this machine's clock is {UnreadCommitsCheck.Age(off)} {(skew > TimeSpan.Zero ? "ahead of" : "behind")} the storage service's");
        CheckVerdict verdict = off <= Agrees ? CheckVerdict.Pass : off <= FailsBeyond ? CheckVerdict.Warn : CheckVerdict.Fail;
        string advice = verdict == CheckVerdict.Pass ? string.Empty : ": synchronise it (NTP); hours and claims go by the storage service's time, but logs, metrics and schedules by this machine's";
        return new CheckResult { Name = Name, Verdict = verdict, Detail = words + advice };
    }

    /// <summary>The verdict when no storage account answered with its time.</summary>
    public static CheckResult WithoutServiceTime() => new()
    {
        Name = Name,
        Verdict = CheckVerdict.Skip,
        Detail = "no storage account answered with its time: nothing to compare with",
    };
}
