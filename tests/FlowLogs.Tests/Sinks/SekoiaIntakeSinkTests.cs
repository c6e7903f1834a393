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
public class SekoiaIntakeSinkTests
{
    private const string Key = "test-intake-key-5b1c0e7f9d";

    [Test]
    public async Task DeliversEveryEventGzippedUnderTheKey()
    {
        await using LoopbackIntake intake = await LoopbackIntake.StartAsync(Key);
        using Harness harness = Harness.Create(intake.BaseUrl);
        (EventBatch batch, List<string> sent) = Batch(300, EventPayload.Ecs);

        await harness.Sink.DeliverAsync(batch, CancellationToken.None);

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

        await harness.Sink.DeliverAsync(batch, CancellationToken.None);

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

        await harness.Sink.DeliverAsync(batch, CancellationToken.None);

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

        await harness.Sink.DeliverAsync(RawBatch("c/blob/PT1H.json", events), CancellationToken.None);

        Assert.That(intake.Events, Is.EqualTo(events.Where((_, i) => i is not (0 or 4 or 9))));
        Assert.That(harness.DeadLetterJson, Is.EqualTo(new[] { events[0], events[4], events[9] }));
        Assert.That(intake.Requests, Is.EqualTo(2), "the runs 1-3 and 5-8");
    }

    [Test]
    public async Task ABatchFramedForAnotherSinkIsRefusedUnsent()
    {
        await using LoopbackIntake intake = await LoopbackIntake.StartAsync(Key);
        using Harness harness = Harness.Create(intake.BaseUrl);
        using var ndjson = new EventBatchBuilder(EventPayload.Raw);
        ndjson.AddEncoded("{\"a\":1}"u8, 0, 1);

        Assert.That(async () => await harness.Sink.DeliverAsync(ndjson.Build("c/blob/PT1H.json"), CancellationToken.None), Throws.ArgumentException);
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

        await harness.Sink.DeliverAsync(batch, CancellationToken.None);

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

        await harness.Sink.DeliverAsync(batch, CancellationToken.None);

        Assert.That(intake.Events, Is.EqualTo(sent.Concat(sent)));
        Assert.That(intake.StoredWithoutAcknowledgement, Is.EqualTo(40));
    }

    [Test]
    public async Task AWrongAcknowledgementCountIsAnError()
    {
        await using LoopbackIntake intake = await LoopbackIntake.StartAsync(Key);
        intake.Faults = _ => IntakeFault.WrongCount;
        using Harness harness = Harness.Create(intake.BaseUrl);
        (EventBatch batch, _) = Batch(10, EventPayload.Raw);

        IntakeException? error = Assert.ThrowsAsync<IntakeException>(async () => await harness.Sink.DeliverAsync(batch, CancellationToken.None));
        Assert.That(error!.Message, Does.Contain("acknowledged 9 of 10 events"));
    }

    [Test]
    public async Task A413IsAnsweredBySendingHalves()
    {
        await using LoopbackIntake intake = await LoopbackIntake.StartAsync(Key);
        intake.Faults = n => n == 1 ? IntakeFault.TooLarge : IntakeFault.None;
        using Harness harness = Harness.Create(intake.BaseUrl);
        (EventBatch batch, List<string> sent) = Batch(21, EventPayload.Ecs);

        await harness.Sink.DeliverAsync(batch, CancellationToken.None);

        Assert.That(intake.Events, Is.EqualTo(sent));
        Assert.That(intake.Requests, Is.EqualTo(3));
    }

    [Test]
    public async Task AWrongKeyFailsAtOnceNamingTheSettingWithoutTheKey()
    {
        await using LoopbackIntake intake = await LoopbackIntake.StartAsync("the-real-key");
        using Harness harness = Harness.Create(intake.BaseUrl);
        (EventBatch batch, _) = Batch(5, EventPayload.Raw);

        IntakeException? error = Assert.ThrowsAsync<IntakeException>(async () => await harness.Sink.DeliverAsync(batch, CancellationToken.None));

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

        IntakeException? error = Assert.ThrowsAsync<IntakeException>(async () => await harness.Sink.DeliverAsync(batch, CancellationToken.None));

        Assert.That(error!.Message, Does.Contain("FlowLogs:Sekoia:BaseUrl"));
        Assert.That(intake.Requests, Is.Zero);
    }

    [Test]
    public async Task ARegionalBaseUrlPostsUnderItsPath()
    {
        await using LoopbackIntake intake = await LoopbackIntake.StartAsync(Key, "/api/v1/intake-http");
        using Harness harness = Harness.Create(intake.BaseUrl);
        (EventBatch batch, List<string> sent) = Batch(5, EventPayload.Raw);

        await harness.Sink.DeliverAsync(batch, CancellationToken.None);

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

        IntakeException? error = Assert.ThrowsAsync<IntakeException>(async () => await harness.Sink.DeliverAsync(batch, CancellationToken.None));

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

        await harness.Sink.DeliverAsync(RawBatch("c/blob/PT1H.json", events), CancellationToken.None);

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

        IntakeException? error = Assert.ThrowsAsync<IntakeException>(async () => await harness.Sink.DeliverAsync(RawBatch("c/blob/PT1H.json", events), CancellationToken.None));

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

        await harness.Sink.DeliverAsync(RawBatch("c/blob/PT1H.json", events), CancellationToken.None);

        Assert.That(intake.Events, Is.EquivalentTo(events[6..]));
        Assert.That(harness.DeadLetters.Events, Has.Count.EqualTo(6));
    }

    [Test]
    public async Task AnIntakeThatWorksButRefusesAWholeBatchGetsItsEventsDeadLetteredNotItsBlobBlocked()
    {
        await using LoopbackIntake intake = await LoopbackIntake.StartAsync(Key);
        using Harness harness = Harness.Create(intake.BaseUrl);
        await harness.Sink.DeliverAsync(RawBatch("c/good/PT1H.json", "{\"ok\":1}"), CancellationToken.None);

        // Every event of this blob is malformed for the intake (one resource, one bad field), and there are many.
        intake.RefuseEvent = e => e.Contains("bad", StringComparison.Ordinal);
        string[] bad = [.. Enumerable.Range(0, 300).Select(i => $"{{\"bad\":{i}}}")];
        await harness.Sink.DeliverAsync(RawBatch("c/bad/PT1H.json", bad), CancellationToken.None);

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
        await harness.Sink.DeliverAsync(RawBatch("c/good/PT1H.json", "{\"ok\":1}"), CancellationToken.None);
        intake.RefuseEvent = e => e.Contains("bad", StringComparison.Ordinal);
        string[] bad = [.. Enumerable.Range(0, 20).Select(i => $"{{\"bad\":{i}}}")];

        // Just inside the window: the intake works, these events are what it refuses; each is kept.
        time.Advance(SekoiaIntakeSink.AcceptedLately - TimeSpan.FromSeconds(1));
        await harness.Sink.DeliverAsync(RawBatch("c/bad/PT1H.json", bad), CancellationToken.None);
        Assert.That(harness.DeadLetters.Events, Has.Count.EqualTo(20));

        // Past it, with nothing accepted since: it is the requests the intake refuses (a wrong URL or payload).
        time.Advance(TimeSpan.FromSeconds(2));
        IntakeException? error = Assert.ThrowsAsync<IntakeException>(async () => await harness.Sink.DeliverAsync(RawBatch("c/bad2/PT1H.json", bad), CancellationToken.None));
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

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => harness.Sink.DeliverAsync(batch, CancellationToken.None).AsTask()));

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

        await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => harness.Sink.DeliverAsync(batch, CancellationToken.None).AsTask()));

        Assert.That(intake.Events, Has.Count.EqualTo(12 * 200));
        Assert.That(intake.MaxConcurrentRequests, Is.LessThanOrEqualTo(2));
    }

    [TestCase("IntakeKey", "", "FlowLogs:Sekoia:IntakeKey is empty")]
    [TestCase("BaseUrl", "http://intake.example.com", "FlowLogs:Sekoia:BaseUrl must be an absolute https URL")]
    [TestCase("MaxRequestBytes", "20000000", "FlowLogs:Sekoia:MaxRequestBytes must be between")]
    public void BadSettingsFailAtStartWithTheSettingsName(string setting, string value, string message)
    {
        using Harness harness = Harness.Create(new Uri("https://intake.sekoia.io"), (setting, value));
        OptionsValidationException? error = Assert.Throws<OptionsValidationException>(() => _ = harness.Provider.GetRequiredService<IOptions<SekoiaIntakeOptions>>().Value);
        Assert.That(error!.Message, Does.Contain(message));
        Assert.That(error.Message, Does.Not.Contain(Key));
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
            services.AddSingleton<IDeadLetterStore>(deadLetters);
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

        public Task WriteEventAsync(string source, long rangeStart, long rangeEnd, ReadOnlyMemory<byte> eventJson, string reason, CancellationToken cancellationToken)
        {
            Json.Enqueue(Encoding.UTF8.GetString(eventJson.Span));
            return Inner.WriteEventAsync(source, rangeStart, rangeEnd, eventJson, reason, cancellationToken);
        }
    }
}
