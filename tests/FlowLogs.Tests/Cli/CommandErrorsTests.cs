using System.Net.Sockets;
using Azure;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Blobs;
using FlowLogs.Cli;
using FlowLogs.Hosting;
using FlowLogs.Tests.Support;
using Microsoft.Extensions.Options;

namespace FlowLogs.Tests.Cli;

/// <summary>Every command fails the same way: one line on stderr naming what to fix, never a secret, exit code 2.</summary>
public class CommandErrorsTests
{
    private const string Key = "c2VjcmV0LWtleS12YWx1ZQ==";
    private const string Accounts = "storage (--storage or --state-storage)";

    [Test]
    public async Task AConnectionStringGivenWithoutStorageIsCountedNotEchoed()
    {
        (int exit, _, string stderr) = await CliRun.RunAsync("ingest", $"AccountName=x;AccountKey={Key}");

        Assert.That(exit, Is.EqualTo(ExitCodes.Failure));
        Assert.That(stderr, Does.Not.Contain("c2VjcmV0"));
        Assert.That(stderr, Is.EqualTo("flowlogs ingest: 1 argument not understood (not shown: a key goes in an environment variable, a connection string after --storage); Option '--storage' is required. (see flowlogs ingest --help)" + Environment.NewLine));
    }

    [Test]
    public async Task AParseErrorOfASubcommandNamesItsWholePathOnOneLine()
    {
        (int exit, _, string stderr) = await CliRun.RunAsync("dead-letters", "redrive", "--storage", "UseDevelopmentStorage=true", "--sink", "kafka");

        Assert.That(exit, Is.EqualTo(ExitCodes.Failure));
        Assert.That(stderr, Does.StartWith("flowlogs dead-letters redrive: Argument 'kafka' not recognized. Must be one of: 'ndjson' 'stdout' 'sekoia'"));
        Assert.That(stderr.TrimEnd().Split(Environment.NewLine), Has.Length.EqualTo(1));
    }

    [TestCase("status", "--hours", "0", "--hours takes 1 to 744")]
    [TestCase("status", "--count", "-1", "--count takes 0 or more")]
    [TestCase("check", "--unread-after", "0s", "--unread-after takes at least 1s")]
    [TestCase("simulate", "--nics", "0", "--nics takes at least 1")]
    [TestCase("parse", "--base-offset", "-1", "--base-offset takes 0 or more")]
    public async Task AValueOutsideItsLimitsIsAParseErrorNamingTheOption(string command, string option, string value, string said)
    {
        string[] args = command switch
        {
            "simulate" => [command, "--storage", "UseDevelopmentStorage=true", option, value],
            "parse" => [command, "-", option, value],
            _ => [command, option, value],
        };
        (int exit, string stdout, string stderr) = await CliRun.RunAsync(args);

        Assert.That(exit, Is.EqualTo(ExitCodes.Failure));
        Assert.That(stdout, Is.Empty);
        Assert.That(stderr, Is.EqualTo($"flowlogs {command}: {said} (see flowlogs {command} --help){Environment.NewLine}"));
    }

    // A connection string the clients cannot parse fails before any request: each command says so on one line, keyless.
    [TestCase("status", "")]
    [TestCase("ingest", "--once")]
    [TestCase("dead-letters list", "")]
    [TestCase("simulate", "--minutes 1")]
    [TestCase("check", "--sink ndjson")]
    public async Task ABadConnectionStringFailsOnOneLineWithoutTheKey(string command, string more)
    {
        string[] args = [.. command.Split(' '), .. more.Split(' ', StringSplitOptions.RemoveEmptyEntries), "--storage", $"AccountName=x;AccountKey={Key};Nonsense"];
        (int exit, string stdout, string stderr) = await CliRun.RunAsync(args);

        Assert.That(exit, Is.EqualTo(ExitCodes.Failure), stderr);
        Assert.That(stdout + stderr, Does.Not.Contain("c2VjcmV0"));
        Assert.That(stderr, Does.StartWith($"flowlogs {command}: storage (--storage").And.Contain("not a valid storage connection string"));
        Assert.That(stderr.TrimEnd().Split(Environment.NewLine), Has.Length.EqualTo(1));
    }

    [Test]
    public void TheClientsOwnWordsAboutAConnectionStringAreNeverShown()
    {
        // The table client's parser names the piece it could not read: here, the key.
        Exception table = Assert.Catch(() => _ = new TableServiceClient($"AccountName=x;{Key}"))!;
        Exception blob = Assert.Catch(() => _ = new BlobServiceClient($"AccountName=x;{Key}"))!;
        Assume.That(table.Message, Does.Contain(Key), "the message this test guards against");

        Assert.Multiple(() =>
        {
            foreach (Exception ex in new[] { table, blob })
            {
                string? said = CommandErrors.Describe(ex, Accounts);
                Assert.That(said, Does.StartWith(Accounts + ": not a valid storage connection string or blob endpoint"), ex.GetType().Name);
                Assert.That(said, Does.Not.Contain(Key));
            }
        });
    }

    [Test]
    public void ARefusalIsNamedByItsStatusAndCodeNeverByItsMessage()
    {
        // The client's message holds the request's URL, and with it a SAS.
        var refused = new RequestFailedException(403, "https://a.blob.core.windows.net/c?sv=2024&sig=SECRETSIG Status: 403", "AuthorizationPermissionMismatch", null);
        var missing = new RequestFailedException(404, "https://a.table.core.windows.net/t?sig=SECRETSIG", "TableNotFound", null);

        string? role = CommandErrors.Describe(refused, Accounts);
        string? table = CommandErrors.Describe(missing, Accounts);

        Assert.That(role, Is.EqualTo(Accounts + ": refused by role (AuthorizationPermissionMismatch): the identity needs a Storage Blob, Table or Queue Data role (docs/operations.md says which) on it (role assignments can take minutes to apply)"));
        Assert.That(table, Is.EqualTo(Accounts + ": does not exist (TableNotFound)"));
    }

    [Test]
    public void NoAnswerSaysWhyFromTheInnermostException()
    {
        var refused = new RequestFailedException("Connection refused (127.0.0.1:1) https://a.blob.core.windows.net/?sig=SECRETSIG", new HttpRequestException("x", new SocketException((int)SocketError.ConnectionRefused)));
        var retried = new AggregateException("Retry failed after 6 tries.", refused, refused);

        Assert.That(CommandErrors.Describe(refused, Accounts), Is.EqualTo(Accounts + ": no answer (connection refused)"));
        Assert.That(CommandErrors.Describe(retried, Accounts), Is.EqualTo(Accounts + ": no answer (connection refused)"));
        Assert.That(CommandErrors.Describe(new CredentialUnavailableException("DefaultAzureCredential failed"), Accounts), Does.StartWith(Accounts + ": no identity could sign in (CredentialUnavailableException)"));
    }

    [Test]
    public void AConnectionNotConfiguredIsShownInTheAppsOwnWordsDecidedByItsType()
    {
        var ours = new StorageConnectionException("storage connection 'AzureWebJobsStorage' has no table endpoint: set 'AzureWebJobsStorage' to a connection string, or 'AzureWebJobsStorage__tableServiceUri' for a managed identity");
        // The same words in another exception are not trusted: status once chose what to print by a message's start.
        var lookalike = new InvalidOperationException($"storage connection 'x' is not configured: AccountKey={Key}");

        Assert.That(CommandErrors.Describe(ours, Accounts), Is.EqualTo(Accounts + ": " + ours.Message));
        Assert.That(CommandErrors.Describe(lookalike, Accounts), Is.Null, "a fault of the program, which keeps its stack trace");
    }

    [Test]
    public void SettingsThatFailValidationAreListedEvenWhenTheHostGatheredThem()
    {
        var key = new OptionsValidationException("Sekoia", typeof(object), ["FlowLogs:Sekoia:IntakeKey is empty"]);
        var url = new OptionsValidationException("Sekoia", typeof(object), ["FlowLogs:Sekoia:BaseUrl is not https"]);

        Assert.That(CommandErrors.Describe(new AggregateException(key, url, key), Accounts), Is.EqualTo("FlowLogs:Sekoia:IntakeKey is empty; FlowLogs:Sekoia:BaseUrl is not https"));
        Assert.That(CommandErrors.Describe(new CommandFailedException("no dead letter 'x'"), Accounts), Is.EqualTo("no dead letter 'x'"));
        Assert.That(CommandErrors.Describe(new KeyNotFoundException(), Accounts), Is.Null);
    }
}
