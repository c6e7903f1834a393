using FlowLogs.Testing;

namespace FlowLogs.Functions.Tests;

/// <summary>One Azurite for every test of this assembly; each test uses its own subscription id, intake and worker.</summary>
[SetUpFixture]
public sealed class AzuriteFixture
{
    private static AzuriteServer? s_server;

    public static AzuriteServer Server => s_server ?? throw new InvalidOperationException("Azurite is not running");

    [OneTimeSetUp]
    public async Task StartAsync() => s_server = await AzuriteServer.StartAsync();

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (s_server is not null)
        {
            await s_server.DisposeAsync();
        }
    }
}
