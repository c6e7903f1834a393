using System.Text;
using FlowLogs.Ecs;
using FlowLogs.Sinks;
using FlowLogs.Sinks.Sekoia;
using FlowLogs.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FlowLogs.Tests.Sinks;

public class LocalSinkTests
{
    [Test]
    public async Task TheNdjsonFileSinkAppendsEveryBatchDurably()
    {
        string path = Path.Combine(Path.GetTempPath(), $"flowlogs-{Guid.NewGuid():N}", "events.ndjson");
        await using (var sink = new NdjsonFileSink(path))
        {
            await sink.DeliverAsync(Batch("{\"a\":1}", "{\"a\":2}"), CancellationToken.None);
            await sink.DeliverAsync(Batch("{\"a\":3}"), CancellationToken.None);
            Assert.That(sink.Events, Is.EqualTo(3));

            // Readable by others while open, complete as soon as a delivery returned.
            Assert.That(await ReadSharedAsync(path), Is.EqualTo(new[] { "{\"a\":1}", "{\"a\":2}", "{\"a\":3}" }));
        }

        await using (var again = new NdjsonFileSink(path))
        {
            await again.DeliverAsync(Batch("{\"a\":4}"), CancellationToken.None);
        }

        Assert.That(await File.ReadAllLinesAsync(path), Has.Length.EqualTo(4), "a restart appends");
        Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
    }

    [Test]
    public async Task TheStdoutSinkWritesNdjson()
    {
        using var output = new MemoryStream();
        using var sink = new StdoutSink(output);
        await sink.DeliverAsync(Batch("{\"a\":1}", "{\"b\":2}"), CancellationToken.None);
        Assert.That(Encoding.UTF8.GetString(output.ToArray()), Is.EqualTo("{\"a\":1}\n{\"b\":2}\n"));
    }

    [TestCase("ndjson", typeof(NdjsonFileSink))]
    [TestCase("stdout", typeof(StdoutSink))]
    [TestCase("sekoia", typeof(SekoiaIntakeSink))]
    public void TheConfiguredSinkIsRegistered(string kind, Type expected)
    {
        using ServiceProvider provider = Services(("FlowLogs:Sink:Kind", kind), ("FlowLogs:Sink:Path", Path.Combine(Path.GetTempPath(), $"{Guid.NewGuid():N}.ndjson")), ("FlowLogs:Sekoia:IntakeKey", "k"));
        Assert.That(provider.GetRequiredService<IEventSink>(), Is.InstanceOf(expected));
    }

    [Test]
    public void AnUnknownSinkKindIsRefusedAtStart()
    {
        using ServiceProvider provider = Services(("FlowLogs:Sink:Kind", "kafka"));
        OptionsValidationException? error = Assert.Throws<OptionsValidationException>(() => _ = provider.GetRequiredService<IOptions<SinkOptions>>().Value);
        Assert.That(error!.Message, Does.Contain("FlowLogs:Sink:Kind must be sekoia, ndjson or stdout"));
    }

    private static ServiceProvider Services(params (string Name, string Value)[] settings)
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Name, s.Value))).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<FlowLogs.DeadLetters.IDeadLetterStore, MemoryDeadLetterStore>();
        services.AddFlowLogSink(configuration);
        return services.BuildServiceProvider();
    }

    private static EventBatch Batch(params string[] events)
    {
        var builder = new EventBatchBuilder(EventPayload.Ecs);
        foreach (string e in events)
        {
            builder.AddEncoded(Encoding.UTF8.GetBytes(e), 0, 10);
        }

        return builder.Build("c/b/PT1H.json");
    }

    private static async Task<string[]> ReadSharedAsync(string path)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return (await reader.ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
