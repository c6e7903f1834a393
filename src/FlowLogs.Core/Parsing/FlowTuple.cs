namespace FlowLogs.Parsing;

// Fields rather than properties: the parser fills them by reference and the ECS writer reads them in a tight loop.
#pragma warning disable CA1051

/// <summary>One flow tuple, parsed and validated, with its text kept in the owning <see cref="FlowRecord"/>'s arena.</summary>
public struct FlowTuple
{
    /// <summary>Position of the tuple within its record, counting every tuple of every group from 0.</summary>
    public int Ordinal;

    /// <summary>Byte offset of the tuple's JSON string within its record.</summary>
    public int OffsetInRecord;

    /// <summary>The tuple exactly as Azure wrote it (unescaped).</summary>
    public Utf8Slice Text;

    /// <summary>The rule that matched (NSG <c>flows[].rule</c>, VNet <c>flowGroups[].rule</c>).</summary>
    public Utf8Slice Rule;

    /// <summary>VNet <c>flows[].aclID</c>; absent for NSG tuples.</summary>
    public Utf8Slice AclId;

    /// <summary>NSG <c>flows[].flows[].mac</c>; absent for VNet tuples.</summary>
    public Utf8Slice Mac;

    /// <summary>Field 1 as written: epoch seconds (NSG) or milliseconds (VNet).</summary>
    public long RawTimestamp;

    /// <summary>Field 1 in Unix epoch milliseconds, whichever unit it was written in.</summary>
    public long TimestampMilliseconds;

    /// <summary>Field 2 as written.</summary>
    public Utf8Slice SourceIP;

    /// <summary>Field 3 as written.</summary>
    public Utf8Slice DestinationIP;

    /// <summary>Field 2 as bytes.</summary>
    internal IPAddressBytes SourceAddress;

    /// <summary>Field 3 as bytes.</summary>
    internal IPAddressBytes DestinationAddress;

    /// <summary>Field 4.</summary>
    public ushort SourcePort;

    /// <summary>Field 5.</summary>
    public ushort DestinationPort;

    /// <summary>Field 6 as an IANA protocol number (NSG <c>T</c> is 6, <c>U</c> is 17).</summary>
    public byte Protocol;

    /// <summary>Field 7.</summary>
    public FlowDirection Direction;

    /// <summary>NSG field 8, or derived from the VNet state (<c>D</c> is denied).</summary>
    public FlowDecision Decision;

    /// <summary>NSG v2 field 9 or VNet field 8.</summary>
    public FlowState State;

    /// <summary>VNet field 9 (<c>X</c>, <c>NX</c>, <c>NX_…</c>); absent for NSG tuples.</summary>
    public Utf8Slice Encryption;

    /// <summary>Whether any of the four counters was written (they are empty in begin and deny tuples).</summary>
    public bool HasCounters;

    /// <summary>Whether each counter field was empty, bit 0 for field 10 up to bit 3 for field 13.</summary>
    public byte EmptyCounterMask;

    /// <summary>Packets source to destination (field 10); 0 when empty.</summary>
    public long PacketsSent;

    /// <summary>Bytes source to destination (field 11); 0 when empty.</summary>
    public long BytesSent;

    /// <summary>Packets destination to source (field 12); 0 when empty.</summary>
    public long PacketsReceived;

    /// <summary>Bytes destination to source (field 13); 0 when empty.</summary>
    public long BytesReceived;

    /// <summary>Set while parsing when the JSON value was not a string; such a tuple is reported, never returned.</summary>
    internal bool IsNotString;
}
#pragma warning restore CA1051
