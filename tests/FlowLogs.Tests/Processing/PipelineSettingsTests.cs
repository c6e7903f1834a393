using FlowLogs.Hosting;
using FlowLogs.Processing;
using FlowLogs.Replay;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FlowLogs.Tests.Processing;

/// <summary>Settings whose values only make sense together are checked at start, with every setting named.</summary>
public class PipelineSettingsTests
{
    [Test]
    public void TheDefaultsFitAThirtyMinuteInvocation()
    {
        using ServiceProvider provider = Pipeline(("FlowLogs:Processing:InvocationTimeout", "00:30:00"));

        Assert.That(provider.GetRequiredService<IOptions<BlobProcessorOptions>>().Value.InvocationTimeout, Is.EqualTo(TimeSpan.FromMinutes(30)));
    }

    [Test]
    public void ARetryBudgetThatDoesNotFitTheInvocationFailsNamingTheSettings()
    {
        using ServiceProvider provider = Pipeline(("FlowLogs:Processing:InvocationTimeout", "00:05:00"), ("FlowLogs:Sekoia:RetryBudget", "00:03:00"));

        OptionsValidationException? error = Assert.Throws<OptionsValidationException>(() => _ = provider.GetRequiredService<IOptions<BlobProcessorOptions>>().Value);

        Assert.That(error!.Message, Does.Contain("FlowLogs:Processing:InvocationTimeout").And.Contains("FlowLogs:Sekoia:RetryBudget").And.Contains("FlowLogs:Processing:MaxBatchBytes"));
    }

    [Test]
    public void ABatchOfManyRequestsCountsEveryRequestsBudget()
    {
        // 32 MiB of events are 5 requests of 9 MiB once escaped (up to 20% larger): five budgets of 3 minutes, twice
        // over, do not fit in 20 minutes.
        using ServiceProvider provider = Pipeline(("FlowLogs:Processing:InvocationTimeout", "00:20:00"), ("FlowLogs:Processing:MaxBatchBytes", "33554432"));

        OptionsValidationException? error = Assert.Throws<OptionsValidationException>(() => _ = provider.GetRequiredService<IOptions<BlobProcessorOptions>>().Value);

        Assert.That(error!.Message, Does.Contain("× 5 requests"));
    }

    [Test]
    public void AClaimLongerThanTheInvocationFails()
    {
        using ServiceProvider provider = Pipeline(("FlowLogs:Processing:InvocationTimeout", "00:10:00"), ("FlowLogs:Processing:ClaimDuration", "00:15:00"), ("FlowLogs:Sink:Kind", "ndjson"));

        OptionsValidationException? error = Assert.Throws<OptionsValidationException>(() => _ = provider.GetRequiredService<IOptions<BlobProcessorOptions>>().Value);

        Assert.That(error!.Message, Does.Contain("FlowLogs:Processing:ClaimDuration (00:15:00) must be shorter than FlowLogs:Processing:InvocationTimeout"));
    }

    [Test]
    public void ADocumentCutRecordIsGivenUpOnBeforeTheReplayStopsLookingAtItsHour()
    {
        using ServiceProvider provider = Pipeline(("FlowLogs:Processing:CompletionGrace", "00:30:00"), ("FlowLogs:Replay:CompletionGrace", "00:20:00"));

        OptionsValidationException? error = Assert.Throws<OptionsValidationException>(() => _ = provider.GetRequiredService<IOptions<BlobProcessorOptions>>().Value);

        Assert.That(error!.Message, Does.Contain("FlowLogs:Processing:CompletionGrace (00:30:00) must be at most FlowLogs:Replay:CompletionGrace (00:20:00)"));
    }

    [Test]
    public void AMaximumLookBackShorterThanTheWindowFails()
    {
        using ServiceProvider provider = Pipeline(("FlowLogs:Replay:MaxLookbackHours", "2"), ("FlowLogs:Replay:WindowHours", "3"));

        OptionsValidationException? error = Assert.Throws<OptionsValidationException>(() => _ = provider.GetRequiredService<IOptions<ReplayOptions>>().Value);

        Assert.That(error!.Message, Does.Contain("FlowLogs:Replay:MaxLookbackHours (2) must be at least FlowLogs:Replay:WindowHours (3)"));
    }

    [Test]
    public void ContainersSetReplaceTheDefaultsAndNoneSetMeansBothFlowLogContainers()
    {
        using ServiceProvider vnetOnly = Pipeline(("FlowLogs:Replay:Containers:0", FlowLogs.BlobSource.FlowLogBlob.VNetContainer));
        using ServiceProvider defaults = Pipeline();

        Assert.That(vnetOnly.GetRequiredService<IOptions<ReplayOptions>>().Value.FlowLogContainers, Is.EqualTo(new[] { FlowLogs.BlobSource.FlowLogBlob.VNetContainer }));
        Assert.That(defaults.GetRequiredService<IOptions<ReplayOptions>>().Value.FlowLogContainers, Is.EqualTo(new[] { FlowLogs.BlobSource.FlowLogBlob.VNetContainer, FlowLogs.BlobSource.FlowLogBlob.NsgContainer }));
    }

    [Test]
    public void AContainerThatIsNoContainerNameIsRefusedNamingTheSetting()
    {
        using ServiceProvider provider = Pipeline(("FlowLogs:Replay:Containers:0", "Insights_Logs"));

        OptionsValidationException? error = Assert.Throws<OptionsValidationException>(() => _ = provider.GetRequiredService<IOptions<ReplayOptions>>().Value);

        Assert.That(error!.Message, Does.Contain("FlowLogs:Replay:Containers: 'Insights_Logs' is not a container name"));
    }

    private static ServiceProvider Pipeline(params (string Key, string Value)[] settings)
    {
        var values = new Dictionary<string, string?>
        {
            ["FlowLogStorage"] = "UseDevelopmentStorage=true",
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
            ["FlowLogs:Sekoia:IntakeKey"] = "a-key",
        };
        foreach ((string key, string value) in settings)
        {
            values[key] = value;
        }

        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddFlowLogPipeline(configuration);
        return services.BuildServiceProvider();
    }
}
