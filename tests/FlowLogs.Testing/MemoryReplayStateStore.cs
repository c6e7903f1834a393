using FlowLogs.Clock;
using FlowLogs.Replay;

namespace FlowLogs.Testing;

/// <summary>
/// The replay's state in memory, as the table keeps it: an upsert replaces, reads see the last write. The contract tests
/// run against this and Azurite alike.
/// </summary>
internal sealed class MemoryReplayStateStore(TimeProvider? service = null) : IReplayStateStore
{
    private readonly TimeProvider _service = service ?? TimeProvider.System;
    private readonly Lock _lock = new();
    private readonly List<ResourcePrefix> _prefixes = [];
    private readonly Dictionary<string, AccountWalk> _walks = new(StringComparer.Ordinal);
    private readonly Dictionary<DateTimeOffset, Dictionary<string, HourMark>> _marks = [];
    private ReplayRunState? _run;

    /// <summary>Called before every write: throw from it to simulate an unreachable table.</summary>
    public Action<string>? BeforeWrite { get; set; }

    /// <summary>The clock every answer sets with the service's time (in whole seconds), as the table client's Date header does.</summary>
    public StorageClock? Clock { get; set; }

    /// <inheritdoc/>
    public Task<IReadOnlyList<ResourcePrefix>> GetPrefixesAsync(CancellationToken cancellationToken)
    {
        Answer();
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<ResourcePrefix>>([.. _prefixes]);
        }
    }

    /// <inheritdoc/>
    public Task AddPrefixAsync(ResourcePrefix prefix, CancellationToken cancellationToken)
    {
        Answer();
        BeforeWrite?.Invoke(prefix.Key);
        lock (_lock)
        {
            if (!_prefixes.Contains(prefix))
            {
                _prefixes.Add(prefix);
            }
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<AccountWalk>> GetWalksAsync(CancellationToken cancellationToken)
    {
        Answer();
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<AccountWalk>>([.. _walks.Values]);
        }
    }

    /// <inheritdoc/>
    public Task SaveWalkAsync(AccountWalk walk, CancellationToken cancellationToken)
    {
        Answer();
        ArgumentNullException.ThrowIfNull(walk);
        BeforeWrite?.Invoke(walk.Account);
        lock (_lock)
        {
            _walks[walk.Account] = walk;
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task<IReadOnlyDictionary<string, HourMark>> GetHourMarksAsync(DateTimeOffset hour, CancellationToken cancellationToken)
    {
        Answer();
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyDictionary<string, HourMark>>(_marks.TryGetValue(hour, out Dictionary<string, HourMark>? marks)
                ? new Dictionary<string, HourMark>(marks, StringComparer.Ordinal)
                : new Dictionary<string, HourMark>(StringComparer.Ordinal));
        }
    }

    /// <inheritdoc/>
    public Task MarkHourAsync(DateTimeOffset hour, ResourcePrefix prefix, HourMark mark, CancellationToken cancellationToken)
    {
        Answer();
        BeforeWrite?.Invoke(prefix.Key);
        lock (_lock)
        {
            if (!_marks.TryGetValue(hour, out Dictionary<string, HourMark>? marks))
            {
                _marks[hour] = marks = new Dictionary<string, HourMark>(StringComparer.Ordinal);
            }

            marks[prefix.Key] = mark;
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task<ReplayRunState?> GetRunStateAsync(CancellationToken cancellationToken)
    {
        Answer();
        lock (_lock)
        {
            return Task.FromResult(_run);
        }
    }

    /// <inheritdoc/>
    public Task SaveRunStateAsync(ReplayRunState state, CancellationToken cancellationToken)
    {
        Answer();
        BeforeWrite?.Invoke("run");
        lock (_lock)
        {
            _run = state;
        }

        return Task.CompletedTask;
    }

    private void Answer() => DateHeader.Tell(Clock, _service);
}
