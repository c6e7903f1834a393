using System.Reflection;
using FlowLogs.Testing;

namespace FlowLogs.WorkerHost;

/// <summary>Where the built FlowLogs.Functions app is: the folder the Functions host would start the worker in.</summary>
public static class FunctionsApp
{
    /// <summary>The app's assembly, started with <c>dotnet</c> as its worker.config.json says.</summary>
    public const string AssemblyFile = "FlowLogs.Functions.dll";

    /// <summary>
    /// The app built with this project (same configuration): the ProjectReference builds it first, so a clean clone
    /// needs nothing else.
    /// </summary>
    public static string BuildDirectory { get; } = Path.Combine(
        RepositoryRoot.Path, "src", "FlowLogs.Functions", "bin",
        typeof(FunctionsApp).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "FunctionsConfiguration").Value!,
        "net10.0");

    /// <summary>functions.metadata, the bindings the build wrote for the host.</summary>
    public static string MetadataFile(string appDirectory) => Path.Combine(appDirectory, "functions.metadata");
}
