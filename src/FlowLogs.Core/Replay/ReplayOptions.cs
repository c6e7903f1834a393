using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace FlowLogs.Replay;

/// <summary>Settings of the missed-hour replay; bound from configuration section <see cref="SectionName"/>.</summary>
internal sealed class ReplayOptions
{
    /// <summary>The configuration section (environment: <c>FlowLogs__Replay__WindowHours</c> and so on).</summary>
    public const string SectionName = "FlowLogs:Replay";

    /// <summary>Hours every run looks at, the current one included, whatever earlier runs found.</summary>
    [Range(1, 24 * 31)]
    public int WindowHours { get; set; } = 3;

    /// <summary>Hours the very first run looks back over (when no run was recorded before).</summary>
    [Range(1, 24 * 366)]
    public int FirstRunLookbackHours { get; set; } = 24;

    /// <summary>
    /// The furthest back a run goes to reach the oldest hour not yet complete (after an outage, a failing intake, a
    /// removed role). Azure keeps flow logs for the retention the customer set, 7 days or more in practice: hours older
    /// than this are reported by name and left alone.
    /// </summary>
    [Range(1, 24 * 366)]
    public int MaxLookbackHours { get; set; } = 7 * 24;

    /// <summary>
    /// Hour listings (one resource folder, one hour) one run makes at most before it stops and leaves the rest of a
    /// backlog to the next run; the window's hours are always listed. Bounds a run's time and cost.
    /// </summary>
    [Range(10, 10_000_000)]
    public int MaxListingsPerRun { get; set; } = 10_000;

    /// <summary>An hour is complete (never listed again) once it is over by this much, every blob of it is read, and none changed for this long.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan CompletionGrace { get; set; } = TimeSpan.FromMinutes(20);

    /// <summary>
    /// A complete hour is listed once more this long after it was found complete, for the blobs Azure creates late (a
    /// NIC attached late, its own delays), which only their trigger would read otherwise; then it is done. Zero: never.
    /// Costs one more listing per resource folder and hour.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan RecheckAfter { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// A blob whose checkpoint was written this recently is left to its trigger (which is evidently working) instead
    /// of being competed for; zero where nothing else reads the blobs (the <c>flowlogs ingest</c> runner).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan TriggerGrace { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>An account's resource folders are walked for again (delimiter listings) at most this often once a walk ran to its end; in between the remembered ones are used.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan DiscoveryInterval { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>The table that remembers resource prefixes, complete hours and runs.</summary>
    [Required]
    [RegularExpression("^[A-Za-z][A-Za-z0-9]{2,62}$", ErrorMessage = "FlowLogs:Replay:StateTable must be a valid table name (letters and digits, 3 to 63, starting with a letter)")]
    public string StateTable { get; set; } = "flowlogreplay";

    /// <summary>The containers to replay, and whose events are read; empty: the VNet and NSG flow-log containers.</summary>
    public IList<string> Containers { get; } = [];

    // Empty by default, not filled with the defaults: configuration binding adds to a list, it never replaces it.
    internal IReadOnlyList<string> FlowLogContainers => Containers.Count > 0 ? [.. Containers] : [BlobSource.FlowLogBlob.VNetContainer, BlobSource.FlowLogBlob.NsgContainer];

    /// <summary>Blobs processed at once by one run.</summary>
    [Range(1, 64)]
    public int Parallelism { get; set; } = 4;
}

/// <summary>Checks the relations between <see cref="ReplayOptions"/> settings, naming them.</summary>
internal sealed partial class ReplayOptionsValidator : IValidateOptions<ReplayOptions>
{
    private static readonly System.Text.RegularExpressions.Regex ContainerName = ContainerNamePattern();

    public ValidateOptionsResult Validate(string? name, ReplayOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        const string S = ReplayOptions.SectionName;
        var failures = new List<string>();
        if (options.MaxLookbackHours < options.WindowHours || options.MaxLookbackHours < options.FirstRunLookbackHours)
        {
            failures.Add($"{S}:MaxLookbackHours ({options.MaxLookbackHours}) must be at least {S}:WindowHours ({options.WindowHours}) and {S}:FirstRunLookbackHours ({options.FirstRunLookbackHours})");
        }

        foreach (string container in options.FlowLogContainers)
        {
            if (!ContainerName.IsMatch(container))
            {
                failures.Add($"{S}:Containers: '{container}' is not a container name (3 to 63 lower-case letters, digits and single dashes, such as insights-logs-flowlogflowevent)");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$")]
    private static partial System.Text.RegularExpressions.Regex ContainerNamePattern();
}
