
namespace FlowLogs.Parsing;

/// <summary>
/// One flow-log record (one NIC, one minute) with its tuples. Its text lives in a reusable arena, so an instance is
/// valid only until the <see cref="FlowLogReader"/> that produced it reads the next record.
/// </summary>
public sealed class FlowRecord : IDisposable
{
    private static long s_generations;
    private byte[] _arena;
    private int _arenaLength;
    private FlowTuple[] _tuples;
    private int _tupleCount;

    /// <summary>Creates an empty record with pooled storage.</summary>
    public FlowRecord()
    {
        _arena = GrowingArrays.Rent<byte>(16 * 1024);
        _tuples = GrowingArrays.Rent<FlowTuple>(256);
    }

    /// <summary>The input the record was read from (blob name or file) and its identity hash.</summary>
    internal FlowLogSource Source { get; set; } = FlowLogSource.Anonymous;

    /// <summary>The name of the input the record was read from (blob name or file), as given to the reader.</summary>
    public string SourceName => Source.Name;

    /// <summary>NSG or VNet.</summary>
    public FlowLogKind Kind { get; internal set; }

    /// <summary>Position of the record among the records of this input, from 0.</summary>
    public int Index { get; internal set; }

    /// <summary>Byte offset of the record's opening brace in the whole blob (input offset plus the source's base offset).</summary>
    public long Offset { get; internal set; }

    /// <summary>Length of the record in bytes.</summary>
    public int Length { get; internal set; }

    /// <summary>NSG <c>properties.Version</c> (1 or 2) or VNet <c>flowLogVersion</c>; 0 when absent.</summary>
    public int Version { get; internal set; }

    /// <summary><c>time</c> as written.</summary>
    public Utf8Slice Time { get; internal set; }

    /// <summary><c>time</c> normalised to UTC ISO 8601 with 7 fractional digits.</summary>
    public Utf8Slice TimeUtc { get; internal set; }

    /// <summary><c>macAddress</c>.</summary>
    public Utf8Slice MacAddress { get; internal set; }

    /// <summary><c>category</c>.</summary>
    public Utf8Slice Category { get; internal set; }

    /// <summary><c>operationName</c>.</summary>
    public Utf8Slice OperationName { get; internal set; }

    /// <summary>NSG <c>resourceId</c>: the network security group.</summary>
    public Utf8Slice ResourceId { get; internal set; }

    /// <summary>NSG <c>systemId</c>.</summary>
    public Utf8Slice SystemId { get; internal set; }

    /// <summary>VNet <c>flowLogGUID</c>.</summary>
    public Utf8Slice FlowLogGuid { get; internal set; }

    /// <summary>VNet <c>flowLogResourceID</c>, or <c>resourceId</c> when a VNet record names it so.</summary>
    public Utf8Slice FlowLogResourceId { get; internal set; }

    /// <summary>VNet <c>targetResourceID</c>: the VNet, subnet or NIC the flow log watches.</summary>
    public Utf8Slice TargetResourceId { get; internal set; }

    /// <summary>The subscription id taken from the resource ids, lower case.</summary>
    public Utf8Slice SubscriptionId { get; internal set; }

    /// <summary>The valid tuples of this record, in the order Azure wrote them.</summary>
    public ReadOnlySpan<FlowTuple> Tuples => _tuples.AsSpan(0, _tupleCount);

    /// <summary>The bytes of a slice of this record.</summary>
    public ReadOnlySpan<byte> this[Utf8Slice slice] => slice.IsPresent ? _arena.AsSpan(slice.Start, slice.Length) : default;

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_arena.Length > 0)
        {
            GrowingArrays.Return(_arena);
            GrowingArrays.Return(_tuples);
            _arena = [];
            _tuples = [];
        }
    }

    /// <summary>Changes every time the instance is filled again, so per-record caches know when to rebuild.</summary>
    internal long Generation { get; private set; }

    internal void Reset()
    {
        Generation = Interlocked.Increment(ref s_generations);
        _arenaLength = 0;
        _tupleCount = 0;
        TuplesSeen = 0;
        Kind = FlowLogKind.Unknown;
        Version = 0;
        Time = TimeUtc = MacAddress = Category = OperationName = ResourceId = SystemId = Utf8Slice.Absent;
        FlowLogGuid = FlowLogResourceId = TargetResourceId = SubscriptionId = Utf8Slice.Absent;
    }

    internal Utf8Slice Append(ReadOnlySpan<byte> bytes)
    {
        Span<byte> destination = Reserve(bytes.Length);
        bytes.CopyTo(destination);
        return Commit(bytes.Length);
    }

    /// <summary>Returns space for at least <paramref name="length"/> bytes at the arena's end; <see cref="Commit"/> claims them.</summary>
    internal Span<byte> Reserve(int length)
    {
        if (_arenaLength + length > _arena.Length)
        {
            byte[] larger = GrowingArrays.Rent<byte>(Math.Max(_arena.Length * 2, _arenaLength + length));
            _arena.AsSpan(0, _arenaLength).CopyTo(larger);
            GrowingArrays.Return(_arena);
            _arena = larger;
        }

        return _arena.AsSpan(_arenaLength, length);
    }

    internal Utf8Slice Commit(int length)
    {
        var slice = new Utf8Slice(_arenaLength, length);
        _arenaLength += length;
        return slice;
    }

    internal ref FlowTuple AddTuple()
    {
        if (_tupleCount == _tuples.Length)
        {
            FlowTuple[] larger = GrowingArrays.Rent<FlowTuple>(_tuples.Length * 2);
            _tuples.AsSpan(0, _tupleCount).CopyTo(larger);
            GrowingArrays.Return(_tuples);
            _tuples = larger;
        }

        return ref _tuples[_tupleCount++];
    }

    /// <summary>Tuples in the record, valid or not.</summary>
    internal int TuplesSeen { get; set; }

    internal Span<FlowTuple> AllTuples => _tuples.AsSpan(0, _tupleCount);

    internal void TruncateTuples(int count) => _tupleCount = count;
}
