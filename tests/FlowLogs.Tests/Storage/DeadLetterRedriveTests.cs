using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.Json;
using System.Text;
using Azure.Storage.Blobs.Models;
using FlowLogs.BlobSource;
using FlowLogs.Cli;
using FlowLogs.DeadLetters;
using FlowLogs.Ecs;
using FlowLogs.Parsing;
using FlowLogs.Processing;
using FlowLogs.Sinks.Sekoia;
using FlowLogs.Sinks;
using FlowLogs.Testing;
using FlowLogs.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using static FlowLogs.Tests.Support.FlowLogBuilder;

namespace FlowLogs.Tests.Storage;

/// <summary>
/// <c>flowlogs dead-letters</c> end to end: real dead letters made by the processor (bad bytes, an event the loopback
/// intake refused), one left by an "older parser" whose bytes today's parser reads, then list, show and redrive: exactly
/// the dead-lettered tuples arrive, once, with the ids the original read gives them; a second redrive sends nothing.
/// </summary>
[Category("Azurite")]
public class DeadLetterRedriveTests
{
    private const string Key = "redrive-intake-key-7c1d";
    private const string RefusedAddress = "10.66.66.66";

    private static readonly byte[] Garbage = [(byte)',', 0, 1, 0xFF, (byte)'g', (byte)'a', (byte)'r', (byte)'b'];

    [Test]
    public async Task RedriveAfterTheCauseIsFixedDeliversExactlyTheDeadLetteredTuplesOnceAndASecondRunSendsNothing()
    {
        StorageHarness storage = await StorageHarness.CreateAsync();
        await using LoopbackIntake intake = await LoopbackIntake.StartAsync(Key);
        intake.RefuseEvent = e => e.Contains(RefusedAddress, StringComparison.Ordinal);
        var store = new BlobDeadLetterStore(storage.DeadLetters);
        using ServiceProvider services = SinkServices(intake.BaseUrl);
        IEventSink sink = services.GetRequiredService<IEventSink>();

        // A blob whose read meets an event the intake refuses and a run of garbage bytes.
        FlowLogBlob blob = Blob(storage, "AA");
        string good = SimpleVNet(VNetTuple(sport: 1)).ToJsonString();
        string refusing = SimpleVNet(VNetTuple(sport: 2), VNetTuple(src: RefusedAddress, sport: 3)).ToJsonString();
        byte[][] blocks = [Bytes("{\"records\":["), Bytes(good), Bytes("," + refusing), Garbage, Bytes("]}")];
        await storage.WriteBlocksAsync(blob, blocks);
        BlobProcessResult result = await storage.Processor(sink).ProcessAsync(blob, CancellationToken.None);
        Assert.That(result.Events, Is.EqualTo(2), "the refused event is not counted as delivered");
        Assert.That(result.DeadLettered, Is.EqualTo(2), "the garbage, and the event the intake refused");
        Dictionary<string, string> whole = EventIds([.. blocks.SelectMany(b => b)], blob.Path);
        string refusedId = whole.Single(t => t.Value.Contains(RefusedAddress, StringComparison.Ordinal)).Key;
        Assert.That(ReceivedIds(intake), Is.EquivalentTo(whole.Keys.Where(id => id != refusedId)));

        // A record an older parser skipped that today's parser reads, dead-lettered in the current format.
        FlowLogBlob older = Blob(storage, "BB");
        string first = SimpleVNet(VNetTuple(sport: 10)).ToJsonString();
        string skipped = SimpleVNet(VNetTuple(sport: 11), VNetTuple(sport: 12, dir: 'I')).ToJsonString();
        string olderDocument = "{\"records\":[" + first + "," + skipped + "]}";
        long skippedOffset = olderDocument.IndexOf(skipped, StringComparison.Ordinal);
        await WriteOlderParserDeadLetterAsync(storage, older, skippedOffset, Bytes(skipped));
        Dictionary<string, string> olderIds = EventIds(Bytes(olderDocument), older.Path);
        string[] skippedIds = [.. olderIds.Where(t => t.Value.Contains(",11,", StringComparison.Ordinal) || t.Value.Contains(",12,", StringComparison.Ordinal)).Select(t => t.Key)];
        Assert.That(skippedIds, Has.Length.EqualTo(2));

        var operations = new DeadLetterOperations(store, () => sink, () => new AzureFlowLogBlobStore(storage.Blobs), TimeProvider.System, NullLogger<DeadLetterOperations>.Instance);
        DeadLetterRedriver redriver = operations.Redriver;
        List<DeadLetter> letters = await redriver.ListAsync(new DeadLetterFilter(), CancellationToken.None);
        Assert.That(letters.Select(l => l.Kind), Is.EquivalentTo(new[] { "UnsentEvent", "UnexpectedBytes", "InvalidJson" }));
        int received = intake.Events.Count;

        // While the intake still refuses the event: it stays, with the intake's new answer recorded; nothing is sent.
        DeadLetterRedriveReport refusedAgain = await redriver.RedriveAsync(new DeadLetterFilter(Reason: "UnsentEvent"), dryRun: false, CancellationToken.None);
        Assert.That((refusedAgain.Items, refusedAgain.StillFailing, refusedAgain.EventsSent), Is.EqualTo((1, 1, 0L)), refusedAgain.ToString());
        Assert.That(intake.Events, Has.Count.EqualTo(received));
        DeadLetter unsent = (await redriver.ListAsync(new DeadLetterFilter(Reason: "UnsentEvent"), CancellationToken.None)).Single();
        Assert.That(unsent.Items[0].Outcome, Is.EqualTo(DeadLetterItem.Failing));
        Assert.That(unsent.Items[0].RedriveReason, Does.StartWith("refused again: the intake refused this event (400)"));

        // The intake is fixed. A dry run sends and writes nothing.
        intake.RefuseEvent = null;
        DeadLetterRedriveReport dry = await redriver.RedriveAsync(new DeadLetterFilter(), dryRun: true, CancellationToken.None);
        Assert.That((dry.Items, dry.ItemsRedriven, dry.EventsSent, dry.StillFailing), Is.EqualTo((3, 2, 3L, 1)), dry.ToString());
        Assert.That(intake.Events, Has.Count.EqualTo(received));
        Assert.That(await redriver.ListAsync(new DeadLetterFilter(), CancellationToken.None), Has.Count.EqualTo(3));

        // The redrive delivers exactly the dead-lettered tuples, with the ids the original read gives them.
        DeadLetterRedriveReport redrive = await redriver.RedriveAsync(new DeadLetterFilter(), dryRun: false, CancellationToken.None);
        TestContext.Out.WriteLine(redrive.ToString());
        Assert.That((redrive.Items, redrive.ItemsRedriven, redrive.EventsSent, redrive.StillFailing, redrive.Moved), Is.EqualTo((3, 2, 3L, 1, 2)));
        Assert.That(ReceivedIds(intake).Skip(received), Is.EquivalentTo(skippedIds.Append(refusedId)));
        Assert.That(ReceivedIds(intake), Is.Unique, "no tuple arrived twice");
        Assert.That(ReceivedIds(intake), Is.EquivalentTo(whole.Keys.Concat(skippedIds)), "every tuple of both blobs arrived");

        // What could not be delivered stays, with the new reason; what was delivered is kept under redriven/.
        DeadLetter garbage = (await redriver.ListAsync(new DeadLetterFilter(), CancellationToken.None)).Single();
        Assert.That(garbage.Kind, Is.EqualTo("UnexpectedBytes"));
        Assert.That(garbage.Items[0].Outcome, Is.EqualTo(DeadLetterItem.Failing));
        Assert.That(garbage.Items[0].RedriveReason, Does.StartWith("today's parser still skips it: UnexpectedBytes"));
        List<string> redriven = await NamesAsync(storage, DeadLetter.RedrivenPrefix);
        Assert.That(redriven, Has.Count.EqualTo(2));
        foreach (string name in redriven)
        {
            DeadLetter moved = (await redriver.FindAsync(name, CancellationToken.None))!;
            Assert.That(moved.State, Is.EqualTo("redriven"));
            Assert.That(moved.Items.Sum(i => i.RedriveEvents), Is.GreaterThan(0));
        }

        // A second run sends nothing.
        DeadLetterRedriveReport again = await redriver.RedriveAsync(new DeadLetterFilter(), dryRun: false, CancellationToken.None);
        Assert.That((again.Items, again.EventsSent, again.StillFailing, again.Moved), Is.EqualTo((1, 0L, 1, 0)), again.ToString());
        Assert.That(intake.Events, Has.Count.EqualTo(received + 3));
    }

    [Test]
    public async Task TheCommandsListShowAndRedriveIntoAnNdjsonFile()
    {
        StorageHarness storage = await StorageHarness.CreateAsync();
        FlowLogBlob blob = Blob(storage, "CC");
        await storage.WriteBlocksAsync(blob, Bytes("{\"records\":["), Bytes(SimpleVNet(VNetTuple(sport: 1)).ToJsonString()), Garbage, Bytes("]}"));
        await storage.Processor(new CollectingSink()).ProcessAsync(blob, CancellationToken.None);
        FlowLogBlob older = Blob(storage, "DD");
        string skipped = SimpleVNet(VNetTuple(sport: 21), VNetTuple(sport: 22)).ToJsonString();
        string olderDocument = "{\"records\":[" + skipped + "]}";
        await WriteOlderParserDeadLetterAsync(storage, older, 12, Bytes(skipped));
        Dictionary<string, string> expected = EventIds(Bytes(olderDocument), older.Path);
        string[] common = ["--storage", AzuriteFixture.Server.ConnectionString, "--container", storage.DeadLetters.Name];

        (int listExit, string list, _) = await CliRun.RunAsync(["dead-letters", "list", .. common]);
        TestContext.Out.WriteLine(list);
        Assert.That(listExit, Is.EqualTo(ExitCodes.Success));
        Assert.That(list, Does.StartWith("ID ").And.Contain("UnexpectedBytes").And.Contain("InvalidJson").And.Contain("2 dead letters, 2 items"));
        Assert.That(list, Does.Contain("redrive/y=2026/m=11/d=23/h=10/m=00/macAddress=CC  ").And.Contain("pending"));

        (_, string json, _) = await CliRun.RunAsync(["dead-letters", "list", .. common, "--json", "--reason", "belong to no"]);
        JsonArray rows = JsonNode.Parse(json)!.AsArray();
        Assert.That(rows, Has.Count.EqualTo(1));
        Assert.That(rows[0]!["kind"]!.GetValue<string>(), Is.EqualTo("UnexpectedBytes"));
        Assert.That(rows[0]!["source"]!.GetValue<string>(), Is.EqualTo(blob.FullName));
        string garbageId = rows[0]!["id"]!.GetValue<string>();
        (_, string none, _) = await CliRun.RunAsync(["dead-letters", "list", .. common, "--since", "2099-01-01T00:00Z"]);
        Assert.That(none, Does.Contain("0 dead letters, 0 items"));
        (_, string recent, _) = await CliRun.RunAsync(["dead-letters", "list", .. common, "--since", "1h"]);
        Assert.That(recent, Does.Contain("2 dead letters"));
        (int badSince, _, string badSinceError) = await CliRun.RunAsync(["dead-letters", "list", .. common, "--since", "yesterday"]);
        Assert.That((badSince, badSinceError), Is.EqualTo((ExitCodes.Failure, "flowlogs dead-letters list: --since takes a UTC time (2026-11-23T10:00Z) or an age (6h, 30m) (see flowlogs dead-letters list --help)\n")));

        (int showExit, string show, _) = await CliRun.RunAsync(["dead-letters", "show", garbageId, .. common]);
        TestContext.Out.WriteLine(show);
        Assert.That(showExit, Is.EqualTo(ExitCodes.Success));
        Assert.That(show, Does.Contain($"id       {garbageId}").And.Contain("UnexpectedBytes").And.Contain("belong to no record"));
        Assert.That(show, Does.Contain("not text, base64:").And.Contain(Convert.ToBase64String(Garbage[1..])), "the bytes after the comma");
        (int missing, _, string missingError) = await CliRun.RunAsync(["dead-letters", "show", "0123456789", .. common]);
        Assert.That((missing, missingError), Is.EqualTo((ExitCodes.Failure, "flowlogs dead-letters show: no dead letter '0123456789' (see flowlogs dead-letters list)\n")));

        string output = Path.Combine(Path.GetTempPath(), $"flowlogs-redrive-{Guid.NewGuid():N}.ndjson");
        string[] redrive = ["dead-letters", "redrive", .. common, "--sink", "ndjson", "--output", output];
        (int dryExit, string dry, _) = await CliRun.RunAsync([.. redrive, "--dry-run"]);
        Assert.That(dryExit, Is.EqualTo(ExitCodes.Incomplete), "the garbage still fails");
        Assert.That(dry, Does.StartWith("dry run: 2 dead letters, 2 items: 1 would be redriven, 2 events would be sent"));
        Assert.That(File.Exists(output) ? await File.ReadAllLinesAsync(output) : [], Is.Empty);

        (int exit, string report, string stderr) = await CliRun.RunAsync(redrive);
        TestContext.Out.WriteLine(report);
        Assert.That(exit, Is.EqualTo(ExitCodes.Incomplete), stderr);
        Assert.That(report, Is.EqualTo("2 dead letters, 2 items: 1 redriven, 2 events sent, 0 refused again (dead-lettered anew), 1 still failing, 0 skipped; 1 dead letters moved to redriven/\n"));
        List<string> ids = [.. (await File.ReadAllLinesAsync(output)).Select(l => JsonNode.Parse(l)!["event"]!["id"]!.GetValue<string>())];
        Assert.That(ids, Is.EquivalentTo(expected.Keys));

        (int againExit, string again, _) = await CliRun.RunAsync(redrive);
        Assert.That(againExit, Is.EqualTo(ExitCodes.Incomplete));
        Assert.That(again, Does.StartWith("1 dead letters, 1 items: 0 redriven, 0 events sent"));
        Assert.That(await File.ReadAllLinesAsync(output), Has.Length.EqualTo(2), "nothing sent twice");

        (_, string after, _) = await CliRun.RunAsync(["dead-letters", "list", .. common]);
        TestContext.Out.WriteLine(after);
        Assert.That(after, Does.Contain("failing").And.Contain("today's parser still skips it").And.Contain("1 dead letters, 1 items"));
        (_, string redrivenShow, _) = await CliRun.RunAsync(["dead-letters", "show", DeadLetter.IdOf((await NamesAsync(storage, DeadLetter.RedrivenPrefix)).Single()), .. common]);
        Assert.That(redrivenShow, Does.Contain("state    redriven").And.Contain("redrive  delivered at").And.Contain("UTF-8 text:").And.Contain("00224871C205"));
        File.Delete(output);
    }

    [Test]
    public async Task ALoneTupleTodaysParserAcceptsIsSentWithItsRecordReadAgainFromTheSourceBlob()
    {
        StorageHarness storage = await StorageHarness.CreateAsync();

        // A tuple today's parser rejects, dead-lettered by the processor.
        FlowLogBlob rejecting = Blob(storage, "GG");
        await storage.WriteBlocksAsync(rejecting, Bytes("{\"records\":["), Bytes(SimpleVNet(VNetTuple(sport: 51), VNetTuple(sport: 52, counters: "1,1,1,99999999999999999999")).ToJsonString()), Bytes("]}"));
        BlobProcessResult processed = await storage.Processor(new CollectingSink()).ProcessAsync(rejecting, CancellationToken.None);
        Assert.That((processed.Events, processed.DeadLettered), Is.EqualTo((1L, 1)));

        // A tuple an older parser rejected and today's accepts, in the middle of its record.
        FlowLogBlob older = Blob(storage, "HH");
        string tuple = VNetTuple(sport: 62);
        string document = Document(SimpleVNet(VNetTuple(sport: 61), tuple, VNetTuple(sport: 63)));
        await storage.WriteBlocksAsync(older, Bytes(document));
        (int ordinal, string id) = TupleOf(Bytes(document), older.Path, tuple);
        JsonObject item = Item(older, "InvalidTuple", document.IndexOf(tuple, StringComparison.Ordinal), Bytes(tuple));
        item["tuple_ordinal"] = ordinal;
        await WriteDeadLetterAsync(storage, older, [item]);

        var sink = new CollectingSink();
        DeadLetterRedriver redriver = Redriver(storage, sink);
        DeadLetterRedriveReport report = await redriver.RedriveAsync(new DeadLetterFilter(), dryRun: false, CancellationToken.None);
        DeadLetterRedriveReport again = await redriver.RedriveAsync(new DeadLetterFilter(), dryRun: false, CancellationToken.None);

        Assert.That((report.Items, report.ItemsRedriven, report.EventsSent, report.StillFailing, report.Moved), Is.EqualTo((2, 1, 1L, 1, 1)), report.ToString());
        Assert.That(sink.EventIds, Is.EqualTo(new[] { id }), "only that tuple, with the id a whole read gives it");
        Assert.That((again.EventsSent, again.StillFailing), Is.EqualTo((0L, 1)), again.ToString());
        DeadLetter failing = (await redriver.ListAsync(new DeadLetterFilter(), CancellationToken.None)).Single();
        Assert.That(failing.Source, Is.EqualTo(rejecting.FullName));
        Assert.That(failing.Items[0].RedriveReason, Does.StartWith("today's parser still rejects this tuple: ").And.Contain("field 13"));
    }

    [Test]
    public async Task OfTwoLoneTuplesTheOneTheSinkRefusesIsTheOneRecordedRefusedAndDeadLetteredAnew()
    {
        StorageHarness storage = await StorageHarness.CreateAsync();
        FlowLogBlob source = Blob(storage, "JJ");
        string kept = VNetTuple(sport: 45671);
        string refused = VNetTuple(sport: 45672);
        string document = Document(SimpleVNet(VNetTuple(sport: 45670), kept, refused));
        await storage.WriteBlocksAsync(source, Bytes(document));
        JsonObject[] items = [.. new[] { kept, refused }.Select(tuple =>
        {
            JsonObject item = Item(source, "InvalidTuple", document.IndexOf(tuple, StringComparison.Ordinal), Bytes(tuple));
            item["tuple_ordinal"] = TupleOf(Bytes(document), source.Path, tuple).Ordinal;
            return item;
        })];
        await WriteDeadLetterAsync(storage, source, items);

        // The receipt names the refused event by its index: the second tuple added, not the first.
        var sink = new CollectingSink { Refuse = e => e.Contains("45672", StringComparison.Ordinal) ? "the receiver refused this event (400)" : null };
        DeadLetterRedriveReport report = await Redriver(storage, sink).RedriveAsync(new DeadLetterFilter(), dryRun: false, CancellationToken.None);

        Assert.That((report.ItemsRedriven, report.EventsSent, report.EventsRefused), Is.EqualTo((2, 1L, 1L)), report.ToString());
        Assert.That(sink.EventIds, Is.EqualTo(new[] { TupleOf(Bytes(document), source.Path, kept).Id }));
        DeadLetter moved = (await Redriver(storage, sink).ListAsync(new DeadLetterFilter(), CancellationToken.None)).Single();
        Assert.That(moved.Kind, Is.EqualTo("UnsentEvent"), "the refused tuple's event, dead-lettered anew; the lone tuples' dead letter moved");
        Assert.That(moved.Reason, Is.EqualTo("the receiver refused this event (400)"));
        Assert.That(Encoding.UTF8.GetString(moved.Items[0].Bytes), Does.Contain("45672"));
        List<string> redriven = await NamesAsync(storage, DeadLetter.RedrivenPrefix);
        DeadLetter? letter = await Redriver(storage, sink).FindAsync(redriven.Single(), CancellationToken.None);
        Assert.That(letter!.Items.Select(i => i.RedriveEvents), Is.EqualTo(new[] { 1L, 0L }), "the kept tuple's item sent its event, the refused one's none");
    }

    [Test]
    public async Task ADeadLetterPartlyDeliveredKeepsItsFailingItemAndNeverSendsTheDeliveredOneAgain()
    {
        StorageHarness storage = await StorageHarness.CreateAsync();
        FlowLogBlob source = Blob(storage, "EE");
        string record = SimpleVNet(VNetTuple(sport: 31), VNetTuple(sport: 32)).ToJsonString();
        string name = await WriteDeadLetterAsync(storage, source, [Item(source, "InvalidJson", 12, Bytes(record)), Item(source, "UnexpectedBytes", 12 + record.Length, Garbage[1..])]);
        var sink = new CollectingSink();
        DeadLetterRedriver redriver = Redriver(storage, sink);

        DeadLetterRedriveReport first = await redriver.RedriveAsync(new DeadLetterFilter(), dryRun: false, CancellationToken.None);
        DeadLetterRedriveReport second = await redriver.RedriveAsync(new DeadLetterFilter(), dryRun: false, CancellationToken.None);

        Assert.That((first.Items, first.ItemsRedriven, first.EventsSent, first.StillFailing, first.Moved), Is.EqualTo((2, 1, 2L, 1, 0)), first.ToString());
        Assert.That((second.Items, second.ItemsRedriven, second.EventsSent, second.StillFailing, second.Skipped), Is.EqualTo((2, 0, 0L, 1, 1)), second.ToString());
        Assert.That(sink.EventIds, Is.EquivalentTo(EventIds(Bytes("{\"records\":[" + record + "]}"), source.Path).Keys), "sent once, with the whole blob's ids");
        DeadLetter kept = (await redriver.FindAsync(name, CancellationToken.None))!;
        Assert.That(kept.Items.Select(i => i.Outcome), Is.EqualTo(new[] { DeadLetterItem.Delivered, DeadLetterItem.Failing }));
        Assert.That(kept.Items[0].RedriveEvents, Is.EqualTo(2));
        Assert.That(kept.State, Is.EqualTo("failing"));
    }

    [Test]
    public async Task ADeadLetterRewrittenWhileItIsRedrivenIsNeitherDeletedNorMarked()
    {
        StorageHarness storage = await StorageHarness.CreateAsync();
        FlowLogBlob source = Blob(storage, "FF");
        string record = SimpleVNet(VNetTuple(sport: 41)).ToJsonString();
        string name = await WriteDeadLetterAsync(storage, source, [Item(source, "InvalidJson", 12, Bytes(record))]);

        // The processor reads the same bad bytes again meanwhile and writes the dead letter again.
        var sink = new CollectingSink { BeforeAcknowledge = async _ => await WriteDeadLetterAsync(storage, source, [Item(source, "InvalidJson", 12, Bytes(record))]) };
        DeadLetterRedriver redriver = Redriver(storage, sink);
        DeadLetterRedriveReport report = await redriver.RedriveAsync(new DeadLetterFilter(), dryRun: false, CancellationToken.None);

        Assert.That((report.ItemsRedriven, report.Moved, report.Skipped), Is.EqualTo((1, 0, 1)), report.ToString());
        DeadLetter kept = (await redriver.FindAsync(name, CancellationToken.None))!;
        Assert.That(kept.Name, Is.EqualTo(name), "still in place");
        Assert.That(kept.State, Is.EqualTo("pending"), "redriven again next time, with the same ids");
        Assert.That(await NamesAsync(storage, DeadLetter.RedrivenPrefix), Is.Empty, "one dead letter, one place");
    }

    [Test]
    public async Task RedriveToTheSekoiaSinkWithoutAKeyIsRefusedNamingTheSetting()
    {
        StorageHarness storage = await StorageHarness.CreateAsync();
        (int exit, _, string stderr) = await CliRun.RunAsync(["dead-letters", "redrive", "--storage", AzuriteFixture.Server.ConnectionString, "--container", storage.DeadLetters.Name]);
        Assert.That(exit, Is.EqualTo(ExitCodes.Failure));
        Assert.That(stderr, Does.Contain("FlowLogs:Sekoia:IntakeKey is empty"));
    }

    // The ids of every tuple of a whole blob, as any read of it gives them, with the tuple's text.
    private static Dictionary<string, string> EventIds(byte[] document, string source)
    {
        var ids = new Dictionary<string, string>();
        using var reader = new FlowLogReader(document, new FlowLogSource(source));
        while (reader.Read())
        {
            foreach (FlowTuple tuple in reader.Current.Tuples)
            {
                byte[] id = new byte[EventId.Length];
                EventId.Write(reader.Current, tuple, id);
                ids.Add(Encoding.ASCII.GetString(id), Encoding.UTF8.GetString(reader.Current[tuple.Text]));
            }
        }

        return ids;
    }

    private static (int Ordinal, string Id) TupleOf(byte[] document, string source, string text)
    {
        using var reader = new FlowLogReader(document, new FlowLogSource(source));
        while (reader.Read())
        {
            foreach (FlowTuple tuple in reader.Current.Tuples)
            {
                if (Encoding.UTF8.GetString(reader.Current[tuple.Text]) == text)
                {
                    byte[] id = new byte[EventId.Length];
                    EventId.Write(reader.Current, tuple, id);
                    return (tuple.Ordinal, Encoding.ASCII.GetString(id));
                }
            }
        }

        throw new InvalidOperationException(text);
    }

    private static List<string> ReceivedIds(LoopbackIntake intake)
        => [.. intake.Events.Select(e => JsonDocument.Parse(e).RootElement.GetProperty("event").GetProperty("id").GetString()!)];

    private static DeadLetterRedriver Redriver(StorageHarness storage, IEventSink sink)
        => new DeadLetterOperations(new BlobDeadLetterStore(storage.DeadLetters), () => sink, () => new AzureFlowLogBlobStore(storage.Blobs), TimeProvider.System, NullLogger<DeadLetterOperations>.Instance).Redriver;

    private static JsonObject Item(FlowLogBlob source, string kind, long offset, byte[] bytes) => new()
    {
        ["source"] = source.FullName,
        ["kind"] = kind,
        ["reason"] = "written by the test",
        ["offset"] = offset,
        ["length"] = bytes.Length,
        ["record_index"] = -1,
        ["tuple_ordinal"] = -1,
        ["excerpt"] = string.Empty,
        ["bytes"] = Convert.ToBase64String(bytes),
    };

    private static async Task<string> WriteDeadLetterAsync(StorageHarness storage, FlowLogBlob source, JsonObject[] items)
    {
        var letter = new JsonObject { ["source"] = source.FullName, ["count"] = items.Length, ["items"] = new JsonArray(items) };
        string name = string.Create(CultureInfo.InvariantCulture, $"{source.Container}/{source.Name[..^".json".Length]}/{items[0]["offset"]!.GetValue<long>():D15}-000000-{items.Length:D6}-{items[0]["kind"]!.GetValue<string>()}.json");
        await storage.DeadLetters.GetBlobClient(name).UploadAsync(BinaryData.FromString(letter.ToJsonString()), overwrite: true);
        return name;
    }

    // A dead letter in today's format, as a parser that did not know this record's shape would have left it.
    private static async Task WriteOlderParserDeadLetterAsync(StorageHarness storage, FlowLogBlob source, long offset, byte[] record)
    {
        var letter = new JsonObject
        {
            ["source"] = source.FullName,
            ["count"] = 1,
            ["items"] = new JsonArray(new JsonObject
            {
                ["source"] = source.FullName,
                ["kind"] = "InvalidJson",
                ["reason"] = "an older parser did not read this record",
                ["offset"] = offset,
                ["length"] = record.Length,
                ["record_index"] = 1,
                ["tuple_ordinal"] = -1,
                ["excerpt"] = Encoding.UTF8.GetString(record)[..40],
                ["bytes"] = Convert.ToBase64String(record),
            }),
        };
        string name = string.Create(CultureInfo.InvariantCulture, $"{source.Container}/{source.Name[..^".json".Length]}/{offset:D15}-000000-000001-InvalidJson.json");
        await storage.DeadLetters.GetBlobClient(name).UploadAsync(BinaryData.FromString(letter.ToJsonString()));
    }

    private static async Task<List<string>> NamesAsync(StorageHarness storage, string prefix)
    {
        var names = new List<string>();
        await foreach (BlobItem item in storage.DeadLetters.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, CancellationToken.None))
        {
            names.Add(item.Name);
        }

        return names;
    }

    private static ServiceProvider SinkServices(Uri baseUrl)
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["FlowLogs:Sekoia:BaseUrl"] = baseUrl.AbsoluteUri,
            ["FlowLogs:Sekoia:IntakeKey"] = Key,
            ["FlowLogs:Sekoia:Payload"] = "Ecs",
            ["FlowLogs:Sekoia:RequestTimeout"] = "00:00:05",
            ["FlowLogs:Sekoia:RetryBudget"] = "00:00:10",
            ["FlowLogs:Sekoia:RetryBaseDelay"] = "00:00:00.020",
        }).Build();
        var services = new ServiceCollection();
        services.AddSingleton(typeof(Microsoft.Extensions.Logging.ILogger<>), typeof(NullLogger<>));
        services.AddSingleton<Microsoft.Extensions.Logging.ILoggerFactory>(NullLoggerFactory.Instance);
        services.AddSekoiaIntakeSink(configuration.GetSection(SekoiaIntakeOptions.SectionName));
        return services.BuildServiceProvider();
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private static FlowLogBlob Blob(StorageHarness storage, string mac)
        => new(AzuriteServer.Account, FlowLogBlob.VNetContainer, $"flowLogResourceID=/{storage.SubscriptionId}/redrive/y=2026/m=11/d=23/h=10/m=00/macAddress={mac}/PT1H.json");

}
