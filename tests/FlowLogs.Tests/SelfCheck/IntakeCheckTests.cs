using FlowLogs.SelfCheck;
using FlowLogs.Sinks.Sekoia;
using Microsoft.Extensions.Options;
using Moq;

namespace FlowLogs.Tests.SelfCheck;

/// <summary>The intake's answers to a request with no events, and what each means; the key never sent when it is not one.</summary>
public class IntakeCheckTests
{
    private static readonly Uri Fra1 = new("https://intake.sekoia.io");

    [Test]
    public void AnEmptyEventIdsAnswerIsTheKeyAccepted()
    {
        CheckResult result = IntakeCheck.Judge(Fra1, new IntakeAnswer(200, EventIds: 0));
        Assert.That(result.Verdict, Is.EqualTo(CheckVerdict.Pass));
        Assert.That(result.Detail, Is.EqualTo("reachable over TLS; the key is accepted: https://intake.sekoia.io/batch answered 200 with no event id to a request holding no event"));
    }

    [TestCase(401, CheckVerdict.Fail, "FlowLogs:Sekoia:IntakeKey", "refused the key (401)")]
    [TestCase(403, CheckVerdict.Fail, "FlowLogs:Sekoia:IntakeKey", "refused the key (403)")]
    [TestCase(404, CheckVerdict.Fail, "FlowLogs:Sekoia:BaseUrl", "there is no intake at https://intake.sekoia.io/batch (404)")]
    [TestCase(503, CheckVerdict.Fail, null, "the intake fails now (503)")]
    [TestCase(429, CheckVerdict.Warn, null, "throttles now (429)")]
    [TestCase(400, CheckVerdict.Warn, null, "Sekoia documents no answer to such a request")]
    public void EveryOtherAnswerIsNamed(int status, CheckVerdict verdict, string? setting, string said)
    {
        CheckResult result = IntakeCheck.Judge(Fra1, new IntakeAnswer(status));
        Assert.That(result.Verdict, Is.EqualTo(verdict));
        Assert.That(result.Setting, Is.EqualTo(setting));
        Assert.That(result.Detail, Does.Contain(said));
    }

    [Test]
    public void ASuccessWithoutAnEmptyEventIdsIsNotTheIntake()
    {
        CheckResult result = IntakeCheck.Judge(Fra1, new IntakeAnswer(200, EventIds: null, Excerpt: "<html>"));
        Assert.That(result.Verdict, Is.EqualTo(CheckVerdict.Warn));
        Assert.That(result.Detail, Does.Contain("is FlowLogs:Sekoia:BaseUrl the intake?"));
    }

    [TestCase("Tls", "the TLS handshake with intake.sekoia.io failed (UntrustedRoot)")]
    [TestCase("Unreachable", "no answer from intake.sekoia.io (UntrustedRoot)")]
    public void NoAnswerNamesTheBaseUrl(string fault, string said)
    {
        CheckResult result = IntakeCheck.Judge(Fra1, new IntakeAnswer(0, Fault: Enum.Parse<IntakeFault>(fault), Message: "UntrustedRoot"));
        Assert.That(result.Verdict, Is.EqualTo(CheckVerdict.Fail));
        Assert.That(result.Setting, Is.EqualTo("FlowLogs:Sekoia:BaseUrl"));
        Assert.That(result.Detail, Does.StartWith(said));
    }

    [Test]
    public async Task AnUnresolvedKeyVaultReferenceFailsAndNothingIsSent()
    {
        var probe = new Mock<IIntakeProbe>(MockBehavior.Strict);
        var options = new SekoiaIntakeOptions { IntakeKey = "@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/secrets/sekoia-intake-key/)" };

        CheckResult result = await IntakeCheck.RunAsync(probe.Object, "sekoia", () => options, CancellationToken.None);

        Assert.That(result.Verdict, Is.EqualTo(CheckVerdict.Fail));
        Assert.That(result.Setting, Is.EqualTo("FlowLogs:Sekoia:IntakeKey"));
        Assert.That(result.Detail, Does.Contain("holds its Key Vault reference, not the secret").And.Contain("Key Vault Secrets User").And.Contain("restart the app"));
        Assert.That(result.Detail, Does.Not.Contain("vault.azure.net"));
        probe.VerifyNoOtherCalls();
    }

    [Test]
    public async Task InvalidSettingsFailNamingTheSettingAndAnotherSinkIsSkipped()
    {
        var probe = new Mock<IIntakeProbe>(MockBehavior.Strict);
        SekoiaIntakeOptions Invalid() => throw new OptionsValidationException("FlowLogs:Sekoia", typeof(SekoiaIntakeOptions), ["FlowLogs:Sekoia:IntakeKey is empty: set it to the key of your Sekoia intake"]);

        CheckResult invalid = await IntakeCheck.RunAsync(probe.Object, "sekoia", Invalid, CancellationToken.None);
        CheckResult skipped = await IntakeCheck.RunAsync(probe.Object, "ndjson", Invalid, CancellationToken.None);

        Assert.That(invalid.Verdict, Is.EqualTo(CheckVerdict.Fail));
        Assert.That(invalid.Setting, Is.EqualTo("FlowLogs:Sekoia:IntakeKey"));
        Assert.That(invalid.Detail, Does.StartWith("FlowLogs:Sekoia:IntakeKey is empty"));
        Assert.That(skipped.Verdict, Is.EqualTo(CheckVerdict.Skip));
        Assert.That(skipped.Detail, Is.EqualTo("the sink is ndjson (FlowLogs:Sink:Kind): no intake to check"));
        probe.VerifyNoOtherCalls();
    }
}
