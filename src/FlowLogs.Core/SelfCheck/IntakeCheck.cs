using System.Globalization;
using FlowLogs.Sinks.Sekoia;
using Microsoft.Extensions.Options;

namespace FlowLogs.SelfCheck;

/// <summary>
/// The Sekoia.io intake: reachable (over TLS unless on loopback) and the key accepted, without sending an event: a
/// request whose <c>jsons</c> is empty. Sekoia documents only that <c>/batch</c> answers <c>{"event_ids": […]}</c>,
/// one id per event accepted, and 401/403 for a key it refuses is what the sink meets; so an accepted key with no
/// events is answered <c>{"event_ids": []}</c>, and any other answer is reported as not confirming the key.
/// </summary>
internal static class IntakeCheck
{
    /// <summary>The check's name.</summary>
    public const string Name = "intake";

    private const string Section = SekoiaIntakeOptions.SectionName;

    /// <summary>Checks the intake the settings name, unless the sink is another one.</summary>
    public static async Task<CheckResult> RunAsync(IIntakeProbe probe, string sinkKind, Func<SekoiaIntakeOptions> options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(options);
        if (sinkKind != "sekoia")
        {
            return new CheckResult { Name = Name, Verdict = CheckVerdict.Skip, Detail = $"the sink is {sinkKind} (FlowLogs:Sink:Kind): no intake to check" };
        }

        SekoiaIntakeOptions intake;
        try
        {
            intake = options();
        }
        catch (OptionsValidationException ex)
        {
            // The validator names each setting; none of its messages holds a value.
            return new CheckResult { Name = Name, Verdict = CheckVerdict.Fail, Detail = string.Join("; ", ex.Failures), Setting = NamedSetting(ex.Failures) };
        }

        string target = intake.BaseUrl.GetLeftPart(UriPartial.Authority);
        if (IsUnresolvedReference(intake.IntakeKey))
        {
            return new CheckResult
            {
                Name = Name,
                Target = target,
                Verdict = CheckVerdict.Fail,
                Setting = $"{Section}:IntakeKey",
                Detail = $"{Section}:IntakeKey holds its Key Vault reference, not the secret: the reference did not resolve (the app's identity lacks Key Vault Secrets User on the secret, the role has not applied yet, or the vault is not reachable from the app); once fixed, restart the app so that it resolves the reference again. Nothing was sent",
            };
        }

        IntakeAnswer answer = await probe.SendNoEventsAsync(intake.BaseUrl, intake.IntakeKey, cancellationToken).ConfigureAwait(false);
        return Judge(intake.BaseUrl, answer) with { Target = target };
    }

    /// <summary>The verdict on the intake's answer to a request with no events. Pure.</summary>
    public static CheckResult Judge(Uri baseUrl, IntakeAnswer answer)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        ArgumentNullException.ThrowIfNull(answer);
        string url = SekoiaIntakeSink.BatchUrl(baseUrl).AbsoluteUri;
        string transport = baseUrl.Scheme == Uri.UriSchemeHttps ? "over TLS" : "over plain http (loopback only)";
        string baseUrlSetting = $"{Section}:BaseUrl";
        string keySetting = $"{Section}:IntakeKey";
        string said = answer.Excerpt is { Length: > 0 } excerpt ? $": {excerpt}" : string.Empty;
        return answer switch
        {
            { Fault: IntakeFault.Tls } => Fail($"the TLS handshake with {baseUrl.Host} failed ({answer.Message}): check {baseUrlSetting}, and that no proxy or firewall intercepts TLS on the way", baseUrlSetting),
            { Fault: IntakeFault.Unreachable } => Fail($"no answer from {baseUrl.Host} ({answer.Message}): check {baseUrlSetting} and the app's outbound access to it (with privateNetworking, the NAT gateway or your firewall)", baseUrlSetting),
            { Status: >= 200 and < 300, EventIds: 0 } => Pass(string.Create(CultureInfo.InvariantCulture, $"reachable {transport}; the key is accepted: {url} answered {answer.Status} with no event id to a request holding no event")),
            { Status: >= 200 and < 300 } => Warn(string.Create(CultureInfo.InvariantCulture, $"{url} answered {answer.Status} but not with an empty event_ids{said}: is {baseUrlSetting} the intake?"), baseUrlSetting),
            { Status: 401 or 403 } => Fail(string.Create(CultureInfo.InvariantCulture, $"reachable {transport}, but the intake refused the key ({answer.Status}): check {keySetting} (the key of the intake of this format)"), keySetting),
            { Status: 404 } => Fail($"there is no intake at {url} (404): check {baseUrlSetting} (https://intake.sekoia.io, or https://intake.<region>.sekoia.io/api/v1/intake-http)", baseUrlSetting),
            { Status: 429 } => Warn($"reachable {transport}, but the intake throttles now (429): the key is not confirmed; check again later", null),
            { Status: >= 500 } => Fail(string.Create(CultureInfo.InvariantCulture, $"reachable {transport}, but the intake fails now ({answer.Status}){said}: deliveries wait and are retried"), null),
            _ => Warn(string.Create(CultureInfo.InvariantCulture, $"reachable {transport}; the intake answered {answer.Status} to a request with no events{said}: Sekoia documents no answer to such a request, so the key is confirmed only by a delivery (flowlogs.events.delivered)"), null),
        };

        static CheckResult Pass(string detail) => new() { Name = Name, Verdict = CheckVerdict.Pass, Detail = detail };
        static CheckResult Warn(string detail, string? setting) => new() { Name = Name, Verdict = CheckVerdict.Warn, Detail = detail, Setting = setting };
        static CheckResult Fail(string detail, string? setting) => new() { Name = Name, Verdict = CheckVerdict.Fail, Detail = detail, Setting = setting };
    }

    /// <summary>Whether the key is an app setting's Key Vault reference the platform did not replace with the secret.</summary>
    internal static bool IsUnresolvedReference(string key) => key.TrimStart().StartsWith("@Microsoft.KeyVault(", StringComparison.OrdinalIgnoreCase);

    // The first setting a validation message names (FlowLogs:Sekoia:…).
    private static string? NamedSetting(IEnumerable<string> failures)
        => failures.Select(f => f.Split(' ', 2)[0]).FirstOrDefault(s => s.StartsWith(Section + ":", StringComparison.Ordinal));
}
