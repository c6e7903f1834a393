using System.Text;
using System.Text.Json.Nodes;
using Azure;
using FlowLogs.DeadLetters;

namespace FlowLogs.Tests.DeadLetters;

/// <summary>The pure parts of <c>flowlogs dead-letters</c>: reading a dead letter back, filters, the table and the full view.</summary>
public class DeadLetterTextTests
{
    private static readonly DateTimeOffset Written = new(2026, 11, 23, 10, 15, 0, TimeSpan.Zero);
    private const string Source = "insights-logs-flowlogflowevent/flowLogResourceID=/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000001/RESOURCEGROUPS/NETWORKWATCHERRG/PROVIDERS/MICROSOFT.NETWORK/NETWORKWATCHERS/NW/FLOWLOGS/FL/y=2026/m=11/d=23/h=10/m=00/macAddress=002248710000/PT1H.json";
    private const string Name = "insights-logs-flowlogflowevent/flowLogResourceID=/x/PT1H/000000000001234-000003-000002-InvalidTuple.json";

    [Test]
    public void ADeadLetterOfBadBytesIsReadBackWithItsItemsPlacesAndBytes()
    {
        DeadLetter letter = Parse(Name, Items());

        Assert.That(letter.IsEvent, Is.False);
        Assert.That(letter.Source, Is.EqualTo(Source));
        Assert.That(letter.Items, Has.Count.EqualTo(2));
        Assert.That(letter.Kind, Is.EqualTo("mixed"));
        Assert.That(letter.Place, Is.EqualTo("byte 1234, record 3, tuple 2"));
        Assert.That(letter.Items[1].Place, Is.EqualTo("byte 2000"));
        Assert.That(letter.Items[1].Bytes, Is.EqualTo(new byte[] { 0, 1, 0xFF }));
        Assert.That(letter.State, Is.EqualTo("pending"));
        Assert.That(letter.Id, Has.Length.EqualTo(10).And.Match("^[0-9a-f]+$"));
        Assert.That(DeadLetter.IdOf(DeadLetter.RedrivenPrefix + Name), Is.EqualTo(letter.Id), "a dead letter keeps its id when it moves under redriven/");
    }

    [Test]
    public void AnUnsentEventIsOneItemPlacedByItsRecordRange()
    {
        DeadLetter letter = Parse("c/x/PT1H/events/000000000000012-00000000000000ab.json", new JsonObject
        {
            ["source"] = Source,
            ["kind"] = "UnsentEvent",
            ["reason"] = "the intake refused this event (400): bad",
            ["record_range_start"] = 12,
            ["record_range_end"] = 900,
            ["length"] = 11,
            ["event"] = Convert.ToBase64String("{\"a\":\"b\"}\n"u8.ToArray()[..^1]),
        });

        Assert.That(letter.IsEvent, Is.True);
        Assert.That(letter.Kind, Is.EqualTo("UnsentEvent"));
        Assert.That(letter.Place, Is.EqualTo("records at bytes 12-900"));
        Assert.That(Encoding.UTF8.GetString(letter.Items[0].Bytes), Is.EqualTo("{\"a\":\"b\"}"));
    }

    [Test]
    public void AnOutcomeIsRecordedOnTheItemAndChangesTheStateAndTheReasonShown()
    {
        DeadLetter letter = Parse(Name, Items());
        letter.Items[0].Record(DeadLetterItem.Failing, Written, 0, "today's parser still skips it: InvalidTuple: field 13");
        Assert.That(letter.State, Is.EqualTo("failing"));
        Assert.That(letter.Reason, Does.StartWith("today's parser still skips it"));
        Assert.That(letter.Document["items"]![0]!["redrive"]!.ToJsonString(), Is.EqualTo("{\"outcome\":\"failing\",\"at\":\"2026-11-23T10:15:00Z\",\"events\":0,\"reason\":\"today\\u0027s parser still skips it: InvalidTuple: field 13\"}"));

        letter.Items[0].Record(DeadLetterItem.Delivered, Written, 4, null);
        letter.Items[1].Record(DeadLetterItem.Delivered, Written, 1, null);
        Assert.That(letter.State, Is.EqualTo("redriven"));
        Assert.That(letter.Reason, Is.EqualTo("field 13 is not a number"), "a delivered item shows its original reason");
    }

    [Test]
    public void TheFilterMatchesTimeAndAnyItemsKindOrReasonIgnoringCase()
    {
        DeadLetter letter = Parse(Name, Items());
        Assert.Multiple(() =>
        {
            Assert.That(new DeadLetterFilter().Matches(letter), Is.True);
            Assert.That(new DeadLetterFilter(Since: Written).Matches(letter), Is.True);
            Assert.That(new DeadLetterFilter(Since: Written.AddSeconds(1)).Matches(letter), Is.False);
            Assert.That(new DeadLetterFilter(Reason: "invalidtuple").Matches(letter), Is.True);
            Assert.That(new DeadLetterFilter(Reason: "BELONG TO NO").Matches(letter), Is.True, "the second item's reason");
            Assert.That(new DeadLetterFilter(Reason: "refused").Matches(letter), Is.False);
        });

        letter.Items[0].Record(DeadLetterItem.Failing, Written, 0, "the sink failed: refused");
        Assert.That(new DeadLetterFilter(Reason: "refused").Matches(letter), Is.True, "the last redrive's reason");
    }

    [Test]
    public void TheTableHasAHeaderOneRowPerDeadLetterAndATotal()
    {
        string table = DeadLetterText.Table([Parse(Name, Items())]);
        string[] lines = table.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.That(lines, Has.Length.EqualTo(3));
        Assert.That(lines[0], Does.Match("^ID +WRITTEN \\(UTC\\) +STATE +KIND +ITEMS +PLACE +SOURCE +REASON$"));
        Assert.That(lines[1], Does.Contain("2026-11-23 10:15:00  pending  mixed"));
        Assert.That(lines[1], Does.Contain("  FL/y=2026/m=11/d=23/h=10/m=00/macAddress=002248710000  field 13"), "the flow log's name, hour and MAC address");
        Assert.That(lines[2], Is.EqualTo("1 dead letters, 2 items"));
        Assert.That(DeadLetterText.Table([]), Does.EndWith("0 dead letters, 0 items\n"));
    }

    [Test]
    public void TheJsonListHasNoBytes()
    {
        JsonArray rows = JsonNode.Parse(DeadLetterText.Json([Parse(Name, Items())]))!.AsArray();
        Assert.That(rows, Has.Count.EqualTo(1));
        Assert.That(rows[0]!.AsObject().Select(p => p.Key), Is.EqualTo(new[] { "id", "name", "written", "state", "source", "kind", "reason", "offset", "place", "items" }));
        Assert.That(rows[0]!["written"]!.GetValue<string>(), Is.EqualTo("2026-11-23T10:15:00Z"));
        Assert.That(rows[0]!["items"]!.GetValue<int>(), Is.EqualTo(2));
    }

    [Test]
    public void ShowDecodesTextAndGivesBase64Otherwise()
    {
        string show = DeadLetterText.Show(Parse(Name, Items()));

        Assert.That(show, Does.Contain("item 1 of 2: InvalidTuple\n  reason   field 13 is not a number\n  place    byte 1234, record 3, tuple 2; 23 bytes\n  bytes    23, UTF-8 text:\n    1663146003599,10.0.0.6\n"));
        Assert.That(show, Does.Contain("item 2 of 2: UnexpectedBytes\n").And.Contain("  bytes    3, not text, base64:\n    AAH/\n"));
    }

    [Test]
    public void ATruncatedRecordSaysOnlyItsFirstBytesWereKept()
    {
        JsonObject items = Items();
        items["items"]![0]!["length"] = 40_000_000;
        Assert.That(DeadLetterText.Show(Parse(Name, items)), Does.Contain("40000000 bytes (the first 23 kept)"));
    }

    [TestCase("plain text", "plain text")]
    [TestCase("tab\tand\r\nlines", "tab\tand\r\nlines")]
    [TestCase("bell\a", null)]
    [TestCase("é and ✓", "é and ✓")]
    public void TextIsValidUtf8WithoutControlCharacters(string text, string? expected)
        => Assert.That(DeadLetterText.AsText(Encoding.UTF8.GetBytes(text)), Is.EqualTo(expected));

    [Test]
    public void InvalidUtf8IsNotText() => Assert.That(DeadLetterText.AsText([0x61, 0xFF, 0x62]), Is.Null);

    [TestCase("c/flowLogResourceID=/S/FLOWLOGS/FL-1/y=2026/m=11/d=23/h=10/m=00/macAddress=AA/PT1H.json", "FL-1/y=2026/m=11/d=23/h=10/m=00/macAddress=AA")]
    [TestCase("c/some/other/name.json", "c/some/other/name.json")]
    [TestCase("c/flowLogResourceID=/S/FLOWLOGS/A-VERY-LONG-FLOW-LOG-NAME-THAT-GOES-ON-AND-ON/y=2026/m=11/d=23/h=10/m=00/macAddress=AA/PT1H.json", "…W-LOG-NAME-THAT-GOES-ON-AND-ON/y=2026/m=11/d=23/h=10/m=00/macAddress=AA")]
    public void ASourceIsShownByItsResourceHourAndMacAddress(string source, string shown)
        => Assert.That(DeadLetterText.ShortSource(source), Is.EqualTo(shown));

    [Test]
    public void ShorteningKeepsTheEndOrTheStart()
    {
        Assert.That(DeadLetterText.ShortenLeft("abcdefghij", 5), Is.EqualTo("…ghij"));
        Assert.That(DeadLetterText.ShortenRight("abcdefghij", 5), Is.EqualTo("abcd…"));
        Assert.That(DeadLetterText.ShortenLeft("abc", 5), Is.EqualTo("abc"));
    }

    [Test]
    public void TheReportSaysWhatADryRunWouldDo()
    {
        var report = new DeadLetterRedriveReport { DeadLetters = 2, Items = 3, ItemsRedriven = 2, EventsSent = 5, StillFailing = 1 };
        Assert.That(report.ToString(), Is.EqualTo("2 dead letters, 3 items: 2 redriven, 5 events sent, 0 refused again (dead-lettered anew), 1 still failing, 0 skipped; 0 dead letters moved to redriven/"));
        report.DryRun = true;
        Assert.That(report.ToString(), Does.StartWith("dry run: 2 dead letters, 3 items: 2 would be redriven, 5 events would be sent"));
    }

    [Test]
    public void WhatIsNotADeadLetterIsNotRead()
    {
        Assert.That(DeadLetter.TryParse("x.json", Written, new ETag("1"), BinaryData.FromString("not json")), Is.Null);
        Assert.That(DeadLetter.TryParse("x.json", Written, new ETag("1"), BinaryData.FromString("{\"other\":1}")), Is.Null);
    }

    private static DeadLetter Parse(string name, JsonObject document)
        => DeadLetter.TryParse(name, Written, new ETag("\"0x1\""), BinaryData.FromString(document.ToJsonString()))!;

    private static JsonObject Items() => new()
    {
        ["source"] = Source,
        ["count"] = 2,
        ["items"] = new JsonArray(
            new JsonObject
            {
                ["source"] = Source, ["kind"] = "InvalidTuple", ["reason"] = "field 13 is not a number", ["offset"] = 1234, ["length"] = 23,
                ["record_index"] = 3, ["tuple_ordinal"] = 2, ["excerpt"] = "1663146003599,10.0.0.6", ["bytes"] = Convert.ToBase64String("1663146003599,10.0.0.6\n"u8),
            },
            new JsonObject
            {
                ["source"] = Source, ["kind"] = "UnexpectedBytes", ["reason"] = "bytes between records belong to no record", ["offset"] = 2000, ["length"] = 3,
                ["record_index"] = -1, ["tuple_ordinal"] = -1, ["excerpt"] = "\\x00\\x01\\xFF", ["bytes"] = Convert.ToBase64String([0, 1, 0xFF]),
            }),
    };
}
