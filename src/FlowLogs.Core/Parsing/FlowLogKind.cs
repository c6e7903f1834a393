namespace FlowLogs.Parsing;

/// <summary>The two kinds of flow log that Azure Network Watcher writes.</summary>
public enum FlowLogKind : byte
{
    /// <summary>Not known yet (a record whose shape was not recognised).</summary>
    Unknown = 0,

    /// <summary>NSG flow logs (<c>properties.Version</c> 1 or 2), container <c>insights-logs-networksecuritygroupflowevent</c>.</summary>
    NetworkSecurityGroup = 1,

    /// <summary>VNet flow logs (<c>flowRecords</c>), container <c>insights-logs-flowlogflowevent</c>.</summary>
    VirtualNetwork = 2,
}
