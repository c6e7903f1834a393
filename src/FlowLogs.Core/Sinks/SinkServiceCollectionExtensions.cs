using FlowLogs.Diagnostics;
using FlowLogs.Sinks.Sekoia;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;

namespace FlowLogs.Sinks;

/// <summary>Registers the configured <see cref="IEventSink"/> (the Sekoia intake, an NDJSON file or stdout).</summary>
internal static class SinkServiceCollectionExtensions
{
    private static readonly TimeSpan BreakDuration = TimeSpan.FromSeconds(5);

    /// <summary>Binds <see cref="SinkOptions"/> and <see cref="SekoiaIntakeOptions"/>, validated at start, and registers the sink.</summary>
    public static IServiceCollection AddFlowLogSink(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<SinkOptions>().Bind(configuration.GetSection(SinkOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        string kind = configuration.GetSection(SinkOptions.SectionName)["Kind"] ?? "sekoia";
        switch (kind)
        {
            case "ndjson":
                services.AddSingleton<IEventSink>(sp =>
                {
                    SinkOptions options = sp.GetRequiredService<IOptions<SinkOptions>>().Value;
                    return new NdjsonFileSink(options.Path, options.Payload);
                });
                break;
            case "stdout":
                services.AddSingleton<IEventSink>(sp => new StdoutSink(Console.OpenStandardOutput(), sp.GetRequiredService<IOptions<SinkOptions>>().Value.Payload));
                break;
            default:
                services.AddSekoiaIntakeSink(configuration.GetSection(SekoiaIntakeOptions.SectionName));
                break;
        }

        return services;
    }

    /// <summary>Registers <see cref="SekoiaIntakeSink"/> with its HTTP client and the standard resilience handler, its <see cref="SinkRequestLimits"/>, and the start-up log of its routes.</summary>
    public static IServiceCollection AddSekoiaIntakeSink(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<SekoiaIntakeOptions>().Bind(section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SekoiaIntakeOptions>, SekoiaIntakeOptionsValidator>();
        services.AddHttpClient(SekoiaIntakeSink.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .AddStandardResilienceHandler()
            .Configure((HttpStandardResilienceOptions resilience, IServiceProvider provider) =>
            {
                SekoiaIntakeOptions options = provider.GetRequiredService<IOptions<SekoiaIntakeOptions>>().Value;
                resilience.AttemptTimeout.Timeout = options.RequestTimeout;
                resilience.TotalRequestTimeout.Timeout = options.RetryBudget;

                // Retries are bounded by the budget, not by a count: the intake may throttle for a while.
                resilience.Retry.MaxRetryAttempts = 1000;
                resilience.Retry.BackoffType = DelayBackoffType.Exponential;
                resilience.Retry.UseJitter = true;
                resilience.Retry.Delay = options.RetryBaseDelay;
                resilience.Retry.MaxDelay = TimeSpan.FromSeconds(30);
                resilience.Retry.ShouldRetryAfterHeader = true;
                resilience.Retry.OnRetry = retry =>
                {
                    FlowLogMetrics.IntakeRetries.Add(1);
                    return ValueTask.CompletedTask;
                };

                // A struggling intake is given room rather than hammered, but a few failures do not stop delivery.
                resilience.CircuitBreaker.FailureRatio = 0.5;
                resilience.CircuitBreaker.MinimumThroughput = 20;
                resilience.CircuitBreaker.SamplingDuration = options.RequestTimeout * 2 > TimeSpan.FromSeconds(30) ? options.RequestTimeout * 2 : TimeSpan.FromSeconds(30);
                resilience.CircuitBreaker.BreakDuration = BreakDuration;

                // An open breaker is waited out within the budget, like any transient failure: a short outage of the
                // intake must not turn every delivery of the process into a failed invocation.
                resilience.Retry.ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is BrokenCircuitException || HttpClientResiliencePredicates.IsTransient(args.Outcome));
                Func<RetryDelayGeneratorArguments<HttpResponseMessage>, ValueTask<TimeSpan?>>? retryAfter = resilience.Retry.DelayGenerator;
                resilience.Retry.DelayGenerator = args => args.Outcome.Exception is BrokenCircuitException
                    ? ValueTask.FromResult<TimeSpan?>(BreakDuration)
                    : retryAfter?.Invoke(args) ?? ValueTask.FromResult<TimeSpan?>(null);
            });
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<IEventSink, SekoiaIntakeSink>();
        services.AddSingleton(provider => provider.GetRequiredService<IOptions<SekoiaIntakeOptions>>().Value.RequestLimits());
        services.AddHostedService<IntakeRoutesAnnouncement>();
        return services;
    }
}
