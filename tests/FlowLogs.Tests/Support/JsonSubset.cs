using System.Text.Json.Nodes;

namespace FlowLogs.Tests.Support;

/// <summary>Asserts that every field of an expected JSON value is in the actual one with the same value.</summary>
internal static class JsonSubset
{
    /// <summary>Returns the paths where <paramref name="actual"/> misses or differs from <paramref name="expected"/>.</summary>
    public static List<string> Differences(JsonNode? expected, JsonNode? actual, IReadOnlySet<string> excluded, string path = "")
    {
        var differences = new List<string>();
        Compare(expected, actual, excluded, path, differences);
        return differences;
    }

    private static void Compare(JsonNode? expected, JsonNode? actual, IReadOnlySet<string> excluded, string path, List<string> differences)
    {
        if (excluded.Contains(path))
        {
            return;
        }

        switch (expected)
        {
            case JsonObject expectedObject:
                if (actual is not JsonObject actualObject)
                {
                    differences.Add($"{path}: expected an object, got {actual?.ToJsonString() ?? "nothing"}");
                    return;
                }

                foreach (var (name, value) in expectedObject)
                {
                    Compare(value, actualObject[name], excluded, path.Length == 0 ? name : $"{path}.{name}", differences);
                }

                break;
            case JsonArray expectedArray:
                if (actual is not JsonArray actualArray || actualArray.Count != expectedArray.Count)
                {
                    differences.Add($"{path}: expected {expectedArray.ToJsonString()}, got {actual?.ToJsonString() ?? "nothing"}");
                    return;
                }

                for (int i = 0; i < expectedArray.Count; i++)
                {
                    Compare(expectedArray[i], actualArray[i], excluded, $"{path}[{i}]", differences);
                }

                break;
            default:
                if (!JsonNode.DeepEquals(expected, actual))
                {
                    differences.Add($"{path}: expected {expected?.ToJsonString()}, got {actual?.ToJsonString() ?? "nothing"}");
                }

                break;
        }
    }
}
