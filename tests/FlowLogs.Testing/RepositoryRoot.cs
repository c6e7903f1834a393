namespace FlowLogs.Testing;

/// <summary>Finds the repository's root folder (the one with FlowLogFunctions.sln and package.json).</summary>
public static class RepositoryRoot
{
    /// <summary>The root, searched upwards from the running assembly.</summary>
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "FlowLogFunctions.sln")) && File.Exists(System.IO.Path.Combine(directory.FullName, "package.json")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"no folder above {AppContext.BaseDirectory} holds FlowLogFunctions.sln and package.json");
    }
}
