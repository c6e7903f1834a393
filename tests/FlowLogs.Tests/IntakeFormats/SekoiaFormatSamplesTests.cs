using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FlowLogs.Tests.Support;

namespace FlowLogs.Tests.IntakeFormats;

/// <summary>
/// The re-implementation of Sekoia's two formats (<see cref="SekoiaFormats"/>) against the formats' own published
/// samples: for each sample message, every field the format's expected event has, and no other, with its value. Then
/// grok's address patterns against the text forms of RFC 4291 and against what is not an address.
/// </summary>
public class SekoiaFormatSamplesTests
{
    [Test]
    public void TheFlowLogsFormatMakesOfEachPublishedSampleTheEventItPublishes()
    {
        // Seed 002: Sekoia's samples of "Azure Network Watcher Flow Logs", the same six as the format's parser tests.
        JsonArray samples = TestData.Json("seeds", "seed-002-vnet.json")["ecs"]!.AsArray();
        Assert.That(samples, Has.Count.EqualTo(6));
        foreach (JsonNode? sample in samples)
        {
            string message = sample!["message"]!.GetValue<string>();
            FormatOutput output = SekoiaFormats.FlowLogs(message);
            Assert.That(output.Parsed, Is.True, message);
            AssertFields(Flatten(sample.AsObject()), output.Fields, message);
        }
    }

    [Test]
    public void TheNsgFormatMakesOfEachPublishedSampleTheEventItPublishes()
    {
        JsonArray samples = TestData.Json("intake-formats", "azure-network-watcher-tests.json")["samples"]!.AsArray();
        Assert.That(samples.Select(s => s!["name"]!.GetValue<string>()), Is.EquivalentTo(new[] { "continue", "test_begin", "test_end", "test_short" }));
        foreach (JsonNode? sample in samples)
        {
            string message = sample!["message"]!.GetValue<string>();
            FormatOutput output = SekoiaFormats.Nsg(message);
            Assert.That(output.Parsed, Is.True, message);
            AssertFields(Flatten(sample["expected"]!.AsObject()), output.Fields, sample["name"]!.GetValue<string>());
        }
    }

    [Test]
    public void TheNsgPatternCapturesTheV2TailOnlyBecauseTheWholeValueIsMatched()
    {
        // The published "end" sample has its counters: an unanchored search would stop at the empty first alternative.
        string tuple = "1607984156,1.2.3.4,5.6.7.8,36422,8086,T,O,A,E,1,74,1,74";
        var unanchored = new Regex(Grok.Expand(SekoiaFormats.NsgPattern, SekoiaFormats.NsgCustomPatterns), RegexOptions.ExplicitCapture);
        Assert.That(unanchored.Match(tuple).Groups["source_bytes"].Success, Is.False, "a search stops after the decision");
        Assert.That(SekoiaFormats.Nsg($"{{\"flow.0\":\"{tuple}\"}}").Fields["source.bytes"].GetValue<long>(), Is.EqualTo(74));
    }

    [TestCase("10.0.0.4")]
    [TestCase("0.0.0.0")]
    [TestCase("255.255.255.255")]
    [TestCase("::")]
    [TestCase("::1")]
    [TestCase("1::")]
    [TestCase("2001:db8::1")]
    [TestCase("2001:DB8:0:0:8:800:200C:417A")]
    [TestCase("fe80::1%eth0")]
    [TestCase("::ffff:192.0.2.128")]
    [TestCase("::13.1.68.3")]
    [TestCase("1:2:3:4:5:6:7:8")]
    [TestCase("1:2:3:4:5:6:7::")]
    [TestCase("::2:3:4:5:6:7:8")]
    [TestCase("1::8")]
    [TestCase("1:2:3:4:5:6::8")]
    [TestCase("1:2:3:4:5::7:8")]
    [TestCase("1:2:3:4:5:6:1.2.3.4")]
    [TestCase("1::5:1.2.3.4")]
    [TestCase("2001:db8:3333:4444:5555:6666:7777:8888")]
    public void GroksIpPatternReadsEveryTextFormOfAnAddress(string address)
        => Assert.That(Grok.Compile("%{IP:ip}", new Dictionary<string, string>()).IsMatch(address), Is.True);

    [TestCase("10.0.0")]
    [TestCase("256.1.1.1")]
    [TestCase("1.2.3.4.5")]
    [TestCase(":::")]
    [TestCase("1::2::3")]
    [TestCase("1:2:3:4:5:6:7:8:9")]
    [TestCase("1:2:3:4:5:6:7")]
    [TestCase("12345::")]
    [TestCase("1:2:3:4:5:6:7:1.2.3.4")]
    [TestCase("::ffff:01.2.3.4")]
    [TestCase("g::1")]
    [TestCase("")]
    public void GroksIpPatternRefusesWhatIsNoAddress(string text)
        => Assert.That(Grok.Compile("%{IP:ip}", new Dictionary<string, string>()).IsMatch(text), Is.False);

    internal static SortedDictionary<string, JsonNode> Flatten(JsonObject e)
    {
        var fields = new SortedDictionary<string, JsonNode>(StringComparer.Ordinal);
        void Walk(JsonObject o, string prefix)
        {
            foreach ((string key, JsonNode? value) in o)
            {
                string name = prefix + key;
                if (name == "message")
                {
                    continue;
                }

                if (value is JsonObject child)
                {
                    Walk(child, name + ".");
                }
                else if (value is not null)
                {
                    fields[name] = value.DeepClone();
                }
            }
        }

        Walk(e, string.Empty);
        return fields;
    }

    private static void AssertFields(SortedDictionary<string, JsonNode> expected, SortedDictionary<string, JsonNode> actual, string sample)
    {
        Assert.That(actual.Keys, Is.EquivalentTo(expected.Keys), sample);
        Assert.Multiple(() =>
        {
            foreach ((string name, JsonNode value) in expected)
            {
                Assert.That(JsonNode.DeepEquals(actual[name], value), Is.True, $"{sample}: {name} is {actual[name].ToJsonString()}, the format's sample has {value.ToJsonString()}");
            }
        });
    }
}
