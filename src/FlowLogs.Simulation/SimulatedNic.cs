using System.Globalization;

namespace FlowLogs.Simulation;

/// <summary>A network interface whose flow logs the simulator writes: its identity and where its blobs go.</summary>
public sealed class SimulatedNic
{
    /// <summary>Creates the <paramref name="index"/>-th simulated NIC of a subscription.</summary>
    public SimulatedNic(int index, string subscriptionId = "00000000-0000-0000-0000-00000000f10e")
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        Index = index;
        SubscriptionId = subscriptionId;
        MacAddress = string.Create(CultureInfo.InvariantCulture, $"00224871{index:X4}");
        PrivateAddress = string.Create(CultureInfo.InvariantCulture, $"10.{(index >> 8) & 0xFF}.{index & 0xFF}.4");
        PrivateAddressV6 = string.Create(CultureInfo.InvariantCulture, $"fd00:10::{index:x}:4");
        string sub = subscriptionId.ToUpperInvariant();
        NsgResourceId = string.Create(CultureInfo.InvariantCulture, $"/SUBSCRIPTIONS/{sub}/RESOURCEGROUPS/SIM-RG/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/SIM-NSG-{index}");
        FlowLogResourceId = string.Create(CultureInfo.InvariantCulture, $"/SUBSCRIPTIONS/{sub}/RESOURCEGROUPS/NETWORKWATCHERRG/PROVIDERS/MICROSOFT.NETWORK/NETWORKWATCHERS/NETWORKWATCHER_WESTEUROPE/FLOWLOGS/SIM-FLOWLOG-{index}");
        TargetResourceId = string.Create(CultureInfo.InvariantCulture, $"/subscriptions/{subscriptionId}/resourceGroups/sim-rg/providers/Microsoft.Network/virtualNetworks/sim-vnet-{index}");
        FlowLogGuid = new Guid(index, 0x1234, 0x5678, 0x9a, 0xbc, 0xde, 0xf0, 0x12, 0x34, 0x56, 0x78).ToString();
    }

    /// <summary>Position of the NIC among the simulated ones.</summary>
    public int Index { get; }

    /// <summary>The subscription id.</summary>
    public string SubscriptionId { get; }

    /// <summary>The NIC's MAC as flow logs write it (12 hex digits).</summary>
    public string MacAddress { get; }

    /// <summary>The NIC's private IPv4 address.</summary>
    public string PrivateAddress { get; }

    /// <summary>The NIC's private IPv6 address.</summary>
    public string PrivateAddressV6 { get; }

    /// <summary>The NSG of the NIC (NSG flow logs).</summary>
    public string NsgResourceId { get; }

    /// <summary>The flow log resource (VNet flow logs).</summary>
    public string FlowLogResourceId { get; }

    /// <summary>The VNet the flow log watches.</summary>
    public string TargetResourceId { get; }

    /// <summary>The flow log's GUID.</summary>
    public string FlowLogGuid { get; }
}
