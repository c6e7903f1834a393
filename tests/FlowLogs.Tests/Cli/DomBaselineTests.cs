using System.Text;
using FlowLogs.Cli;
using FlowLogs.DomBaseline;
using FlowLogs.Parsing;
using FlowLogs.Simulation;
using FlowLogs.Tests.Support;

namespace FlowLogs.Tests.Cli;

/// <summary>
/// The whole-process comparison in docs/verification.md holds only if the DOM baseline (bench/FlowLogs.DomBaseline)
/// writes exactly what <c>flowlogs parse</c> writes: byte for byte, on Microsoft's samples and on generated inputs.
/// </summary>
public class DomBaselineTests
{
    private string _directory = null!;

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("flowlogs-dom-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    [TestCase("nsg-v1.PT1H.json", 12)]
    [TestCase("nsg-v2.PT1H.json", 11)]
    [TestCase("vnet-v4.PT1H.json", 19)]
    public async Task WritesTheSameBytesAsParseOnMicrosoftsSamples(string sample, int events)
        => await AssertSameOutputAsync(TestData.PathOf("msdocs", sample), events);

    [TestCase(FlowLogKind.VirtualNetwork)]
    [TestCase(FlowLogKind.NetworkSecurityGroup)]
    public async Task WritesTheSameBytesAsParseOnAGeneratedHour(FlowLogKind kind)
    {
        string path = Path.Combine(_directory, kind == FlowLogKind.VirtualNetwork ? "vnet.PT1H.json" : "nsg.PT1H.json");
        await using (FileStream file = File.Create(path))
        {
            new FlowLogGenerator(seed: 25).WriteDocument(file, kind, new SimulatedNic(3), new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero), records: 12, tuplesPerRecord: 40);
        }

        await AssertSameOutputAsync(path, 12 * 40);
    }

    private static async Task AssertSameOutputAsync(string path, int events)
    {
        using var dom = new MemoryStream();
        long written = DomEventWriter.Write(path, dom);

        (int exit, string stdout, string stderr) = await CliRun.RunAsync("parse", path);
        Assert.That(exit, Is.EqualTo(ExitCodes.Success), stderr);
        Assert.That(written, Is.EqualTo(events));
        Assert.That(dom.ToArray().AsSpan().Count((byte)'\n'), Is.EqualTo(events));
        byte[] expected = Encoding.UTF8.GetBytes(stdout);
        byte[] actual = dom.ToArray();
        int differs = expected.AsSpan().CommonPrefixLength(actual);
        Assert.That(differs, Is.EqualTo(Math.Max(expected.Length, actual.Length)), () =>
            $"the DOM baseline's output differs from flowlogs parse's at byte {differs}: …{Around(actual, differs)}… instead of …{Around(expected, differs)}…");
    }

    private static string Around(byte[] bytes, int at)
    {
        int start = Math.Max(0, at - 60);
        return Encoding.UTF8.GetString(bytes, start, Math.Min(bytes.Length, at + 60) - start);
    }
}
