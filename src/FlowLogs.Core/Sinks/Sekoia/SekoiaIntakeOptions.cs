using FlowLogs.Ecs;
using Microsoft.Extensions.Options;

namespace FlowLogs.Sinks.Sekoia;

/// <summary>Settings of the Sekoia.io HTTP intake; bound from configuration section <see cref="SectionName"/>.</summary>
internal sealed class SekoiaIntakeOptions
{
    /// <summary>The configuration section (environment: <c>FlowLogs__Sekoia__IntakeKey</c> and so on).</summary>
    public const string SectionName = "FlowLogs:Sekoia";

    /// <summary>Sekoia refuses larger events; its own SDK keeps to 250,000.</summary>
    public const int MaxIntakeEventBytes = 250_000;

    /// <summary>Sekoia accepts about 10 MiB a request; its SDK keeps to 90% of that.</summary>
    public const int MaxIntakeRequestBytes = 9 * 1024 * 1024;

    /// <summary>The intake's base URL: <c>https://intake.sekoia.io</c> (FRA1), or <c>https://intake.&lt;region&gt;.sekoia.io/api/v1/intake-http</c>.</summary>
    public Uri BaseUrl { get; set; } = new("https://intake.sekoia.io");

    /// <summary>The key of the intake every VNet tuple goes to, and every NSG tuple unless <see cref="NsgIntakeKey"/> is set: with the Raw payload, an intake of Sekoia's "Azure Network Watcher Flow Logs" format (a secret: put a Key Vault reference in the app setting). Never logged.</summary>
    public string IntakeKey { get; set; } = string.Empty;

    /// <summary>Optional: the key of an intake of Sekoia's "Azure Network Watcher" format (NSG flow logs), which then receives every NSG tuple as written; empty: NSG tuples go to <see cref="IntakeKey"/>, translated into the Flow Logs format. Raw payload only; a secret, never logged.</summary>
    public string NsgIntakeKey { get; set; } = string.Empty;

    /// <summary>What is sent: <see cref="EventPayload.Raw"/> for Sekoia's "Azure Network Watcher" formats (default), or full ECS for a custom format.</summary>
    public EventPayload Payload { get; set; } = EventPayload.Raw;

    /// <summary>Most bytes of one request before compression.</summary>
    public int MaxRequestBytes { get; set; } = MaxIntakeRequestBytes;

    /// <summary>Events larger than this are not sent but refused, and so dead-lettered.</summary>
    public int MaxEventBytes { get; set; } = MaxIntakeEventBytes;

    /// <summary>Timeout of one attempt.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Retries of one request stop after this long; the data then goes out with a later trigger or the replay. With FlowLogs:Processing:InvocationTimeout set, one batch of requests must fit twice in it.</summary>
    public TimeSpan RetryBudget { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>The request limits, described for the processor's start-up checks.</summary>
    public SinkRequestLimits RequestLimits() => new(MaxRequestBytes, $"{SectionName}:MaxRequestBytes", RetryBudget, $"{SectionName}:RetryBudget");

    /// <summary>First retry delay; it doubles (with jitter) up to 30 s, or what Retry-After says.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Requests in flight at once from this process.</summary>
    public int MaxConcurrentRequests { get; set; } = 4;
}

/// <summary>Checks <see cref="SekoiaIntakeOptions"/> at start, with messages that name the setting to fix.</summary>
internal sealed class SekoiaIntakeOptionsValidator : IValidateOptions<SekoiaIntakeOptions>
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, SekoiaIntakeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        const string S = SekoiaIntakeOptions.SectionName;
        if (options.BaseUrl is null || !options.BaseUrl.IsAbsoluteUri || (options.BaseUrl.Scheme != Uri.UriSchemeHttps && !options.BaseUrl.IsLoopback))
        {
            failures.Add($"{S}:BaseUrl must be an absolute https URL (such as https://intake.sekoia.io); plain http is allowed for loopback only");
        }

        if (string.IsNullOrWhiteSpace(options.IntakeKey))
        {
            failures.Add($"{S}:IntakeKey is empty: set it to the key of your Sekoia intake (an app setting holding a Key Vault reference works)");
        }

        if (!string.IsNullOrWhiteSpace(options.NsgIntakeKey))
        {
            // Neither message shows a key: they name the settings only.
            if (options.Payload != EventPayload.Raw)
            {
                failures.Add($"{S}:NsgIntakeKey is set but {S}:Payload is {options.Payload}: the NSG intake's format (\"Azure Network Watcher\") reads the Raw payload; leave NsgIntakeKey empty to send every event to IntakeKey");
            }

            if (string.Equals(options.NsgIntakeKey.Trim(), options.IntakeKey.Trim(), StringComparison.Ordinal))
            {
                failures.Add($"{S}:NsgIntakeKey is the same key as {S}:IntakeKey: NSG tuples would reach the Flow Logs format as written, which it cannot parse; set the key of an \"Azure Network Watcher\" intake, or leave NsgIntakeKey empty to send NSG tuples translated to IntakeKey");
            }
        }

        if (options.MaxRequestBytes is < 64 * 1024 or > SekoiaIntakeOptions.MaxIntakeRequestBytes)
        {
            failures.Add($"{S}:MaxRequestBytes must be between 65536 and {SekoiaIntakeOptions.MaxIntakeRequestBytes}");
        }

        if (options.MaxEventBytes < 1024 || options.MaxEventBytes > SekoiaIntakeOptions.MaxIntakeEventBytes || options.MaxEventBytes > options.MaxRequestBytes / 2)
        {
            failures.Add($"{S}:MaxEventBytes must be between 1024 and {SekoiaIntakeOptions.MaxIntakeEventBytes}, and at most half of MaxRequestBytes");
        }

        if (options.RequestTimeout <= TimeSpan.Zero || options.RetryBudget < options.RequestTimeout || options.RetryBaseDelay <= TimeSpan.Zero)
        {
            failures.Add($"{S}:RequestTimeout and RetryBaseDelay must be positive and {S}:RetryBudget at least RequestTimeout");
        }

        if (options.MaxConcurrentRequests is < 1 or > 64)
        {
            failures.Add($"{S}:MaxConcurrentRequests must be between 1 and 64");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
