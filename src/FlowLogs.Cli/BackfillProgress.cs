using System.Globalization;
using FlowLogs.Cli.Status;
using FlowLogs.Replay;

namespace FlowLogs.Cli;

/// <summary>
/// The progress line of a backfill (<c>flowlogs ingest --since</c>): hours done of the total, events, bytes, rate and time
/// left. On a terminal one line rewritten in place (at most 4 times a second); redirected, a plain line every
/// <c>period</c>, and one when the round ends. Reports arrive from parallel catch-ups: writes are serialized.
/// </summary>
internal sealed class BackfillProgress(TextWriter writer, bool terminal, TimeSpan period, TimeProvider time) : IProgress<ReplayProgress>
{
    private readonly Lock _gate = new();
    private long _started = time.GetTimestamp();
    private long _lastWritten = long.MinValue;
    private ReplayProgress _last;
    private int _width;

    /// <inheritdoc/>
    public void Report(ReplayProgress value)
    {
        lock (_gate)
        {
            _last = value;
            long now = time.GetTimestamp();
            TimeSpan every = terminal ? TimeSpan.FromMilliseconds(250) : period;
            if (_lastWritten != long.MinValue && time.GetElapsedTime(_lastWritten, now) < every)
            {
                return;
            }

            _lastWritten = now;
            Write(Line(value, time.GetElapsedTime(_started, now)));
        }
    }

    /// <summary>Writes the last figures (the end of a round), ends the in-place line, and starts the clock again for the next round.</summary>
    public void Complete()
    {
        lock (_gate)
        {
            Write(Line(_last, time.GetElapsedTime(_started)));
            if (terminal)
            {
                writer.WriteLine();
                _width = 0;
            }

            _started = time.GetTimestamp();
            _lastWritten = long.MinValue;
            _last = default;
        }
    }

    /// <summary>One progress line.</summary>
    public static string Line(ReplayProgress progress, TimeSpan elapsed)
    {
        double seconds = Math.Max(elapsed.TotalSeconds, 0.001);
        string left = progress.HoursDone == 0 || progress.HoursTotal == 0 ? "?"
            : progress.HoursDone >= progress.HoursTotal ? "0s"
            : Format.Age(elapsed / progress.HoursDone * (progress.HoursTotal - progress.HoursDone));
        string failed = progress.BlobsFailed > 0 ? string.Create(CultureInfo.InvariantCulture, $", {progress.BlobsFailed} blobs failed") : string.Empty;
        return string.Create(
            CultureInfo.InvariantCulture,
            $"flowlogs ingest: {progress.HoursDone}/{progress.HoursTotal} hours, {Format.Count(progress.Events)} events, {Format.Bytes(progress.Bytes)}, {Format.Bytes((long)(progress.Bytes / seconds))}/s, {Format.Count((long)(progress.Events / seconds))} events/s, {left} left{failed}");
    }

    private void Write(string line)
    {
        if (terminal)
        {
            // Rewrite the line in place, blanking what a longer previous line left.
            writer.Write("\r" + line.PadRight(_width));
            _width = line.Length;
        }
        else
        {
            writer.WriteLine(line);
        }

        writer.Flush();
    }
}
