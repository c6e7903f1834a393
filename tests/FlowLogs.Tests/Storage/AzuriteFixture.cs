using FlowLogs.Testing;

namespace FlowLogs.Tests.Storage;

/// <summary>One Azurite for every storage test of this namespace, started from the repository's npm lockfile.</summary>
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
