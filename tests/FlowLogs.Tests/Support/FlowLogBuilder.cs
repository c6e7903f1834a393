using System.Text.Json.Nodes;

namespace FlowLogs.Tests.Support;

/// <summary>Builds flow-log records and documents the way Azure writes them.</summary>
internal static class FlowLogBuilder
{
    public const string Subscription = "13C8046C-DB72-4C35-9D71-60667ED9E869";

    public static JsonObject VNetRecord(string time, string mac, string guid, params (string AclId, string Rule, string[] Tuples)[] groups)
    {
        var flows = new JsonArray();
        foreach (var byAcl in groups.GroupBy(g => g.AclId))
        {
            var flowGroups = new JsonArray();
            foreach (var group in byAcl)
            {
                flowGroups.Add(new JsonObject { ["rule"] = group.Rule, ["flowTuples"] = new JsonArray([.. group.Tuples.Select(t => (JsonNode)t)]) });
            }

            flows.Add(new JsonObject { ["aclID"] = byAcl.Key, ["flowGroups"] = flowGroups });
        }

        return new JsonObject
        {
            ["time"] = time,
            ["flowLogVersion"] = 4,
            ["flowLogGUID"] = guid,
            ["macAddress"] = mac,
            ["category"] = "FlowLogFlowEvent",
            ["flowLogResourceID"] = $"/SUBSCRIPTIONS/{Subscription}/RESOURCEGROUPS/NETWORKWATCHERRG/PROVIDERS/MICROSOFT.NETWORK/NETWORKWATCHERS/NETWORKWATCHER_WESTEUROPE/FLOWLOGS/FL1",
            ["targetResourceID"] = $"/subscriptions/{Subscription.ToLowerInvariant()}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet1",
            ["operationName"] = "FlowLogFlowEvent",
            ["flowRecords"] = new JsonObject { ["flows"] = flows },
        };
    }

    public static JsonObject NsgRecord(string time, int version, string resourceId, string mac, params (string Rule, string[] Tuples)[] rules)
    {
        var flows = new JsonArray();
        foreach (var (rule, tuples) in rules)
        {
            flows.Add(new JsonObject
            {
                ["rule"] = rule,
                ["flows"] = new JsonArray(new JsonObject { ["mac"] = mac, ["flowTuples"] = new JsonArray([.. tuples.Select(t => (JsonNode)t)]) }),
            });
        }

        return new JsonObject
        {
            ["time"] = time,
            ["systemId"] = "66aa66aa-bb77-cc88-dd99-00ee00ee00ee",
            ["macAddress"] = mac,
            ["category"] = "NetworkSecurityGroupFlowEvent",
            ["resourceId"] = resourceId,
            ["operationName"] = "NetworkSecurityGroupFlowEvents",
            ["properties"] = new JsonObject { ["Version"] = version, ["flows"] = flows },
        };
    }

    /// <summary>A whole PT1H.json: head block, records separated by commas, tail block.</summary>
    public static string Document(params JsonObject[] records) => "{\"records\":[" + DeltaOf(leadingComma: false, records) + "]}";

    /// <summary>A block delta: records as Azure appends them, each later block starting with a comma.</summary>
    public static string DeltaOf(bool leadingComma, params JsonObject[] records)
        => (leadingComma ? "," : string.Empty) + string.Join(",", records.Select(r => r.ToJsonString()));

    public static string VNetTuple(long ms = 1663146003599, string src = "10.0.0.6", string dst = "52.239.184.180", int sport = 23956, int dport = 443, int proto = 6, char dir = 'O', char state = 'E', string enc = "NX", string counters = "3,767,2,1580")
        => $"{ms},{src},{dst},{sport},{dport},{proto},{dir},{state},{enc},{counters}";

    public static JsonObject SimpleVNet(params string[] tuples)
        => VNetRecord("2022-09-14T09:00:52.5625085Z", "00224871C205", "abcdef01-2345-6789-0abc-def012345678", ("acl-1", "DefaultRule_AllowInternetOutBound", tuples));

    public static JsonObject SimpleNsg(int version, params string[] tuples)
        => NsgRecord("2018-11-13T12:00:35.3899262Z", version, $"/SUBSCRIPTIONS/{Subscription}/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/NSG1", "000D3AF87856", ("DefaultRule_AllowInternetOutBound", tuples));
}
