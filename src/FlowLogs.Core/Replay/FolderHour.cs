namespace FlowLogs.Replay;

/// <summary>What a run does with one resource folder's hour.</summary>
internal enum FolderHourStep
{
    /// <summary>Complete and rechecked: nothing more to find; never listed again.</summary>
    Done,

    /// <summary>Complete, its recheck not due yet: not listed now, and the hour is not done.</summary>
    Waiting,

    /// <summary>Not complete: list it, catch up what is behind.</summary>
    List,

    /// <summary>Complete for a while: list it once more, for blobs Azure created after it was found complete.</summary>
    Recheck,
}

/// <summary>
/// The rules of one resource folder's hour: when it is listed, when it is complete, when it is done. An hour is
/// complete once it is over, every blob of it is read to its end and none changed for the completion grace; it is
/// listed once more <see cref="ReplayOptions.RecheckAfter"/> later, since Azure creates some blobs late (a NIC attached
/// late, its own delays) and a blob created after its hour was found complete would otherwise be read only if its
/// trigger fired. Pure: no storage, no clock.
/// </summary>
internal static class FolderHour
{
    /// <summary>What to do with an hour marked <paramref name="mark"/> (null: never complete) at <paramref name="now"/>.</summary>
    public static FolderHourStep Next(HourMark? mark, DateTimeOffset now, TimeSpan recheckAfter) => mark switch
    {
        null => FolderHourStep.List,
        { Rechecked: true } => FolderHourStep.Done,
        _ when now - mark.Completed >= recheckAfter => FolderHourStep.Recheck,
        _ => FolderHourStep.Waiting,
    };

    /// <summary>
    /// The mark to record after a listing made for <paramref name="step"/>, or null to record nothing: the hour is
    /// complete when it is over and every blob listed is read to its end and quiet (<paramref name="settled"/>).
    /// </summary>
    public static HourMark? After(FolderHourStep step, HourMark? mark, bool hourOver, bool settled, DateTimeOffset now, TimeSpan recheckAfter)
    {
        if (!hourOver || !settled)
        {
            return null;
        }

        return step == FolderHourStep.Recheck && mark is not null
            ? mark with { Rechecked = true }
            : new HourMark(now, Rechecked: recheckAfter == TimeSpan.Zero);
    }
}
