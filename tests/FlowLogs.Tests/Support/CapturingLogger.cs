using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace FlowLogs.Tests.Support;

/// <summary>A logger that keeps every line, to assert on what operators would read.</summary>
internal sealed class CapturingLogger<T> : ILogger<T>
{
    private readonly ConcurrentQueue<(LogLevel Level, string Message)> _lines = new();

    public IReadOnlyCollection<(LogLevel Level, string Message)> Lines => _lines;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        => _lines.Enqueue((logLevel, formatter(state, exception)));
}
