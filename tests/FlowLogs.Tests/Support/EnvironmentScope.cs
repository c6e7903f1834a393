namespace FlowLogs.Tests.Support;

/// <summary>
/// Environment variables set for one test and restored after it: how the <c>flowlogs</c> command is given its
/// secrets (never on a command line). The process's environment is shared, so tests using it are NonParallelizable.
/// </summary>
internal sealed class EnvironmentScope : IDisposable
{
    private readonly Dictionary<string, string?> _before = new(StringComparer.Ordinal);

    public EnvironmentScope(params (string Name, string? Value)[] variables)
    {
        foreach ((string name, string? value) in variables)
        {
            _before[name] = Environment.GetEnvironmentVariable(name);
            Environment.SetEnvironmentVariable(name, value);
        }
    }

    public void Dispose()
    {
        foreach ((string name, string? value) in _before)
        {
            Environment.SetEnvironmentVariable(name, value);
        }
    }
}
