using FlowLogs.BlobSource;
using FlowLogs.Checkpoints;

namespace FlowLogs.Tests.Checkpoints;

public class CheckpointKeysTests
{
    private const string VNetName = "insights-logs-flowlogflowevent/flowLogResourceID=/SUBSCRIPTIONS/0000/RESOURCEGROUPS/NETWORKWATCHERRG/PROVIDERS/MICROSOFT.NETWORK/NETWORKWATCHERS/NETWORKWATCHER_EASTUS/FLOWLOGS/FL/y=2026/m=11/d=23/h=09/m=00/macAddress=00224871C205/PT1H.json";

    [Test]
    public void PartitionIsTheBlobsHour()
    {
        Assert.That(CheckpointKeys.Partition(VNetName), Is.EqualTo("2026112309"));
        Assert.That(CheckpointKeys.Partition(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero)), Is.EqualTo("2026112309"));
        Assert.That(CheckpointKeys.Partition("c/no/hour/PT1H.json"), Is.EqualTo(CheckpointKeys.NoHourPartition));
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
