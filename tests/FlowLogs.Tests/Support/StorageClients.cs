using Azure.Core;
using FlowLogs.Hosting;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace FlowLogs.Tests.Support;

/// <summary>The pipeline's <see cref="StorageClientFactory"/> over some settings, with the SDK's component factory registered as the pipeline registers it.</summary>
internal static class StorageClients
{
    /// <summary>The component factory of <c>AddAzureClientsCore</c>, after <paramref name="configure"/> adds to the registration.</summary>
    public static AzureComponentFactory Components(Action<IServiceCollection>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddAzureClientsCore();
        configure?.Invoke(services);
        return services.BuildServiceProvider().GetRequiredService<AzureComponentFactory>();
    }

    /// <summary>The factory reading <paramref name="configuration"/>, through <paramref name="components"/> when given.</summary>
    public static StorageClientFactory Of(IConfiguration configuration, AzureComponentFactory? components = null) => new(configuration, components ?? Components());

    /// <summary>Settings as an app's configuration holds them (<c>:</c> between a connection and its keys).</summary>
    public static IConfiguration Settings(params (string Key, string Value)[] values)
        => new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();
}

/// <summary>The SDK's component factory, remembering the credential and options each client was made with.</summary>
internal sealed class RecordingComponentFactory(AzureComponentFactory inner) : AzureComponentFactory
{
    /// <summary>Each client made, in order: its type, the credential and the options it was given.</summary>
    public List<(Type Client, TokenCredential? Credential, object Options)> Made { get; } = [];

    public override TokenCredential CreateTokenCredential(IConfiguration configuration) => inner.CreateTokenCredential(configuration);

    public override object CreateClientOptions(Type optionsType, object serviceVersion, IConfiguration configuration)
        => inner.CreateClientOptions(optionsType, serviceVersion, configuration);

    public override object CreateClient(Type clientType, IConfiguration configuration, TokenCredential credential, object clientOptions)
    {
        Made.Add((clientType, credential, clientOptions));
        return inner.CreateClient(clientType, configuration, credential, clientOptions);
    }
}
