using Azure.Core;
using FlowLogs.Clock;
using FlowLogs.Diagnostics;

namespace FlowLogs.Hosting;

/// <summary>How every storage client of the pipeline answers load and reads the storage service's time.</summary>
internal static class StorageClientDefaults
{
    /// <summary>Retries of one storage request after a transient answer.</summary>
    public const int MaxRetries = 5;

    /// <summary>
    /// Sets <paramref name="options"/> as every storage client of the pipeline has them: 503 and 500 retried up to
    /// <see cref="MaxRetries"/> times, exponentially from 0.5 s to 8 s (at most about 16 s, far inside a claim), each
    /// counted; and every answer sets <paramref name="clock"/> when given.
    /// </summary>
    public static T Apply<T>(T options, StorageClock? clock)
        where T : ClientOptions
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Retry.Mode = RetryMode.Exponential;
        options.Retry.MaxRetries = MaxRetries;
        options.Retry.Delay = TimeSpan.FromSeconds(0.5);
        options.Retry.MaxDelay = TimeSpan.FromSeconds(8);
        options.AddPolicy(StorageThrottlingPolicy.Instance, HttpPipelinePosition.PerRetry);
        if (clock is not null)
        {
            options.AddPolicy(new StorageClockPolicy(clock), HttpPipelinePosition.PerRetry);
        }

        return options;
    }
}
