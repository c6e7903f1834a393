using System.Globalization;
using System.Text;
using FlowLogs.Ecs;

namespace FlowLogs.Tests.Ecs;

public class EcsTimestampTests
{
    [Test]
    public void MatchesTheFrameworksFormattingAcrossTheRange()
    {
        var random = new Random(42);
        long[] fixedPoints = [0, 1, 951_782_400_000 /* 2000-02-29 */, 4_107_542_399_999 /* 2100-02-28T23:59:59.999 */, 253_402_300_799_999];
        IEnumerable<long> samples = fixedPoints.Concat(Enumerable.Range(0, 2000).Select(_ => random.NextInt64(0, 253_402_300_800_000)));
        Span<byte> buffer = stackalloc byte[EcsTimestamp.Length];
        foreach (long ms in samples)
        {
            int length = EcsTimestamp.Write(ms, buffer);
            string expected = DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
            Assert.That(Encoding.ASCII.GetString(buffer[..length]), Is.EqualTo(expected), $"{ms} ms");
        }
    }

    [Test]
    public void ConsecutiveTimesAcrossMidnightUseTheRightDate()
    {
        // The date part is cached per day: walk across a day boundary and a year boundary in small steps.
        long[] starts = [1_663_199_990_000 /* 2022-09-14T23:59:50Z */, 1_704_067_190_000 /* 2023-12-31T23:59:50Z */];
        Span<byte> buffer = stackalloc byte[EcsTimestamp.Length];
        foreach (long start in starts)
        {
            for (long ms = start; ms < start + 20_000; ms += 997)
            {
                int length = EcsTimestamp.Write(ms, buffer);
                string expected = DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
                Assert.That(Encoding.ASCII.GetString(buffer[..length]), Is.EqualTo(expected));
            }
        }
    }
}
