namespace FlowLogs.Replay;

/// <summary>How far a replay run is, as it goes (for a backfill's progress line).</summary>
/// <param name="HoursDone">Hours looked at so far.</param>
/// <param name="HoursTotal">Hours the run will look at.</param>
/// <param name="Events">Events delivered so far.</param>
/// <param name="Bytes">Bytes read so far.</param>
/// <param name="BlobsFailed">Blobs that could not be brought up to date so far.</param>
public readonly record struct ReplayProgress(int HoursDone, int HoursTotal, long Events, long Bytes, int BlobsFailed);
