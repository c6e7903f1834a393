using System.Collections.Concurrent;
using FlowLogs.BlobSource;
using FlowLogs.DeadLetters;
using FlowLogs.Parsing;
using FlowLogs.Sinks;

namespace FlowLogs.Tests.Support;

/// <summary>A dead-letter store in memory, for tests that need no storage.</summary>
internal sealed class MemoryDeadLetterStore : IDeadLetterStore
{
    public ConcurrentQueue<(string Source, long Start, long End, int Length, string Reason)> Events { get; } = new();

    public ConcurrentQueue<(string Blob, ParseIssue Issue)> Issues { get; } = new();

    public int Writes { get; private set; }

    public Task WriteAsync(FlowLogBlob blob, IReadOnlyList<ParseIssue> issues, CancellationToken cancellationToken)
    {
        Writes++;
        foreach (ParseIssue issue in issues)
        {
            Issues.Enqueue((blob.FullName, issue));
        }

        return Task.CompletedTask;
    }

    public Task WriteRefusedAsync(EventBatch batch, IReadOnlyList<RefusedEvent> refused, CancellationToken cancellationToken)
    {
        foreach (RefusedEvent e in refused)
        {
            Events.Enqueue((batch.Source, batch.Start, batch.End, batch.JsonLength(e.Index), e.Reason));
        }

        return Task.CompletedTask;
    }
}
