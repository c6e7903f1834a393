using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Text.Json;
using FlowLogs.Ecs;
using FlowLogs.Parsing;
using FlowLogs.Simulation;
using FlowLogs.Sinks;
using FlowLogs.Sinks.Sekoia;
using FlowLogs.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FlowLogs.Benchmarks;

/// <summary>
/// The Sekoia sink: its own cost per event (batch building, request bodies, gzip) against an intake that answers in
/// process, then its throughput to the loopback intake (which parses every request on the same machine).
/// </summary>
internal static class SinkBenchmark
{
    private const string Key = "bench-intake-key";
    private const string NsgKey = "bench-nsg-intake-key";
    private const int Documents = 8;
    private const int TuplesPerDocument = 25_000;

    // What is measured: each kind of flow log, each payload, and NSG tuples with and without an NSG intake (without
    // one they go to the Flow Logs intake, translated).
    private static readonly Case[] Cases =
    [
        new(FlowLogKind.VirtualNetwork, EventPayload.Raw, NsgIntake: false),
        new(FlowLogKind.NetworkSecurityGroup, EventPayload.Raw, NsgIntake: false),
        new(FlowLogKind.NetworkSecurityGroup, EventPayload.Raw, NsgIntake: true),
        new(FlowLogKind.VirtualNetwork, EventPayload.Ecs, NsgIntake: false),
    ];

    public static async Task<int> RunAsync(BenchmarkArguments options)
    {
        Dictionary<FlowLogKind, List<byte[]>> documents = new()
        {
            [FlowLogKind.VirtualNetwork] = Documents_(FlowLogKind.VirtualNetwork),
            [FlowLogKind.NetworkSecurityGroup] = Documents_(FlowLogKind.NetworkSecurityGroup),
        };
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Sekoia sink, build → gzip, intake answered in process (1 request in flight), {Environment.ProcessorCount} logical CPUs visible, .NET {Environment.Version}"));
        Console.WriteLine("payload  tuples  NSG intake  run       events   sink s  events/s    alloc B/event  requests  body MB  gzip MB");
        foreach (Case c in Cases)
        {
            // One sink and one builder per case, as one function instance keeps them: the warm-up grows the buffers.
            var handler = new InProcessIntake();
            using ServiceProvider services = Services(new Uri("https://intake.invalid"), c, handler);
            IEventSink sink = services.GetRequiredService<IEventSink>();
            using EventBatchBuilder builder = sink.CreateBatch();
            for (int i = 0; i <= options.Iterations; i++)
            {
                Result r = await MeasureInProcessAsync(documents[c.Kind], sink, builder, handler).ConfigureAwait(false);
                string run = i == 0 ? "warm-up" : i.ToString(CultureInfo.InvariantCulture);
                Console.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{c.Payload,-8} {c.Tuples,-6}  {(c.NsgIntake ? "set" : "-"),-10}  {run,-8} {r.Events,9:N0}  {r.Seconds,6:F3}  {r.Events / r.Seconds,10:N0}  {(double)r.Allocated / r.Events,13:F1}  {r.Requests,8}  {r.BodyBytes / 1048576.0,7:F1}  {r.GzipBytes / 1048576.0,7:F1}"));
            }
        }

        Console.WriteLine("  sink s: parse + build + deliver (batches cut at the processor's MaxBatchBytes), less the parse alone and the in-process intake's own work (gunzip, count)");
        Console.WriteLine("  alloc B/event: everything allocated by parse + build + deliver (parse allocates ~0 per event), less the intake's");
        Console.WriteLine("  NSG intake: FlowLogs:Sekoia:NsgIntakeKey set (NSG tuples go there as written); without it they go to IntakeKey, translated");
        Console.WriteLine();

        await using LoopbackIntake intake = await LoopbackIntake.StartAsync([Key, NsgKey]).ConfigureAwait(false);
        Console.WriteLine($"Sekoia sink to the loopback intake at {intake.BaseUrl}, gzip, 4 requests in flight");
        Console.WriteLine("payload  tuples  NSG intake  events      seconds  events/s    event MB/s  requests");
        foreach (Case c in Cases)
        {
            using ServiceProvider services = Services(intake.BaseUrl, c, handler: null);
            IEventSink sink = services.GetRequiredService<IEventSink>();
            List<EventBatchBuilder> builders = [.. documents[c.Kind].Select((d, i) => Build(sink, d, i))];
            try
            {
                List<EventBatch> batches = [.. builders.Select((b, i) => b.Build(Source(i)))];
                long events = batches.Sum(b => b.Count);
                long bytes = builders.Sum(b => (long)b.Length);
                await sink.DeliverAsync(batches[0], CancellationToken.None).ConfigureAwait(false);
                int before = intake.Requests;
                var stopwatch = Stopwatch.StartNew();
                await Task.WhenAll(batches.Select(b => sink.DeliverAsync(b, CancellationToken.None).AsTask())).ConfigureAwait(false);
                stopwatch.Stop();
                Console.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{c.Payload,-8} {c.Tuples,-6}  {(c.NsgIntake ? "set" : "-"),-10}  {events,10:N0}  {stopwatch.Elapsed.TotalSeconds,7:F2}  {events / stopwatch.Elapsed.TotalSeconds,10:N0}  {bytes / 1048576.0 / stopwatch.Elapsed.TotalSeconds,10:F1}  {intake.Requests - before,8}"));
            }
            finally
            {
                builders.ForEach(b => b.Dispose());
            }
        }

        return 0;
    }

    private static string Source(int i) => string.Create(CultureInfo.InvariantCulture, $"bench/{i}/PT1H.json");

    private static List<byte[]> Documents_(FlowLogKind kind)
    {
        var generator = new FlowLogGenerator(seed: 3);
        var documents = new List<byte[]>();
        for (int i = 0; i < Documents; i++)
        {
            using var document = new MemoryStream();
            generator.WriteDocument(document, kind, new SimulatedNic(i), new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero), 25, TuplesPerDocument / 25);
            documents.Add(document.ToArray());
        }

        return documents;
    }

    private static EventBatchBuilder Build(IEventSink sink, byte[] document, int index)
    {
        EventBatchBuilder builder = sink.CreateBatch();
        using var reader = new FlowLogReader(document, new FlowLogSource(Source(index)));
        while (reader.Read())
        {
            builder.Add(reader.Current);
        }

        return builder;
    }

    // Every document is parsed, batched in the sink's builder and delivered whenever the batch reaches the processor's
    // default MaxBatchBytes, as the processor does; the same parse alone is timed apart and subtracted, and so is the
    // in-process intake's work.
    private static async Task<Result> MeasureInProcessAsync(List<byte[]> documents, IEventSink sink, EventBatchBuilder builder, InProcessIntake handler)
    {
        int maxBatchBytes = new Processing.BlobProcessorOptions().MaxBatchBytes;
        double parseSeconds = Time(() =>
        {
            foreach (byte[] document in documents)
            {
                using var reader = new FlowLogReader(document, new FlowLogSource("bench/parse/PT1H.json"));
                while (reader.Read())
                {
                }
            }
        });

        handler.Clear();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var stopwatch = Stopwatch.StartNew();
        long events = 0;
        for (int i = 0; i < documents.Count; i++)
        {
            builder.Reset();
            using var reader = new FlowLogReader(documents[i], new FlowLogSource(Source(i)));
            while (reader.Read())
            {
                builder.Add(reader.Current);
                if (builder.Length >= maxBatchBytes)
                {
                    events += builder.Count;
                    await sink.DeliverAsync(builder.Build(Source(i)), CancellationToken.None).ConfigureAwait(false);
                    builder.Reset();
                }
            }

            events += builder.Count;
            await sink.DeliverAsync(builder.Build(Source(i)), CancellationToken.None).ConfigureAwait(false);
        }

        stopwatch.Stop();
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore - handler.Allocated;
        double seconds = stopwatch.Elapsed.TotalSeconds - parseSeconds - handler.Elapsed.TotalSeconds;
        return new Result(events, seconds, allocated, handler.Requests, handler.BodyBytes, handler.GzipBytes);
    }

    private static double Time(Action action)
    {
        var stopwatch = Stopwatch.StartNew();
        action();
        return stopwatch.Elapsed.TotalSeconds;
    }

    private static ServiceProvider Services(Uri baseUrl, Case c, InProcessIntake? handler)
    {
        var settings = new Dictionary<string, string?>
        {
            ["FlowLogs:Sekoia:BaseUrl"] = baseUrl.AbsoluteUri,
            ["FlowLogs:Sekoia:IntakeKey"] = Key,
            ["FlowLogs:Sekoia:NsgIntakeKey"] = c.NsgIntake ? NsgKey : null,
            ["FlowLogs:Sekoia:Payload"] = c.Payload.ToString(),
        };
        if (handler is not null)
        {
            settings["FlowLogs:Sekoia:MaxConcurrentRequests"] = "1";
        }

        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddSekoiaIntakeSink(configuration.GetSection(SekoiaIntakeOptions.SectionName));
        if (handler is not null)
        {
            services.AddHttpClient(SekoiaIntakeSink.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => handler);
        }

        return services.BuildServiceProvider();
    }

    private sealed record Case(FlowLogKind Kind, EventPayload Payload, bool NsgIntake)
    {
        public string Tuples => Kind == FlowLogKind.VirtualNetwork ? "VNet" : "NSG";
    }

    private readonly record struct Result(long Events, double Seconds, long Allocated, int Requests, long BodyBytes, long GzipBytes);

    /// <summary>
    /// Answers <c>POST /batch</c> as the intake does, in process and synchronously: the sink's content is produced
    /// (that is the sink's work), then gunzipped and its events counted (the intake's, timed and subtracted).
    /// </summary>
    private sealed class InProcessIntake : HttpMessageHandler
    {
        private readonly MemoryStream _compressed = new();
        private byte[] _body = new byte[16 << 20];
        private long _ticks;

        public int Requests { get; private set; }

        public long BodyBytes { get; private set; }

        public long GzipBytes { get; private set; }

        public long Allocated { get; private set; }

        public TimeSpan Elapsed => Stopwatch.GetElapsedTime(0, _ticks);

        public void Clear()
        {
            (Requests, BodyBytes, GzipBytes, Allocated, _ticks) = (0, 0, 0, 0, 0);
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            _compressed.SetLength(0);
            await request.Content!.CopyToAsync(_compressed, cancellationToken).ConfigureAwait(false);
            return Answer();
        }

        private HttpResponseMessage Answer()
        {
            long allocated = GC.GetAllocatedBytesForCurrentThread();
            long start = Stopwatch.GetTimestamp();
            Requests++;
            GzipBytes += _compressed.Length;
            _compressed.Position = 0;
            int length = 0;
            using (var gzip = new GZipStream(_compressed, CompressionMode.Decompress, leaveOpen: true))
            {
                int read;
                while ((read = gzip.Read(_body, length, _body.Length - length)) > 0)
                {
                    length += read;
                    if (length == _body.Length)
                    {
                        Array.Resize(ref _body, _body.Length * 2);
                    }
                }
            }

            BodyBytes += length;
            int events = CountJsons(_body.AsSpan(0, length));
            byte[] answer = new byte[16 + (4 * events)];
            int n = 0;
            "{\"event_ids\":["u8.CopyTo(answer);
            n += 14;
            for (int i = 0; i < events; i++)
            {
                (i == 0 ? "\"x\""u8 : ",\"x\""u8).CopyTo(answer.AsSpan(n));
                n += i == 0 ? 3 : 4;
            }

            "]}"u8.CopyTo(answer.AsSpan(n));
            n += 2;
            var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(answer, 0, n) };
            _ticks += Stopwatch.GetTimestamp() - start;
            Allocated += GC.GetAllocatedBytesForCurrentThread() - allocated;
            return response;
        }

        private static int CountJsons(ReadOnlySpan<byte> body)
        {
            var reader = new Utf8JsonReader(body);
            int count = 0;
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.String && reader.CurrentDepth == 2)
                {
                    count++;
                }
            }

            return count;
        }
    }
}
