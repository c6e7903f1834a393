using System.Globalization;
using System.Text.Json;
using System.Text.Unicode;

namespace FlowLogs.Parsing;

/// <summary>Receives the tuples that <see cref="FlowRecordParser"/> rejects.</summary>
internal interface IInvalidTupleObserver
{
    void OnInvalidTuple(FlowRecord record, int ordinal, int offsetInRecord, ReadOnlySpan<byte> bytes, string reason);
}

/// <summary>
/// Parses the bytes of one record (NSG v1/v2 or VNet) into a <see cref="FlowRecord"/>, independent of key order,
/// keeping every valid tuple and reporting each invalid one.
/// </summary>
internal static class FlowRecordParser
{
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 16 };

    /// <summary>Parses <paramref name="json"/> into <paramref name="record"/>.</summary>
    /// <returns>null on success; otherwise the kind of failure and why the whole record is skipped.</returns>
    public static (ParseIssueKind Kind, string Reason)? Parse(ReadOnlySpan<byte> json, FlowRecord record, IInvalidTupleObserver observer)
    {
        record.Reset();
        var walk = new RecordWalk();
        try
        {
            var reader = new Utf8JsonReader(json, ReaderOptions);
            ReadRecord(ref reader, record, ref walk, json);
        }
        catch (JsonException ex)
        {
            return (ParseIssueKind.InvalidJson, $"invalid JSON: {ex.Message}");
        }
        catch (RecordShapeException ex)
        {
            return (ParseIssueKind.UnknownRecordShape, ex.Message);
        }
        catch (InvalidOperationException ex)
        {
            // Utf8JsonReader reports some string problems (such as invalid UTF-8 while unescaping) this way.
            return (ParseIssueKind.InvalidJson, $"invalid JSON string: {ex.Message}");
        }

        if (walk.SawNsg == walk.SawVNet)
        {
            return (ParseIssueKind.UnknownRecordShape, walk.SawNsg
                ? "record has both 'properties' (NSG) and 'flowRecords' (VNet)"
                : "record has neither 'properties.flows' (NSG flow log) nor 'flowRecords.flows' (VNet flow log)");
        }

        if (!walk.SawFlows)
        {
            return (ParseIssueKind.UnknownRecordShape, walk.SawNsg ? "'properties' has no 'flows' array" : "'flowRecords' has no 'flows' array");
        }

        if (!record.Time.IsPresent)
        {
            return (ParseIssueKind.UnknownRecordShape, "record has no 'time'");
        }

        record.Kind = walk.SawNsg ? FlowLogKind.NetworkSecurityGroup : FlowLogKind.VirtualNetwork;
        if (record.Kind == FlowLogKind.VirtualNetwork && record.ResourceId.IsPresent)
        {
            // Some VNet records (Microsoft's 2025 tutorial sample) name the flow log 'resourceId', not 'flowLogResourceID'.
            if (!record.FlowLogResourceId.IsPresent)
            {
                record.FlowLogResourceId = record.ResourceId;
            }

            record.ResourceId = Utf8Slice.Absent;
        }

        if (!TryNormalizeTime(record))
        {
            return (ParseIssueKind.UnknownRecordShape, $"'time' is not an ISO 8601 date: \"{System.Text.Encoding.UTF8.GetString(record[record.Time])}\"");
        }

        SetSubscription(record);
        record.TuplesSeen = walk.NextOrdinal;
        ValidateTuples(record, observer);
        return null;
    }

    private static void ReadRecord(ref Utf8JsonReader reader, FlowRecord record, ref RecordWalk walk, ReadOnlySpan<byte> json)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new RecordShapeException("record is not a JSON object");
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("time"u8))
            {
                record.Time = ReadString(ref reader, record, "time");
            }
            else if (reader.ValueTextEquals("macAddress"u8))
            {
                record.MacAddress = ReadString(ref reader, record, "macAddress");
            }
            else if (reader.ValueTextEquals("category"u8))
            {
                record.Category = ReadString(ref reader, record, "category");
            }
            else if (reader.ValueTextEquals("operationName"u8))
            {
                record.OperationName = ReadString(ref reader, record, "operationName");
            }
            else if (reader.ValueTextEquals("resourceId"u8))
            {
                record.ResourceId = ReadString(ref reader, record, "resourceId");
            }
            else if (reader.ValueTextEquals("systemId"u8))
            {
                record.SystemId = ReadString(ref reader, record, "systemId");
            }
            else if (reader.ValueTextEquals("flowLogGUID"u8))
            {
                record.FlowLogGuid = ReadString(ref reader, record, "flowLogGUID");
            }
            else if (reader.ValueTextEquals("flowLogResourceID"u8))
            {
                record.FlowLogResourceId = ReadString(ref reader, record, "flowLogResourceID");
            }
            else if (reader.ValueTextEquals("targetResourceID"u8))
            {
                record.TargetResourceId = ReadString(ref reader, record, "targetResourceID");
            }
            else if (reader.ValueTextEquals("flowLogVersion"u8))
            {
                record.Version = ReadVersion(ref reader, "flowLogVersion");
            }
            else if (reader.ValueTextEquals("properties"u8))
            {
                walk.SawNsg = true;
                ReadNsgProperties(ref reader, record, ref walk, json);
            }
            else if (reader.ValueTextEquals("flowRecords"u8))
            {
                walk.SawVNet = true;
                ReadVNetFlowRecords(ref reader, record, ref walk, json);
            }
            else
            {
                reader.Skip();
            }
        }
    }

    private static void ReadNsgProperties(ref Utf8JsonReader reader, FlowRecord record, ref RecordWalk walk, ReadOnlySpan<byte> json)
    {
        ExpectStart(ref reader, JsonTokenType.StartObject, "properties");
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("Version"u8))
            {
                record.Version = ReadVersion(ref reader, "properties.Version");
            }
            else if (reader.ValueTextEquals("flows"u8))
            {
                ReadFlows(ref reader, record, ref walk, json, FlowNesting.Nsg);
            }
            else
            {
                reader.Skip();
            }
        }
    }

    private static void ReadVNetFlowRecords(ref Utf8JsonReader reader, FlowRecord record, ref RecordWalk walk, ReadOnlySpan<byte> json)
    {
        ExpectStart(ref reader, JsonTokenType.StartObject, "flowRecords");
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("flows"u8))
            {
                ReadFlows(ref reader, record, ref walk, json, FlowNesting.VNet);
            }
            else
            {
                reader.Skip();
            }
        }
    }

    // NSG:  properties.flows[]  { "rule": …,  "flows":      [ { "mac": …,  "flowTuples": [ … ] } ] }
    // VNet: flowRecords.flows[] { "aclID": …, "flowGroups": [ { "rule": …, "flowTuples": [ … ] } ] }
    // Two levels of objects, each naming one string that holds for every tuple below it.
    private static void ReadFlows(ref Utf8JsonReader reader, FlowRecord record, ref RecordWalk walk, ReadOnlySpan<byte> json, FlowNesting n)
    {
        walk.SawFlows = true;
        ExpectStart(ref reader, JsonTokenType.StartArray, n.Path);
        while (NextObject(ref reader, n.ItemPath))
        {
            int first = record.AllTuples.Length;
            Utf8Slice outer = Utf8Slice.Absent;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals(n.OuterName))
                {
                    outer = ReadString(ref reader, record, n.OuterNamePath);
                }
                else if (reader.ValueTextEquals(n.Groups))
                {
                    ExpectStart(ref reader, JsonTokenType.StartArray, n.GroupsPath);
                    while (NextObject(ref reader, n.GroupPath))
                    {
                        int firstOfGroup = record.AllTuples.Length;
                        Utf8Slice inner = Utf8Slice.Absent;
                        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                        {
                            if (reader.ValueTextEquals(n.InnerName))
                            {
                                inner = ReadString(ref reader, record, n.InnerNamePath);
                            }
                            else if (reader.ValueTextEquals("flowTuples"u8))
                            {
                                ReadTuples(ref reader, record, ref walk, json);
                            }
                            else
                            {
                                reader.Skip();
                            }
                        }

                        // NSG groups name the MAC and have no ACL; VNet groups name the rule and have no MAC.
                        if (n.IsNsg)
                        {
                            foreach (ref FlowTuple tuple in record.AllTuples[firstOfGroup..])
                            {
                                tuple.Mac = inner;
                                tuple.AclId = Utf8Slice.Absent;
                            }
                        }
                        else
                        {
                            foreach (ref FlowTuple tuple in record.AllTuples[firstOfGroup..])
                            {
                                tuple.Rule = inner;
                                tuple.Mac = Utf8Slice.Absent;
                            }
                        }
                    }
                }
                else
                {
                    reader.Skip();
                }
            }

            foreach (ref FlowTuple tuple in record.AllTuples[first..])
            {
                ref Utf8Slice field = ref n.IsNsg ? ref tuple.Rule : ref tuple.AclId;
                field = outer;
            }
        }
    }

    /// <summary>The names and error paths of one kind's two levels of flow objects.</summary>
    private sealed class FlowNesting
    {
        public static readonly FlowNesting Nsg = new(true, "properties.flows", "rule", "flows", "mac");

        public static readonly FlowNesting VNet = new(false, "flowRecords.flows", "aclID", "flowGroups", "rule");

        private FlowNesting(bool isNsg, string path, string outerName, string groups, string innerName)
        {
            IsNsg = isNsg;
            Path = path;
            ItemPath = path + "[]";
            OuterName = System.Text.Encoding.UTF8.GetBytes(outerName);
            OuterNamePath = $"{ItemPath}.{outerName}";
            Groups = System.Text.Encoding.UTF8.GetBytes(groups);
            GroupsPath = $"{ItemPath}.{groups}";
            GroupPath = GroupsPath + "[]";
            InnerName = System.Text.Encoding.UTF8.GetBytes(innerName);
            InnerNamePath = $"{GroupPath}.{innerName}";
        }

        public bool IsNsg { get; }

        public string Path { get; }

        public string ItemPath { get; }

        public byte[] OuterName { get; }

        public string OuterNamePath { get; }

        public byte[] Groups { get; }

        public string GroupsPath { get; }

        public string GroupPath { get; }

        public byte[] InnerName { get; }

        public string InnerNamePath { get; }
    }

    private static void ReadTuples(ref Utf8JsonReader reader, FlowRecord record, ref RecordWalk walk, ReadOnlySpan<byte> json)
    {
        ExpectStart(ref reader, JsonTokenType.StartArray, "flowTuples");
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            int ordinal = walk.NextOrdinal++;
            int offset = (int)reader.TokenStartIndex;
            if (reader.TokenType != JsonTokenType.String)
            {
                // Keep the raw JSON of the value so that ValidateTuples can report it with the others.
                reader.Skip();
                int end = (int)reader.BytesConsumed;
                ref FlowTuple foreign = ref record.AddTuple();
                foreign = default;
                foreign.Ordinal = ordinal;
                foreign.OffsetInRecord = offset;
                foreign.Text = record.Append(json[offset..end]);
                foreign.IsNotString = true;
                continue;
            }

            Utf8Slice text = CopyString(ref reader, record);
            ref FlowTuple tuple = ref record.AddTuple();
            tuple = default;
            tuple.Ordinal = ordinal;
            tuple.OffsetInRecord = offset;
            tuple.Text = text;
        }
    }

    private static void ValidateTuples(FlowRecord record, IInvalidTupleObserver observer)
    {
        Span<FlowTuple> tuples = record.AllTuples;
        int kept = 0;
        (Utf8Slice Rule, Utf8Slice Acl, Utf8Slice Mac) checkedContext = (Utf8Slice.Absent, Utf8Slice.Absent, Utf8Slice.Absent);
        bool contextValid = true;
        for (int i = 0; i < tuples.Length; i++)
        {
            ref FlowTuple tuple = ref tuples[i];
            Utf8Slice text = tuple.Text;
            string? error = tuple.IsNotString
                ? "tuple is not a JSON string"
                : FlowTupleParser.TryParse(record[text], record.Kind, record.Version, text.Start, ref tuple);

            // Tuples of a group share their context slices: validate each group's once.
            if ((tuple.Rule, tuple.AclId, tuple.Mac) != checkedContext)
            {
                checkedContext = (tuple.Rule, tuple.AclId, tuple.Mac);
                contextValid = IsValidContext(record, tuple);
            }

            if (error is null && !contextValid)
            {
                error = "the tuple's rule, aclID or mac is not valid UTF-8";
            }

            if (error is not null)
            {
                observer.OnInvalidTuple(record, tuple.Ordinal, tuple.OffsetInRecord, record[text], error);
                continue;
            }

            if (kept != i)
            {
                tuples[kept] = tuple;
            }

            kept++;
        }

        record.TruncateTuples(kept);
    }

    private static bool IsValidContext(FlowRecord record, in FlowTuple tuple)
        => Utf8.IsValid(record[tuple.Rule]) && Utf8.IsValid(record[tuple.AclId]) && Utf8.IsValid(record[tuple.Mac]);

    private static bool NextObject(ref Utf8JsonReader reader, string path)
    {
        if (!reader.Read() || reader.TokenType == JsonTokenType.EndArray)
        {
            return false;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new RecordShapeException($"'{path}' holds a {Describe(reader.TokenType)}, expected an object");
        }

        return true;
    }

    private static void ExpectStart(ref Utf8JsonReader reader, JsonTokenType expected, string path)
    {
        reader.Read();
        if (reader.TokenType != expected)
        {
            throw new RecordShapeException($"'{path}' is a {Describe(reader.TokenType)}, expected {(expected == JsonTokenType.StartArray ? "an array" : "an object")}");
        }
    }

    private static Utf8Slice ReadString(ref Utf8JsonReader reader, FlowRecord record, string path)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new RecordShapeException($"'{path}' is a {Describe(reader.TokenType)}, expected a string");
        }

        Utf8Slice slice = CopyString(ref reader, record);
        if (!Utf8.IsValid(record[slice]))
        {
            throw new RecordShapeException($"'{path}' is not valid UTF-8");
        }

        return slice;
    }

    private static Utf8Slice CopyString(ref Utf8JsonReader reader, FlowRecord record)
    {
        if (!reader.ValueIsEscaped)
        {
            return record.Append(reader.ValueSpan);
        }

        Span<byte> destination = record.Reserve(reader.ValueSpan.Length);
        int written = reader.CopyString(destination);
        return record.Commit(written);
    }

    private static int ReadVersion(ref Utf8JsonReader reader, string path)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out int version) || version < 0)
        {
            throw new RecordShapeException($"'{path}' is not a non-negative integer");
        }

        return version;
    }

    private static string Describe(JsonTokenType type) => type switch
    {
        JsonTokenType.StartObject => "object",
        JsonTokenType.StartArray => "array",
        JsonTokenType.String => "string",
        JsonTokenType.Number => "number",
        JsonTokenType.True or JsonTokenType.False => "boolean",
        JsonTokenType.Null => "null",
        _ => type.ToString(),
    };

    private static bool TryNormalizeTime(FlowRecord record)
    {
        ReadOnlySpan<byte> utf8 = record[record.Time];
        if (utf8.Length > 64)
        {
            return false;
        }

        Span<char> chars = stackalloc char[64];
        int count = System.Text.Encoding.UTF8.GetChars(utf8, chars);
        if (!DateTimeOffset.TryParse(chars[..count], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset time))
        {
            return false;
        }

        Span<byte> destination = record.Reserve(28);
        if (!time.UtcDateTime.TryFormat(destination, out int written, "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture))
        {
            return false;
        }

        record.TimeUtc = record.Commit(written);
        return true;
    }

    private static void SetSubscription(FlowRecord record)
    {
        Utf8Slice source = record.ResourceId.IsPresent ? record.ResourceId
            : record.FlowLogResourceId.IsPresent ? record.FlowLogResourceId
            : record.TargetResourceId;
        ReadOnlySpan<byte> id = record[source];
        const string Marker = "/subscriptions/";
        if (id.Length <= Marker.Length || !System.Text.Ascii.EqualsIgnoreCase(id[..Marker.Length], Marker))
        {
            return;
        }

        int slash = id[Marker.Length..].IndexOf((byte)'/');
        int length = slash < 0 ? id.Length - Marker.Length : slash;
        int start = source.Start + Marker.Length;

        // Reserve may move the arena: take the span of the source again afterwards.
        Span<byte> destination = record.Reserve(length);
        System.Text.Ascii.ToLower(record[new Utf8Slice(start, length)], destination, out int written);
        record.SubscriptionId = record.Commit(written);
    }

    private struct RecordWalk
    {
        public bool SawNsg;
        public bool SawVNet;
        public bool SawFlows;
        public int NextOrdinal;
    }

    private sealed class RecordShapeException(string message) : Exception(message);
}
