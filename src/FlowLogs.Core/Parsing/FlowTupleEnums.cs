namespace FlowLogs.Parsing;

/// <summary>Direction of a flow as seen by the NIC: tuple field 7.</summary>
public enum FlowDirection : byte
{
    /// <summary><c>I</c>: traffic into the NIC.</summary>
    Inbound = 1,

    /// <summary><c>O</c>: traffic out of the NIC.</summary>
    Outbound = 2,
}

/// <summary>Whether the flow was allowed or denied.</summary>
public enum FlowDecision : byte
{
    /// <summary>NSG <c>A</c>, or a VNet state other than <c>D</c>.</summary>
    Allowed = 1,

    /// <summary>NSG <c>D</c>, or VNet state <c>D</c>.</summary>
    Denied = 2,
}

/// <summary>The flow state of NSG v2 and VNet tuples.</summary>
public enum FlowState : byte
{
    /// <summary>NSG v1 tuples carry no state.</summary>
    None = 0,

    /// <summary><c>B</c>: the flow began.</summary>
    Begin = 1,

    /// <summary><c>C</c>: the flow goes on; counters since the last tuple (every 5 minutes).</summary>
    Continuing = 2,

    /// <summary><c>E</c>: the flow ended.</summary>
    End = 3,

    /// <summary><c>D</c> (VNet only): the flow was denied.</summary>
    Denied = 4,
}
