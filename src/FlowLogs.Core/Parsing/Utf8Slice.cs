namespace FlowLogs.Parsing;

/// <summary>A run of UTF-8 bytes inside a <see cref="FlowRecord"/>'s text arena.</summary>
/// <param name="Start">Index of the first byte in the arena.</param>
/// <param name="Length">Number of bytes; 0 with <see cref="IsPresent"/> false means the value was absent.</param>
public readonly record struct Utf8Slice(int Start, int Length)
{
    private const int AbsentMarker = -1;

    /// <summary>A slice that stands for a value the record did not carry.</summary>
    public static Utf8Slice Absent => new(AbsentMarker, 0);

    /// <summary>Whether the record carried this value (an empty string is present).</summary>
    public bool IsPresent => Start != AbsentMarker;
}
