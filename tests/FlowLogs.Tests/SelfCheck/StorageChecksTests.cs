using FlowLogs.SelfCheck;

namespace FlowLogs.Tests.SelfCheck;

/// <summary>The verdicts on storage answers: a role told from a firewall by the error code, as Microsoft documents them; what is missing; what did not answer.</summary>
public class StorageChecksTests
{
    private const string VNet = "insights-logs-flowlogflowevent";
    private const string Nsg = "insights-logs-networksecuritygroupflowevent";

    [Test]
    public void BothContainersListedPasses()
    {
        CheckResult result = FlowLogAccountCheck.Judge("nwlogsweu", "FlowLogStorage", [(VNet, new StorageAnswer(200)), (Nsg, new StorageAnswer(200))]);
        Assert.That(result.Verdict, Is.EqualTo(CheckVerdict.Pass));
        Assert.That(result.Line, Is.EqualTo($"PASS flow-log account nwlogsweu: reachable; {VNet}, {Nsg} listable"));
        Assert.That(result.Setting, Is.Null);
    }

    [Test]
    public void AMissingRoleIsNamedAsARoleNotAFirewall()
    {
        CheckResult result = FlowLogAccountCheck.Judge("nwlogsweu", "FlowLogStorage1", [(VNet, new StorageAnswer(403, "AuthorizationPermissionMismatch")), (Nsg, new StorageAnswer(200))]);
        Assert.That(result.Verdict, Is.EqualTo(CheckVerdict.Fail));
        Assert.That(result.Setting, Is.EqualTo("FlowLogStorage1"));
        Assert.That(result.Detail, Does.StartWith($"{VNet}: refused by role (AuthorizationPermissionMismatch): the identity needs Storage Blob Data Reader"));
        Assert.That(result.Detail, Does.Not.Contain("firewall"));
    }

    [Test]
    public void AFirewallIsNamedAsAFirewallWithTheWayOut()
    {
        CheckResult result = FlowLogAccountCheck.Judge("nwlogsweu", "FlowLogStorage", [(VNet, new StorageAnswer(403, "AuthorizationFailure")), (Nsg, new StorageAnswer(403, "AuthorizationFailure"))]);
        Assert.That(result.Verdict, Is.EqualTo(CheckVerdict.Fail));
        Assert.That(result.Detail, Does.Contain("refused by the account's firewall, not by a role (AuthorizationFailure)"));
        Assert.That(result.Detail, Does.Contain("privateNetworking").And.Contain("private endpoint").And.Contain("Flow-log accounts behind a firewall"), "the way out");
        Assert.That(result.Detail, Does.Not.Contain("Storage Blob Data Reader"));
    }

    [Test]
    public void OneContainerNotThereYetPassesBothMissingWarns()
    {
        CheckResult one = FlowLogAccountCheck.Judge("a", "FlowLogStorage", [(VNet, new StorageAnswer(200)), (Nsg, new StorageAnswer(404, "ContainerNotFound"))]);
        CheckResult both = FlowLogAccountCheck.Judge("a", "FlowLogStorage", [(VNet, new StorageAnswer(404, "ContainerNotFound")), (Nsg, new StorageAnswer(404, "ContainerNotFound"))]);
        Assert.That(one.Verdict, Is.EqualTo(CheckVerdict.Pass));
        Assert.That(one.Detail, Does.Contain($"{Nsg} not there yet"));
        Assert.That(both.Verdict, Is.EqualTo(CheckVerdict.Warn));
        Assert.That(both.Detail, Does.Contain("is this the account Network Watcher writes the flow logs to?"));
    }

    [TestCase("Unreachable", "connection refused", "no answer (connection refused)")]
    [TestCase("NotConfigured", "storage connection 'FlowLogStorage' is not configured: set …", "storage connection 'FlowLogStorage' is not configured")]
    [TestCase("NoIdentity", "CredentialUnavailableException", "no identity could sign in")]
    public void NoAnswerSaysWhy(string fault, string message, string said)
    {
        StorageAnswer answer = StorageAnswer.Without(Enum.Parse<StorageFault>(fault), message);
        CheckResult result = FlowLogAccountCheck.Judge(null, "FlowLogStorage", [(VNet, answer), (Nsg, answer)]);
        Assert.That(result.Verdict, Is.EqualTo(CheckVerdict.Fail));
        Assert.That(result.Target, Is.EqualTo("FlowLogStorage"), "an account not known by name is shown by its connection");
        Assert.That(result.Detail, Does.Contain(said));
    }

    [TestCase("KeyBasedAuthenticationNotPermitted", "allows no shared key")]
    [TestCase("AuthenticationFailed", "credentials were refused")]
    [TestCase("SomethingElse", "answered 403 (SomethingElse)")]
    public void OtherRefusalsAreNamedByTheirCode(string code, string said)
        => Assert.That(StorageRefusals.Explain(new StorageAnswer(403, code), "x", "a role"), Does.Contain(said));

    [Test]
    public void TheAppAccountPassesWithEveryResourceReadable()
    {
        CheckResult result = AppAccountCheck.Judge("app", "AzureWebJobsStorage", Resources(queue: new StorageAnswer(200, Count: 3)));
        Assert.That(result.Verdict, Is.EqualTo(CheckVerdict.Pass));
        Assert.That(result.Detail, Is.EqualTo("checkpoint table flowlogcheckpoints, replay table flowlogreplay, dead-letter container flowlogs-deadletter, events queue flowlog-events reachable and readable; 3 messages in the events queue"));
    }

    [Test]
    public void AMissingQueueOrARefusedTableFailsTheAppAccountNamingItsConnection()
    {
        CheckResult missing = AppAccountCheck.Judge("app", "AzureWebJobsStorage", Resources(queue: new StorageAnswer(404, "QueueNotFound")));
        CheckResult refused = AppAccountCheck.Judge("app", "AzureWebJobsStorage", Resources(table: new StorageAnswer(403, "AuthorizationPermissionMismatch")));
        Assert.That(missing.Verdict, Is.EqualTo(CheckVerdict.Fail));
        Assert.That(missing.Setting, Is.EqualTo("AzureWebJobsStorage"));
        Assert.That(missing.Detail, Is.EqualTo("events queue flowlog-events: does not exist (QueueNotFound); the app creates what is missing at start (and flowlogs ingest does), the template at deployment"));
        Assert.That(refused.Detail, Does.StartWith("checkpoint table flowlogcheckpoints: refused by role (AuthorizationPermissionMismatch): the identity needs Storage Table Data Contributor"));
    }

    private static AppResource[] Resources(StorageAnswer? table = null, StorageAnswer? queue = null) =>
    [
        new("checkpoint table", "flowlogcheckpoints", table ?? new StorageAnswer(200)),
        new("replay table", "flowlogreplay", new StorageAnswer(200)),
        new("dead-letter container", "flowlogs-deadletter", new StorageAnswer(200)),
        new("events queue", "flowlog-events", queue ?? new StorageAnswer(200, Count: 0)),
    ];
}
