using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using FlowLogs.DeadLetters;
using FlowLogs.Ecs;
using FlowLogs.Parsing;
using FlowLogs.Simulation;
using FlowLogs.Sinks;
using FlowLogs.Sinks.Sekoia;
using FlowLogs.Testing;
using FlowLogs.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FlowLogs.Tests.Sinks;

/// <summary>The Sekoia intake sink against a real HTTP server on loopback that keeps the contract and injects faults.</summary>
// Each test has its own loopback intake and services: runs beside the other self-contained fixtures.
[Parallelizable(ParallelScope.Self)]
public class SekoiaIntakeSinkTests
{
    private const string Key = "test-intake-key-5b1c0e7f9d";
    private const string NsgKey = "test-nsg-intake-key-0c94e2";

    [Test]
    public async Task DeliversEveryEventGzippedUnderTheKey()
    {
        await using LoopbackIntake intake = await LoopbackIntake.StartAsync(Key);
        using Harness harness = Harness.Create(intake.BaseUrl);
        (EventBatch batch, List<string> sent) = Batch(300, EventPayload.Ecs);

        await harness.DeliverAsync(batch, CancellationToken.None);

        Assert.That(intake.Events, Is.EqualTo(sent), "every event, as sent, in order");
        Assert.That(intake.Requests, Is.EqualTo(1));
        Assert.That(intake.UncompressedRequests, Is.Zero);
        harness.AssertKeyNeverLogged();
    }

    [Test]
    public async Task KeepsEachRequestUnderTheSizeLimit()
    {
        await using LoopbackIntake intake = await LoopbackIntake.StartAsync(Key);
        using Harness harness = Harness.Create(intake.BaseUrl, ("MaxRequestBytes", "262144"), ("MaxEventBytes", "100000"));
        (EventBatch batch, List<string> sent) = Batch(1500, EventPayload.Ecs);

        await harness.DeliverAsync(batch, CancellationToken.None);

        Assert.That(intake.Events, Is.EqualTo(sent));
        Assert.That(intake.Requests, Is.GreaterThan(5));
        Assert.That(intake.MaxBodyBytesSeen, Is.LessThanOrEqualTo(262144));
    }

    [Test]
    public async Task AnEventOverTheLimitIsDeadLetteredAndTheOthersAreSent()
    {
        await using LoopbackIntake intake = await LoopbackIntake.StartAsync(Key);
        using Harness harness = Harness.Create(intake.BaseUrl);
        string small = "{\"a\":1}";
        string huge = "{\"a\":\"" + new string('x', 260_000) + "\",\"b\":\"\\\"q\\\\\"}";
        EventBatch batch = RawBatch("c/blob/PT1H.json", small, huge, small);

        await harness.DeliverAsync(batch, CancellationToken.None);

        Assert.That(intake.Events, Is.EqualTo(new[] { small, small }));
        (string source, long start, long end, int length, string reason) = harness.DeadLetters.Events.Single();
        Assert.That((source, start, end, length), Is.EqualTo(("c/blob/PT1H.json", 100L, 200L, huge.Length)));
        Assert.That(reason, Does.Contain("over the intake's limit of 250000 bytes"));
        Assert.That(intake.MaxEventBytesSeen, Is.LessThanOrEqualTo(250_000));
        Assert.That(harness.DeadLetterJson.Single(), Is.EqualTo(huge), "the event's own JSON, not its escaped form");
    }

    [Test]
    public async Task AnEventOverTheLimitAmidOthersSendsTheRunsAroundItAndNothingTwice()
    {
        await using LoopbackIntake intake = await LoopbackIntake.StartAsync(Key);
        using Harness harness = Harness.Create(intake.BaseUrl, ("MaxEventBytes", "1024"));
        string[] events = [.. Enumerable.Range(0, 10).Select(i => i is 0 or 4 or 9 ? "{\"big\":\"" + new string('y', 1100) + "\"}" : $"{{\"n\":{i}}}")];

        DeliveryReceipt receipt = await harness.Sink.DeliverAsync(RawBatch("c/blob/PT1H.json", events), CancellationToken.None);

        Assert.That(receipt.Refused.Select(r => r.Index), Is.EqualTo(new[] { 0, 4, 9 }), "the sink answers which events it refused, by index, and writes nothing itself");
        Assert.That(receipt.AcceptedOf(events.Length), Is.EqualTo(7));
        Assert.That(harness.DeadLetters.Events, Is.Empty);
        Assert.That(intake.Events, Is.EqualTo(events.Where((_, i) => i is not (0 or 4 or 9))));
        await harness.DeliverAsync(RawBatch("c/blob/PT1H.json", events), CancellationToken.None);
        Assert.That(harness.DeadLetterJson, Is.EqualTo(new[] { events[0], events[4], events[9] }));
        Assert.That(intake.Requests, Is.EqualTo(4), "the runs 1-3 and 5-8, twice");
    }

    [Test]
    public async Task ABatchFramedForAnotherSinkIsRefusedUnsent()
    {
        await using LoopbackIntake intake = await LoopbackIntake.StartAsync(Key);
        using Harness harness = Harness.Create(intake.BaseUrl);
        using var ndjson = new EventBatchBuilder(EventPayload.Raw);
        ndjson.AddEncoded("{\"a\":1}"u8, 0, 1);

        Assert.That(async () => await harness.DeliverAsync(ndjson.Build("c/blob/PT1H.json"), CancellationToken.None), Throws.ArgumentException);
        Assert.That(intake.Requests, Is.Zero);
    }

    [TestCase(IntakeFault.ServerError)]
    [TestCase(IntakeFault.Unavailable)]
    [TestCase(IntakeFault.TooManyRequests)]
    [TestCase(IntakeFault.Slow)]
    [TestCase(IntakeFault.Reset)]
    public async Task TransientFailuresAreRetriedWithoutLossOrDuplicates(IntakeFault fault)
    {
        await using LoopbackIntake intake = await LoopbackIntake.StartAsync(Key);
        intake.Faults = n => n <= 2 ? fault : IntakeFault.None;
        using Harness harness = Harness.Create(intake.BaseUrl);
        (EventBatch batch, List<string> sent) = Batch(50, EventPayload.Raw);
        var stopwatch = Stopwatch.StartNew();

        await harness.DeliverAsync(batch, CancellationToken.None);

        Assert.That(intake.Events, Is.EqualTo(sent));
        Assert.That(intake.Requests, Is.EqualTo(3));
        if (fault == IntakeFault.TooManyRequests)
        {
            Assert.That(stopwatch.Elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(1.9)), "Retry-After: 1, twice, was honoured");
        }

        harness.AssertKeyNeverLogged();
    }

    [Test]
    public async Task ALostAcknowledgementResendsTheWholeRequestAndOnlyThat()
    {
        await using LoopbackIntake intake = await LoopbackIntake.StartAsync(Key);
        intake.Faults = n => n == 1 ? IntakeFault.StoreThenReset : IntakeFault.None;
        using Harness harness = Harness.Create(intake.BaseUrl);
        (EventBatch batch, List<string> sent) = Batch(40, EventPayload.Raw);

        await harness.DeliverAsync(batch, CancellationToken.None);

        Assert.That(intake.Events, Is.EqualTo(sent.Concat(sent)));
        Assert.That(intake.StoredWithoutAcknowledgement, Is.EqualTo(40));
    }

    [Test]
    public async Task AnEventTheIntakeNeverAcknowledgesIsFoundAloneAndDeadLetteredInsteadOfTheBatchGoingRoundOnEveryTrigger()
    {
        await using LoopbackIntake intake = await LoopbackIntake.StartAsync(Key);
        using Harness harness = Harness.Create(intake.BaseUrl);
        (EventBatch warmUp, _) = Batch(1, EventPayload.Raw);
        await harness.DeliverAsync(warmUp, CancellationToken.None);
        (EventBatch batch, List<string> sent) = Batch(16, EventPayload.Raw);
        string kept = sent[11];
        intake.LeaveUnacknowledged = e => e == kept;
        int before = intake.Requests;

        await harness.DeliverAsync(batch, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(intake.Events, Is.SupersetOf(sent.Where(e => e != kept)), "every other event reaches the intake");
            Assert.That(harness.DeadLetters.Events.Single().Reason, Does.Contain("acknowledged 0 of 1 events"));
            Assert.That(intake.Requests - before, Is.LessThanOrEqualTo(1 + (2 * 4)), "halves down to the one event: a request and two per level");
        });
    }

    [Test]
    public async Task AnIntakeThatNeverAcknowledgesEverythingAndNeverDidFailsNamingTheSettings()
    {
        await using LoopbackIntake intake = await LoopbackIntake.StartAsync(Key);
        intake.Faults = _ => IntakeFault.WrongCount;
        using Harness harness = Harness.Create(intake.BaseUrl);
        (EventBatch batch, _) = Batch(10, EventPayload.Raw);

        IntakeException? error = Assert.ThrowsAsync<IntakeException>(async () => await harness.DeliverAsync(batch, CancellationToken.None));
        Assert.That(error!.Message, Does.Contain("accepted none of the events").And.Contain("acknowledged 0 of 1 events").And.Contain("FlowLogs:Sekoia:BaseUrl"));
        Assert.That(harness.DeadLetters.Events, Is.Empty, "a misconfigured intake is not the events' fault: they stay unread and are retried");
    }

    [Test]
    public async Task A413IsAnsweredBySendingHalves()
    {
        await using LoopbackIntake intake = await LoopbackIntake.StartAsync(Key);
        intake.Faults = n => n == 1 ? IntakeFault.TooLarge : IntakeFault.None;
        using Harness harness = Harness.Create(intake.BaseUrl);
        (EventBatch batch, List<string> sent) = Batch(21, EventPayload.Ecs);

        await harness.DeliverAsync(batch, CancellationToken.None);

        Assert.That(intake.Events, Is.EqualTo(sent));
        Assert.That(intake.Requests, Is.EqualTo(3));
    }

    [Test]
    public async Task AWrongKeyFailsAtOnceNamingTheSettingWithoutTheKey()
    {
        await using LoopbackIntake intake = await LoopbackIntake.StartAsync("the-real-key");
        using Harness harness = Harness.Create(intake.BaseUrl);
        (EventBatch batch, _) = Batch(5, EventPayload.Raw);

        IntakeException? error = Assert.ThrowsAsync<IntakeException>(async () => await harness.DeliverAsync(batch, CancellationToken.None));

        Assert.That(error!.Message, Does.Contain("FlowLogs:Sekoia:IntakeKey"));
        Assert.That(error.IsConfigurationError, Is.True);
        Assert.That(error.ToString(), Does.Not.Contain(Key));
        Assert.That(intake.Requests, Is.EqualTo(1), "no retry");
        harness.AssertKeyNeverLogged();
    }

    [Test]
    public async Task AWrongUrlFailsAtOnceNamingTheSetting()
    {
        await using LoopbackIntake intake = await LoopbackIntake.StartAsync(Key, "/api/v1/intake-http");
        using Harness harness = Harness.Create(new Uri(intake.BaseUrl, "/elsewhere"));
        (EventBatch batch, _) = Batch(5, EventPayload.Raw);

        IntakeException? error = Assert.ThrowsAsync<IntakeException>(async () => await harness.DeliverAsync(batch, CancellationToken.None));

        Assert.That(error!.Message, Does.Contain("FlowLogs:Sekoia:BaseUrl"));
        Assert.That(intake.Requests, Is.Zero);
    }

    [Test]
    public async Task ARegionalBaseUrlPostsUnderItsPath()
    {
        await using LoopbackIntake intake = await LoopbackIntake.StartAsync(Key, "/api/v1/intake-http");
        using Harness harness = Harness.Create(intake.BaseUrl);
        (EventBatch batch, List<string> sent) = Batch(5, EventPayload.Raw);

        await harness.DeliverAsync(batch, CancellationToken.None);

        Assert.That(intake.Events, Is.EqualTo(sent));
        Assert.That(SekoiaIntakeSink.BatchUrl(new Uri("https://intake.fra2.sekoia.io/api/v1/intake-http/")).AbsoluteUri, Is.EqualTo("https://intake.fra2.sekoia.io/api/v1/intake-http/batch"));
    }

    [Test]
    public async Task AnIntakeDownForLongerThanTheBudgetFailsTheDeliveryWithoutTheKey()
    {
        await using LoopbackIntake intake = await LoopbackIntake.StartAsync(Key);
        intake.Faults = _ => IntakeFault.Unavailable;
        using Harness harness = Harness.Create(intake.BaseUrl, ("RetryBudget", "00:00:02"));
        (EventBatch batch, _) = Batch(5, EventPayload.Raw);

        IntakeException? error = Assert.ThrowsAsync<IntakeException>(async () => await harness.DeliverAsync(batch, CancellationToken.None));

        Assert.That(error!.IsConfigurationError, Is.False);
        Assert.That(intake.Requests, Is.GreaterThan(2), "it did retry");
        Assert.That(intake.Events, Is.Empty);
        harness.AssertKeyNeverLogged();
    }

    [Test]
    public async Task AnEventTheIntakeRefusesIsDeadLetteredWithItsAnswerAndTheOthersAreSent()
    {
        await using LoopbackIntake intake = await LoopbackIntake.StartAsync(Key);
        using Harness harness = Harness.Create(intake.BaseUrl);
        string[] events = [.. Enumerable.Range(0, 100).Select(i => $"{{\"n\":{i}}}")];
        intake.RefuseEvent = e => e == "{\"n\":37}";

        await harness.DeliverAsync(RawBatch("c/blob/PT1H.json", events), CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(intake.Events, Is.EquivalentTo(events.Where(e => e != "{\"n\":37}")));
            Assert.That(harness.DeadLetters.Events.Single().Reason, Does.Contain("refused this event (400)").And.Contains("invalid event in jsons"));
            Assert.That(harness.DeadLetterJson.Single(), Is.EqualTo("{\"n\":37}"), "the event's own JSON, unescaped");
            Assert.That(intake.Requests, Is.LessThanOrEqualTo(1 + 2 * 7), "halves down to the one event");
        });
        harness.AssertKeyNeverLogged();
    }

    [Test]
    public async Task AnIntakeThatRefusesEveryRequestFailsNamingTheSettingsAndDeadLettersNothing()
    {
        await using LoopbackIntake intake = await LoopbackIntake.StartAsync(Key);
        using Harness harness = Harness.Create(intake.BaseUrl);
        intake.RefuseEvent = _ => true;
        string[] events = [.. Enumerable.Range(0, 2000).Select(i => $"{{\"n\":{i}}}")];

        IntakeException? error = Assert.ThrowsAsync<IntakeException>(async () => await harness.DeliverAsync(RawBatch("c/blob/PT1H.json", events), CancellationToken.None));

        Assert.That(error!.IsConfigurationError, Is.True);
        Assert.That(error.Message, Does.Contain("FlowLogs:Sekoia:BaseUrl"));
        Assert.That(harness.DeadLetters.Events, Is.Empty);
        Assert.That(intake.Requests, Is.LessThan(40), "it gives up after a few single events, not after 2,000");
    }

    [Test]
    public async Task ABatchThatStartsWithSeveralRefusedEventsStillDeliversTheRestAndDeadLettersThoseAlone()
    {
        await using LoopbackIntake intake = await LoopbackIntake.StartAsync(Key);
        using Harness harness = Harness.Create(intake.BaseUrl);
        string[] events = [.. Enumerable.Range(0, 64).Select(i => $"{{\"n\":{i}}}")];
        intake.RefuseEvent = e => int.Parse(e[5..^1], System.Globalization.CultureInfo.InvariantCulture) < 6;

        await harness.DeliverAsync(RawBatch("c/blob/PT1H.json", events), CancellationToken.None);

        Assert.That(intake.Events, Is.EquivalentTo(events[6..]));
        Assert.That(harness.DeadLetters.Events, Has.Count.EqualTo(6));
    }

    [Test]
    public async Task AnIntakeThatWorksButRefusesAWholeBatchGetsItsEventsDeadLetteredNotItsBlobBlocked()
    {
        await using LoopbackIntake intake = await LoopbackIntake.StartAsync(Key);
        using Harness harness = Harness.Create(intake.BaseUrl);
        await harness.DeliverAsync(RawBatch("c/good/PT1H.json", "{\"ok\":1}"), CancellationToken.None);

        // Every event of this blob is malformed for the intake (one resource, one bad field), and there are many.
        intake.RefuseEvent = e => e.Contains("bad", StringComparison.Ordinal);
        string[] bad = [.. Enumerable.Range(0, 300).Select(i => $"{{\"bad\":{i}}}")];
        await harness.DeliverAsync(RawBatch("c/bad/PT1H.json", bad), CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(harness.DeadLetters.Events, Has.Count.EqualTo(300), "each event kept, none lost");
            Assert.That(intake.Requests, Is.LessThanOrEqualTo(2 + (2 * 64)), "the isolation budget bounds the requests");
        });
    }

    [Test]
    public async Task ARefusedWholeBatchIsAboutItsEventsOnlyWhileTheIntakeAcceptedSomethingLately()
    {
        await using LoopbackIntake intake = await LoopbackIntake.StartAsync(Key);
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        using Harness harness = Harness.Create(intake.BaseUrl, time);
        await harness.DeliverAsync(RawBatch("c/good/PT1H.json", "{\"ok\":1}"), CancellationToken.None);
        intake.RefuseEvent = e => e.Contains("bad", StringComparison.Ordinal);
        string[] bad = [.. Enumerable.Range(0, 20).Select(i => $"{{\"bad\":{i}}}")];

        // Just inside the window: the intake works, these events are what it refuses; each is kept.
        time.Advance(SekoiaIntakeSink.AcceptedLately - TimeSpan.FromSeconds(1));
        await harness.DeliverAsync(RawBatch("c/bad/PT1H.json", bad), CancellationToken.None);
        Assert.That(harness.DeadLetters.Events, Has.Count.EqualTo(20));

        // Past it, with nothing accepted since: it is the requests the intake refuses (a wrong URL or payload).
        time.Advance(TimeSpan.FromSeconds(2));
        IntakeException? error = Assert.ThrowsAsync<IntakeException>(async () => await harness.DeliverAsync(RawBatch("c/bad2/PT1H.json", bad), CancellationToken.None));
        Assert.Multiple(() =>
        {
            Assert.That(error!.IsConfigurationError, Is.True);
            Assert.That(error.Message, Does.Contain("FlowLogs:Sekoia:BaseUrl").And.Contain("FlowLogs:Sekoia:Payload"));
            Assert.That(harness.DeadLetters.Events, Has.Count.EqualTo(20), "nothing more dead-lettered");
        });
    }

    [Test]
    public async Task AnOpenCircuitBreakerIsWaitedOutWithinTheRetryBudget()
    {
        await using LoopbackIntake intake = await LoopbackIntake.StartAsync(Key);

        // A burst of failures opens the breaker (20 requests, half failing); then the intake recovers.
        intake.Faults = n => n <= 22 ? IntakeFault.ServerError : IntakeFault.None;
        using Harness harness = Harness.Create(intake.BaseUrl, ("RetryBaseDelay", "00:00:00.050"), ("RetryBudget", "00:01:00"), ("MaxConcurrentRequests", "8"));
        (EventBatch batch, List<string> sent) = Batch(20, EventPayload.Raw);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => harness.DeliverAsync(batch, CancellationToken.None).AsTask()));

        Assert.That(intake.Events, Has.Count.EqualTo(8 * sent.Count));
        Assert.That(intake.FaultsServed[IntakeFault.ServerError], Is.EqualTo(22));
        Assert.That(harness.Logs, Has.Some.Contains("OnCircuitOpened"), "the breaker did open");
    }

    [Test]
    public async Task RequestsInFlightAreBounded()
    {
        await using LoopbackIntake intake = await LoopbackIntake.StartAsync(Key);
        intake.Faults = _ => IntakeFault.None;
        using Harness harness = Harness.Create(intake.BaseUrl, ("MaxConcurrentRequests", "2"));
        (EventBatch batch, _) = Batch(200, EventPayload.Ecs);

        await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => harness.DeliverAsync(batch, CancellationToken.None).AsTask()));

        Assert.That(intake.Events, Has.Count.EqualTo(12 * 200));
        Assert.That(intake.MaxConcurrentRequests, Is.LessThanOrEqualTo(2));
    }

    [Test]
    public async Task WithAnNsgIntakeNsgTuplesGoThereAsWrittenAndVNetTuplesToTheFlowLogsIntakeOneIntakeARequest()
    {
        await using LoopbackIntake intake = await LoopbackIntake.StartAsync([Key, NsgKey]);
        using Harness harness = Harness.Create(intake.BaseUrl, ("NsgIntakeKey", NsgKey));
        (EventBatch batch, List<(FlowLogKind Kind, string Event)> sent) = MixedBatch(harness.Sink, FlowLogKind.VirtualNetwork, FlowLogKind.NetworkSecurityGroup, FlowLogKind.VirtualNetwork);

        await harness.DeliverAsync(batch, CancellationToken.None);

        List<(string Key, string Event)> received = [.. intake.KeyedEvents];
        Assert.That(received.Where(r => r.Key == Key).Select(r => r.Event), Is.EqualTo(sent.Where(s => s.Kind == FlowLogKind.VirtualNetwork).Select(s => s.Event)));
        Assert.That(received.Where(r => r.Key == NsgKey).Select(r => r.Event), Is.EqualTo(sent.Where(s => s.Kind == FlowLogKind.NetworkSecurityGroup).Select(s => s.Event)));
        Assert.That(received.Where(r => r.Key == NsgKey).Select(r => JsonNode.Parse(r.Event)!["flow.0"]!.GetValue<string>()), Has.All.Matches<string>(IntakeFormats.SekoiaFormats.NsgParses), "as written, in the NSG format's form");
        Assert.That(intake.Requests, Is.EqualTo(3), "a request for each run of one intake's events");
        Assert.That(harness.DeadLetters.Events, Is.Empty);
        harness.AssertKeyNeverLogged();
        Assert.That(harness.Logs.Where(l => l.Contains(NsgKey, StringComparison.Ordinal)), Is.Empty);
    }

    [Test]
    public async Task WithoutAnNsgIntakeNsgTuplesGoToTheFlowLogsIntakeTranslated()
    {
        await using LoopbackIntake intake = await LoopbackIntake.StartAsync(Key);
        using Harness harness = Harness.Create(intake.BaseUrl);
        (EventBatch batch, List<(FlowLogKind Kind, string Event)> sent) = MixedBatch(harness.Sink, FlowLogKind.NetworkSecurityGroup, FlowLogKind.VirtualNetwork);

        await harness.DeliverAsync(batch, CancellationToken.None);

        Assert.That(intake.KeyedEvents.Select(e => e.Key), Has.All.EqualTo(Key));
        Assert.That(intake.Events, Is.EqualTo(sent.Select(s => s.Event)));
        Assert.That(intake.Requests, Is.EqualTo(1), "one intake: one run");
        Assert.That(intake.Events.Select(e => JsonNode.Parse(e)!["flow.0"]!.GetValue<string>()), Has.All.Matches<string>(IntakeFormats.SekoiaFormats.FlowLogsParses));
        Assert.That(sent.Where(s => s.Kind == FlowLogKind.NetworkSecurityGroup).Select(s => JsonNode.Parse(s.Event)!["operationName"]!.GetValue<string>()), Has.All.EqualTo("NetworkSecurityGroupFlowEvents"), "a translated record still says it is an NSG record");
    }

    [Test]
    public async Task AnNsgTupleTheNsgFormatCannotReadIsDeadLetteredWithTheReasonAndTheOthersAreSent()
    {
        await using LoopbackIntake intake = await LoopbackIntake.StartAsync([Key, NsgKey]);
        using Harness harness = Harness.Create(intake.BaseUrl, ("NsgIntakeKey", NsgKey));
        EventBatchBuilder builder = harness.Sink.CreateBatch();
        byte[] document = TestData.Utf8(FlowLogBuilder.Document(FlowLogBuilder.SimpleNsg(2, "1542110377,10.0.0.4,10.0.0.5,1,2,T,O,A,B,,,,", "1542110377,10.0.0.4,10.0.0.5,0,0,1,O,A,C,2,168,2,168", "1542110377,10.0.0.4,10.0.0.5,3,4,U,O,A,E,1,2,3,4")));
        using (var reader = new FlowLogReader(document, new FlowLogSource("c/nsg/PT1H.json")))
        {
            while (reader.Read())
            {
                builder.Add(reader.Current);
            }
        }

        await harness.DeliverAsync(builder.Build("c/nsg/PT1H.json"), CancellationToken.None);

        Assert.That(intake.KeyedEvents.Select(e => JsonNode.Parse(e.Event)!["flow.0"]!.GetValue<string>().Split(',')[5]), Is.EqualTo(new[] { "T", "U" }));
        (string _, long _, long _, int _, string reason) = harness.DeadLetters.Events.Single();
        Assert.That(reason, Does.Contain("reads protocol T or U only").And.Contain("FlowLogs:Sekoia:NsgIntakeKey"));
        Assert.That(JsonNode.Parse(harness.DeadLetterJson.Single())!["flow.0"]!.GetValue<string>(), Is.EqualTo("1542110377,10.0.0.4,10.0.0.5,0,0,1,O,A,C,2,168,2,168"), "kept as written");
        Assert.That(intake.Requests, Is.EqualTo(2), "the runs before and after it");
    }

    [Test]
    public async Task AnNsgIntakeRefusingItsKeyNamesNsgIntakeKeyWithoutTheKey()
    {
        await using LoopbackIntake intake = await LoopbackIntake.StartAsync(Key);
        using Harness harness = Harness.Create(intake.BaseUrl, ("NsgIntakeKey", NsgKey));
        (EventBatch batch, _) = MixedBatch(harness.Sink, FlowLogKind.NetworkSecurityGroup);

        IntakeException? error = Assert.ThrowsAsync<IntakeException>(async () => await harness.DeliverAsync(batch, CancellationToken.None));

        Assert.That(error!.Message, Does.Contain("check FlowLogs:Sekoia:NsgIntakeKey"));
        Assert.That(error.Message, Does.Not.Contain(NsgKey).And.Not.Contain(Key));
        Assert.That(error.IsConfigurationError, Is.True);
    }

    [Test]
    public async Task ARedrivenNsgRecordGoesWhereItsFormIsRead()
    {
        // A raw NSG record dead-lettered while NSG tuples had an intake of their own, redriven after that key was removed.
        const string Record = "{\"time\":\"2018-11-13T12:00:35.3899262Z\",\"macAddress\":\"000D3AF87856\",\"operationName\":\"NetworkSecurityGroupFlowEvents\",\"resourceId\":\"/SUBSCRIPTIONS/X/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/NSG1\",\"rule\":\"DefaultRule_DenyAllInBound\",\"flow.0\":\"1542110377,198.51.100.7,10.0.0.4,61000,22,T,I,D,B,,,,\",\"version\":\"2\",\"flow_state\":\"begin\"}";
        const string Broken = "{\"time\":\"2018-11-13T12:00:35.3899262Z\",\"flow.0\":\"1542110377,198.51.100.7,10.0.0.4,61000,22,T,X,D,B,,,,\",\"version\":\"2\"}";
        const string VNet = "{\"time\":\"2022-09-14T09:00:52.5625085Z\",\"flow.0\":\"1663146003599,10.0.0.6,52.239.184.180,23956,443,6,O,B,NX,0,0,0,0\"}";

        await using LoopbackIntake intake = await LoopbackIntake.StartAsync([Key, NsgKey]);
        using (Harness translated = Harness.Create(intake.BaseUrl))
        {
            EventBatchBuilder builder = translated.Sink.CreateBatch();
            foreach (string e in new[] { Record, Broken, VNet })
            {
                builder.AddEncoded(Encoding.UTF8.GetBytes(e), 100, 200);
            }

            await translated.DeliverAsync(builder.Build("c/dl/PT1H.json"), CancellationToken.None);
            List<(string Key, string Event)> received = [.. intake.KeyedEvents];
            Assert.That(received.Select(r => r.Key), Is.EqualTo(new[] { Key, Key }));
            JsonObject expected = JsonNode.Parse(Record)!.AsObject();
            expected["flow.0"] = "1542110377000,198.51.100.7,10.0.0.4,61000,22,6,I,D,,0,0,0,0";
            Assert.That(JsonNode.DeepEquals(JsonNode.Parse(received[0].Event), expected), Is.True, received[0].Event);
            Assert.That(received[1].Event, Is.EqualTo(VNet), "a record in the Flow Logs format's form goes as it is");
            (string _, long _, long _, int _, string reason) = translated.DeadLetters.Events.Single();
            Assert.That(reason, Does.Contain("cannot be translated").And.Contain("field 7 (direction)"));
            Assert.That(translated.DeadLetterJson.Single(), Is.EqualTo(Broken), "kept as it was");
        }

        while (intake.KeyedEvents.TryDequeue(out _))
        {
        }

        using Harness own = Harness.Create(intake.BaseUrl, ("NsgIntakeKey", NsgKey));
        EventBatchBuilder again = own.Sink.CreateBatch();
        again.AddEncoded(Encoding.UTF8.GetBytes(Record), 100, 200);
        await own.DeliverAsync(again.Build("c/dl/PT1H.json"), CancellationToken.None);
        Assert.That(intake.KeyedEvents.Single(), Is.EqualTo((NsgKey, Record)), "to the NSG intake, as it is");
    }

    [Test]
    public async Task TheRoutesAreLoggedAtStartWithoutTheKeys()
    {
        using Harness harness = Harness.Create(new Uri("https://intake.sekoia.io"), ("NsgIntakeKey", NsgKey));
        foreach (Microsoft.Extensions.Hosting.IHostedService service in harness.Provider.GetServices<Microsoft.Extensions.Hosting.IHostedService>())
        {
            await service.StartAsync(CancellationToken.None);
        }

        Assert.That(harness.Logs, Has.Some.Contains("Sekoia intake route: VNet flow-log tuples go to the intake of FlowLogs:Sekoia:IntakeKey as written"));
        Assert.That(harness.Logs, Has.Some.Contains("Sekoia intake route: NSG flow-log tuples go to the intake of FlowLogs:Sekoia:NsgIntakeKey as written"));
        Assert.That(harness.Logs.Where(l => l.Contains(Key, StringComparison.Ordinal) || l.Contains(NsgKey, StringComparison.Ordinal)), Is.Empty);
    }

    [TestCase("IntakeKey", "", "FlowLogs:Sekoia:IntakeKey is empty")]
    [TestCase("NsgIntakeKey", Key, "FlowLogs:Sekoia:NsgIntakeKey is the same key as FlowLogs:Sekoia:IntakeKey")]
    [TestCase("BaseUrl", "http://intake.example.com", "FlowLogs:Sekoia:BaseUrl must be an absolute https URL")]
    [TestCase("MaxRequestBytes", "20000000", "FlowLogs:Sekoia:MaxRequestBytes must be between")]
    public void BadSettingsFailAtStartWithTheSettingsName(string setting, string value, string message)
    {
        BadSettingsFailAtStart(message, (setting, value));
    }

    [Test]
    public void AnNsgIntakeKeyWithTheEcsPayloadFailsAtStart()
        => BadSettingsFailAtStart("FlowLogs:Sekoia:NsgIntakeKey is set but FlowLogs:Sekoia:Payload is Ecs", ("NsgIntakeKey", NsgKey), ("Payload", "Ecs"));

    private static void BadSettingsFailAtStart(string message, params (string Name, string Value)[] settings)
    {
        using Harness harness = Harness.Create(new Uri("https://intake.sekoia.io"), settings);
        OptionsValidationException? error = Assert.Throws<OptionsValidationException>(() => _ = harness.Provider.GetRequiredService<IOptions<SekoiaIntakeOptions>>().Value);
        Assert.That(error!.Message, Does.Contain(message));
        Assert.That(error.Message, Does.Not.Contain(Key).And.Not.Contain(NsgKey));
    }

    // Records of each kind in turn (one simulated record of 20 tuples each), framed by the sink's own builder.
    private static (EventBatch Batch, List<(FlowLogKind Kind, string Event)> Events) MixedBatch(IEventSink sink, params FlowLogKind[] kinds)
    {
        EventBatchBuilder builder = sink.CreateBatch();
        var generator = new FlowLogGenerator(seed: 11);
        var kindOfEvent = new List<FlowLogKind>();
        for (int i = 0; i < kinds.Length; i++)
        {
            using var document = new MemoryStream();
            generator.WriteDocument(document, kinds[i], new SimulatedNic(i), new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero), records: 1, tuplesPerRecord: 20);
            using var reader = new FlowLogReader(document.ToArray(), new FlowLogSource($"c/{i}/PT1H.json"));
            while (reader.Read())
            {
                builder.Add(reader.Current);
                kindOfEvent.AddRange(Enumerable.Repeat(kinds[i], reader.Current.Tuples.Length));
            }
        }

        EventBatch batch = builder.Build("c/mixed/PT1H.json");
        return (batch, [.. batch.Events().Select((e, i) => (kindOfEvent[i], Encoding.UTF8.GetString(e.Span)))]);
    }

    private static (EventBatch Batch, List<string> Events) Batch(int tuples, EventPayload payload)
    {
        using var document = new MemoryStream();
        new FlowLogGenerator(seed: tuples).WriteDocument(document, FlowLogKind.VirtualNetwork, new SimulatedNic(1), new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero), records: 1, tuplesPerRecord: tuples);
        var builder = new EventBatchBuilder(payload, new JsonStringFraming(new IntakeRoutes(payload, nsgIntake: false)));
        using var reader = new FlowLogReader(document.ToArray(), new FlowLogSource("c/blob/PT1H.json"));
        while (reader.Read())
        {
            builder.Add(reader.Current);
        }

        EventBatch batch = builder.Build("c/blob/PT1H.json");
        return (batch, [.. batch.Events().Select(e => Encoding.UTF8.GetString(e.Span))]);
    }

    // Events as a dead letter holds them, framed as the sink frames them, all of the records at bytes 100-200.
    private static EventBatch RawBatch(string source, params string[] events)
    {
        var builder = new EventBatchBuilder(EventPayload.Raw, new JsonStringFraming(new IntakeRoutes(EventPayload.Raw, nsgIntake: false)));
        foreach (string e in events)
        {
            builder.AddEncoded(Encoding.UTF8.GetBytes(e), 100, 200);
        }

        return builder.Build(source);
    }

    /// <summary>The sink as the app builds it: options from configuration, IHttpClientFactory, the standard resilience handler.</summary>
    private sealed class Harness : IDisposable
    {
        private readonly CapturingLoggerProvider _logs;

        private readonly KeepingDeadLetters _kept;

        private Harness(ServiceProvider provider, KeepingDeadLetters kept, CapturingLoggerProvider logs)
        {
            Provider = provider;
            _kept = kept;
            _logs = logs;
        }

        public ServiceProvider Provider { get; }

        public MemoryDeadLetterStore DeadLetters => _kept.Inner;

        /// <summary>The JSON of each event dead-lettered, as the store was given it.</summary>
        public IReadOnlyCollection<string> DeadLetterJson => _kept.Json;

        public IEventSink Sink => Provider.GetRequiredService<IEventSink>();

        /// <summary>Delivers through the sink and, as the processor does, dead-letters the events its receipt refuses.</summary>
        public async ValueTask<DeliveryReceipt> DeliverAsync(EventBatch batch, CancellationToken cancellationToken)
        {
            DeliveryReceipt receipt = await Sink.DeliverAsync(batch, cancellationToken);
            await _kept.WriteRefusedAsync(batch, receipt.Refused, cancellationToken);
            return receipt;
        }

        public IReadOnlyCollection<string> Logs => _logs.Lines;

        public static Harness Create(Uri baseUrl, params (string Name, string Value)[] settings) => Create(baseUrl, null, settings);

        public static Harness Create(Uri baseUrl, TimeProvider? time, params (string Name, string Value)[] settings)
        {
            var values = new Dictionary<string, string?>
            {
                ["FlowLogs:Sekoia:BaseUrl"] = baseUrl.AbsoluteUri,
                ["FlowLogs:Sekoia:IntakeKey"] = Key,
                ["FlowLogs:Sekoia:RequestTimeout"] = "00:00:01",
                ["FlowLogs:Sekoia:RetryBudget"] = "00:00:20",
                ["FlowLogs:Sekoia:RetryBaseDelay"] = "00:00:00.050",
            };
            foreach ((string name, string value) in settings)
            {
                values[$"FlowLogs:Sekoia:{name}"] = value;
            }

            IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
            var deadLetters = new KeepingDeadLetters(new MemoryDeadLetterStore());
            var services = new ServiceCollection();
            var logs = new CapturingLoggerProvider();
            services.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(logs));
            if (time is not null)
            {
                services.AddSingleton(time);
            }

            services.AddSekoiaIntakeSink(configuration.GetSection(SekoiaIntakeOptions.SectionName));
            return new Harness(services.BuildServiceProvider(), deadLetters, logs);
        }

        public void AssertKeyNeverLogged()
        {
            Assert.That(_logs.Lines, Is.Not.Empty, "the HTTP client and the sink did log");
            Assert.That(_logs.Lines.Where(l => l.Contains(Key, StringComparison.Ordinal)), Is.Empty);
        }

        public void Dispose() => Provider.Dispose();
    }

    /// <summary>Keeps the bytes of every dead-lettered event, which <see cref="MemoryDeadLetterStore"/> only measures.</summary>
    private sealed class KeepingDeadLetters(MemoryDeadLetterStore inner) : IDeadLetterStore
    {
        public MemoryDeadLetterStore Inner { get; } = inner;

        public System.Collections.Concurrent.ConcurrentQueue<string> Json { get; } = new();

        public Task WriteAsync(FlowLogs.BlobSource.FlowLogBlob blob, IReadOnlyList<ParseIssue> issues, CancellationToken cancellationToken) => Inner.WriteAsync(blob, issues, cancellationToken);

        public Task WriteRefusedAsync(EventBatch batch, IReadOnlyList<RefusedEvent> refused, CancellationToken cancellationToken)
        {
            foreach (RefusedEvent e in refused)
            {
                Json.Enqueue(Encoding.UTF8.GetString(batch.EventJson(e.Index).Span));
            }

            return Inner.WriteRefusedAsync(batch, refused, cancellationToken);
        }
    }
}
