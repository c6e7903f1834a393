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
}
