using System.Globalization;
using FlowLogs.Replay;
using FlowLogs.Sinks;
using Microsoft.Extensions.Options;

namespace FlowLogs.Processing;

/// <summary>
/// Checks at start that the time limits fit together: one batch's delivery (its requests, each retried within the
/// sink's budget) must fit in an invocation with room for the reads around it. Messages name every setting involved.
/// </summary>
internal sealed class ProcessingLimitsValidator(IServiceProvider services) : IValidateOptions<BlobProcessorOptions>
{
    public ValidateOptionsResult Validate(string? name, BlobProcessorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        const string P = BlobProcessorOptions.SectionName;
        var failures = new List<string>();
        if (options.InvocationTimeout is { } timeout)
        {
            if (options.ClaimDuration >= timeout)
            {
                failures.Add($"{P}:ClaimDuration ({options.ClaimDuration}) must be shorter than {P}:InvocationTimeout ({timeout}): a blob whose invocation was cut off would stay claimed past it");
            }

            // Only a sink that sends requests has limits; a local file or stdout has none.
            if (services.GetService(typeof(SinkRequestLimits)) is SinkRequestLimits limits)
            {
                // Escaping makes a request body up to ~15% larger than its events (measured: ECS 12–14%, Raw 7–8%), and
                // an event over the receiver's limit ends a request early: 20% covers both. Requests of one batch go one
                // after another.
                int requests = (int)Math.Ceiling(options.MaxBatchBytes * 1.2 / limits.MaxRequestBytes);
                TimeSpan longest = limits.RetryBudget * requests;
                if (longest * 2 > timeout)
                {
                    failures.Add(string.Create(
                        CultureInfo.InvariantCulture,
                        $"{P}:InvocationTimeout ({timeout}) must be at least twice the longest delivery of one batch: {limits.RetryBudgetSetting} ({limits.RetryBudget}) × {requests} requests for {P}:MaxBatchBytes ({options.MaxBatchBytes}) over {limits.MaxRequestBytesSetting} ({limits.MaxRequestBytes}); lower the budget or the batch, or raise the timeout"));
                }
            }
        }

        // A blob cut inside a record must be dead-lettered before the replay records its hour complete and stops looking.
        if (services.GetService(typeof(IOptions<ReplayOptions>)) is IOptions<ReplayOptions> { Value: { } replay } && options.CompletionGrace > replay.CompletionGrace)
        {
            failures.Add($"{P}:CompletionGrace ({options.CompletionGrace}) must be at most {ReplayOptions.SectionName}:CompletionGrace ({replay.CompletionGrace})");
        }

        if (options.MaxRecordBytes > int.MaxValue / 4 - options.MaxChunkBytes)
        {
            failures.Add($"{P}:MaxRecordBytes and {P}:MaxChunkBytes together must leave a read buffer under 512 MiB");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
