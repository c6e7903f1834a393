using FlowLogs.BlobSource;
using FlowLogs.Checkpoints;

namespace FlowLogs.Tests.Checkpoints;

public class CheckpointKeysTests
{
    private const string VNetName = "insights-logs-flowlogflowevent/flowLogResourceID=/SUBSCRIPTIONS/0000/RESOURCEGROUPS/NETWORKWATCHERRG/PROVIDERS/MICROSOFT.NETWORK/NETWORKWATCHERS/NETWORKWATCHER_EASTUS/FLOWLOGS/FL/y=2026/m=11/d=23/h=09/m=00/macAddress=00224871C205/PT1H.json";

    [Test]
    public void PartitionIsTheBlobsHourAndABucketOfItsName()
    {
        Assert.That(CheckpointKeys.Partition(VNetName), Does.Match("^2026112309-[0-9a-f]$"));
        Assert.That(CheckpointKeys.PartitionsOf(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero)), Is.EqualTo(("2026112309-0", "2026112309-f")));
        Assert.That(CheckpointKeys.Partition("c/no/hour/PT1H.json"), Is.EqualTo(CheckpointKeys.NoHourPartition));
    }

    [Test]
    public void AnHoursBlobsAreSpreadSoNoPartitionHoldsAFifthOfThem()
    {
        // 96 NICs of one hour (the bar); and 10,000 for the shape of the spread.
        foreach (int blobs in new[] { 96, 10_000 })
        {
            int[] perPartition = [.. Enumerable.Range(0, blobs)
                .Select(i => CheckpointKeys.Partition(VNetName.Replace("00224871C205", $"0022487{i:X5}", StringComparison.Ordinal)))
                .GroupBy(p => p)
                .Select(g => g.Count())];
            Assert.That(perPartition, Has.Length.EqualTo(CheckpointKeys.Spread));
            Assert.That(perPartition.Max(), Is.LessThanOrEqualTo(blobs / 5), $"{blobs} blobs");
        }
    }

    [Test]
    public void EveryBucketOfAnHourLiesInsideItsRangeQueryAndNoOtherHoursDoes()
    {
        DateTimeOffset hour = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
        (string first, string last) = CheckpointKeys.PartitionsOf(hour);
        string[] partitions = [.. Enumerable.Range(0, 10_000)
            .Select(i => CheckpointKeys.Partition(VNetName.Replace("00224871C205", $"0022487{i:X5}", StringComparison.Ordinal)))
            .Distinct()];

        Assert.That(partitions, Has.Length.EqualTo(CheckpointKeys.Spread));
        Assert.That(partitions, Has.All.Matches<string>(p => string.CompareOrdinal(p, first) >= 0 && string.CompareOrdinal(p, last) <= 0));
        foreach (DateTimeOffset other in new[] { hour.AddHours(-1), hour.AddHours(1) })
        {
            (string otherFirst, string otherLast) = CheckpointKeys.PartitionsOf(other);
            Assert.That(string.CompareOrdinal(otherLast, first) < 0 || string.CompareOrdinal(otherFirst, last) > 0, $"{other:u} overlaps");
        }

        Assert.That(string.CompareOrdinal(CheckpointKeys.NoHourPartition, first) < 0 || string.CompareOrdinal(CheckpointKeys.NoHourPartition, last) > 0);
    }

    [TestCase(VNetName)]
    [TestCase("c/a#b?c\\d%e/PT1H.json")]
    [TestCase("c/tab\there/\u0001\u007f/PT1H.json")]
    [TestCase("c/ünïcödé/日本/PT1H.json")]
    public void RowKeysAreValidTableKeysAndDistinct(string name)
    {
        string row = CheckpointKeys.Row(name);
        AssertValidKey(row);
        Assert.That(CheckpointKeys.Row(name + "x"), Is.Not.EqualTo(row));
    }

    [Test]
    public void EscapingIsReversibleSoKeysNeverCollide()
    {
        // "%2F" written literally and "/" must not give the same key.
        Assert.That(CheckpointKeys.Row("c/a%2Fb"), Is.Not.EqualTo(CheckpointKeys.Row("c/a/b")));
        Assert.That(CheckpointKeys.Row("c/a/b"), Is.EqualTo("c%2Fa%2Fb"));
    }

    [Test]
    public void LongNamesAreHashed()
    {
        string name = "c/" + string.Join('/', Enumerable.Repeat("segment-with-a-long-name", 60)) + "/PT1H.json";
        string row = CheckpointKeys.Row(name);
        AssertValidKey(row);
        Assert.That(row, Does.StartWith("~sha256~"));
        Assert.That(row.Length, Is.LessThan(100));
        Assert.That(CheckpointKeys.Row(name.Replace("long", "lung", StringComparison.Ordinal)), Is.Not.EqualTo(row));
    }

    [Test]
    public void BlobPathReadsHourAndMacWhateverThePrefix()
    {
        Assert.That(BlobPath.TryParse(VNetName, out BlobPath path), Is.True);
        Assert.That(path.Hour, Is.EqualTo(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero)));
        Assert.That(path.MacAddress, Is.EqualTo("00224871C205"));
        Assert.That(path.ResourcePrefix, Does.EndWith("FLOWLOGS/FL"));

        Assert.That(BlobPath.TryParse("x/flowLogResourceID=/SUB_NETWORKWATCHERRG/NETWORKWATCHER_EASTUS_FL/y=2025/m=02/d=28/h=23/m=00/macAddress=AA/PT1H.json", out BlobPath other), Is.True);
        Assert.That(other.Hour.Day, Is.EqualTo(28));
        Assert.That(BlobPath.TryParse("x/y=2025/m=02/d=30/h=23/PT1H.json", out _), Is.False);
        Assert.That(BlobPath.TryParse("x/y=2025/m=13/d=01/h=23/PT1H.json", out _), Is.False);
    }

    private static void AssertValidKey(string key)
    {
        Assert.That(key.Length, Is.InRange(1, 1024));
        Assert.That(key.IndexOfAny(['/', '\\', '#', '?']), Is.EqualTo(-1), key);
        Assert.That(key.Any(char.IsControl), Is.False, key);
    }
}
