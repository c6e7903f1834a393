using System.Net.Http;
using Azure.Core.Pipeline;
using FlowLogs.BlobSource;
using FlowLogs.Parsing;
using FlowLogs.Testing;
using FlowLogs.WorkerHost;

namespace FlowLogs.Functions.Tests;

[Category("Azurite")]
public class IdentityConnectionTests
{
    [Test]
    public async Task IdentityStyleConnectionSettingsAreAcceptedByTheTriggersBlobClientBindingAndThePipelinesOwnClients()
    {
        const string Key = "identity-test-key";
        string clientId = Guid.NewGuid().ToString();
        using var tls = new AzuriteTls();
        await using HttpsAzuriteServer storage = await HttpsAzuriteServer.StartAsync(tls);
        await using ManagedIdentityEndpoint identity = await ManagedIdentityEndpoint.StartAsync();
        await using LoopbackIntake intake = await LoopbackIntake.StartAsync(Key);
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, certificate, _, _) => tls.Validate(certificate) };
        Scenario scenario = Scenario.Create(storage.ConnectionString, seed: 31, new HttpClientTransport(handler));

        // Both connections by identity, as infra/main.bicep sets them: no connection string, no key anywhere.
        Dictionary<string, string?> settings = AppSettings.For(storage.ConnectionString, intake, Key);
        settings.Remove("FlowLogStorage");
        settings.Remove("AzureWebJobsStorage");
        settings["FlowLogStorage__blobServiceUri"] = storage.BlobServiceUri.ToString();
        settings["FlowLogStorage__queueServiceUri"] = storage.QueueServiceUri.ToString();
        settings["FlowLogStorage__credential"] = "managedidentity";
        settings["FlowLogStorage__clientId"] = clientId;
        settings["AzureWebJobsStorage__blobServiceUri"] = storage.BlobServiceUri.ToString();
        settings["AzureWebJobsStorage__tableServiceUri"] = storage.TableServiceUri.ToString();
        settings["AzureWebJobsStorage__queueServiceUri"] = storage.QueueServiceUri.ToString();
        settings["AzureWebJobsStorage__credential"] = "managedidentity";
        settings["AzureWebJobsStorage__clientId"] = clientId;

        // What App Service gives a process with a managed identity, here on loopback; and trust in Azurite's certificate.
        settings["IDENTITY_ENDPOINT"] = identity.Endpoint.ToString();
        settings["IDENTITY_HEADER"] = identity.Header;
        settings["SSL_CERT_FILE"] = tls.CertificatePemPath;

        await using WorkerProtocolHost worker = await WorkerProtocolHost.StartAsync(FunctionsApp.BuildDirectory, settings, CancellationToken.None);
        DateTimeOffset hour = new(2031, 7, 8, 9, 0, 0, TimeSpan.Zero);
        FlowLogBlob blob = await scenario.Simulator.AppendMinuteAsync(FlowLogKind.VirtualNetwork, scenario.Nic(0), hour, CancellationToken.None);
        await scenario.Simulator.AppendMinuteAsync(FlowLogKind.VirtualNetwork, scenario.Nic(0), hour.AddMinutes(1), CancellationToken.None);

        InvocationResult result = await worker.InvokeBlobTriggerAsync("VNetFlowLogs", blob.Name, CancellationToken.None);

        Assert.That(result.Succeeded, Is.True, result.Exception);
        Assert.That(Scenario.EventIds(intake, blob), Has.Count.EqualTo(scenario.Tuples(blob)).And.Count.EqualTo(24).And.Unique);
        Assert.That((await scenario.Checkpoints.GetAsync(blob.FullName, CancellationToken.None))!.Value.EventsDelivered, Is.EqualTo(24), "the checkpoint table was written by identity");
        Assert.That(identity.Requests, Is.Not.Empty, "the storage clients asked the managed identity for tokens");
        Assert.That(identity.Requests.Select(r => r.ClientId), Is.All.EqualTo(clientId), "the user-assigned identity named by __clientId");
        Assert.That(identity.Requests.Select(r => r.Resource), Is.All.StartsWith("https://storage.azure.com"));
    }

    [Test]
    public async Task WithoutABlobEndpointTheAppRefusesToStartNamingTheSetting()
    {
        // The negative control of the test above: the settings really are read. __serviceUri is what some other
        // bindings read; the blob connection wants __blobServiceUri (or __accountName), and the worker checks every
        // flow-log account's connection at start rather than failing each event later.
        const string Key = "identity-negative-key";
        Scenario scenario = Scenario.Create(seed: 32);
        await using LoopbackIntake intake = await LoopbackIntake.StartAsync(Key);
        Dictionary<string, string?> settings = AppSettings.For(scenario.Storage, intake, Key);
        settings.Remove("FlowLogStorage");
        settings["FlowLogStorage__serviceUri"] = $"http://127.0.0.1:{AzuriteFixture.Server.BlobPort}/devstoreaccount1";

        // The check runs with the host's start-up work, beside the worker's own channel: the worker may fail before it
        // has connected, or just after; either way it stops, saying which setting to set.
        const string Named = "storage connection 'FlowLogStorage' is not configured";
        string said;
        try
        {
            await using WorkerProtocolHost worker = await WorkerProtocolHost.StartAsync(FunctionsApp.BuildDirectory, settings, CancellationToken.None);
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (!worker.ProcessOutput.Any(l => l.Contains(Named, StringComparison.Ordinal)) && !patience.IsCancellationRequested)
            {
                await Task.Delay(100, CancellationToken.None);
            }

            said = string.Join('\n', worker.ProcessOutput);
        }
        catch (WorkerStartException error)
        {
            said = error.Message + "\n" + error.Output;
        }

        Assert.That(said, Does.Contain(Named).And.Contain("FlowLogStorage__blobServiceUri"));
        Assert.That(intake.Events, Is.Empty);
    }
}
