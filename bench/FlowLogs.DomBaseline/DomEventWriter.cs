// The equal-output DOM baseline of `flowlogs parse` (docs/verification.md, "Parse").
//
// What for: a whole-process comparison needs something plain to compare with. This is how a competent engineer would
// write the command without the product's streaming parser and pre-encoded fragments: the whole PT1H.json read into
// memory and parsed with JsonDocument, the values taken as strings, each tuple split on commas, each event written
// field by field with Utf8JsonWriter. It writes, per flow tuple, the same NDJSON ECS event text as `flowlogs parse FILE`
// (same fields, same order, same bytes: tests/FlowLogs.Tests/Cli/DomBaselineTests.cs checks it with the msdocs samples
// and generated inputs). It reuses the product's small pure field helpers (community id, timestamp, MAC form, IANA
// names) so that the output is equal and the comparison is about parsing and writing, not about those helpers.
//
// It is not a product: it assumes valid Azure output (no skipped records or tuples, no dead letters, no summary of
// what was read) and holds the whole input and its DOM in memory.
using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using FlowLogs.Ecs;
using FlowLogs.Parsing;

namespace FlowLogs.DomBaseline;

/// <summary>Reads a PT1H.json with <see cref="JsonDocument"/> and writes one ECS event per flow tuple as NDJSON.</summary>
public static class DomEventWriter
{
    // Compact, quotes escaped as \" (the events' escaping).
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Writes the events of the PT1H.json at <paramref name="path"/> to <paramref name="output"/>; returns how many.</summary>
    /// <param name="path">The file; also the events' <c>log.file.path</c> and the seed of their ids, as <c>flowlogs parse</c> uses it.</param>
    /// <param name="output">Receives the NDJSON; not disposed.</param>
    public static long Write(string path, Stream output)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(output);
        byte[] file = File.ReadAllBytes(path);
        int bom = file.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0;
        using JsonDocument document = JsonDocument.Parse(file.AsMemory(bom));

        var buffered = new BufferedStream(output, 1 << 16);
        using var events = new Events(path, buffered);
        foreach (JsonElement record in document.RootElement.GetProperty("records").EnumerateArray())
        {
            // The DOM does not say where an element is; the event id and log.offset need the record's byte offset.
            file.AsSpan().Overlaps(System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(record), out int offset);
            events.WriteRecord(record, offset);
        }

        events.Flush();
        buffered.Flush();
        return events.Count;
    }

    private sealed class Events(string path, Stream output) : IDisposable
    {
        private readonly Stream _output = output;
        private readonly Utf8JsonWriter _writer = new(output, Options);
        private readonly System.Buffers.ArrayBufferWriter<byte> _message = new(4096);
        private readonly Utf8JsonWriter _messageWriter = new(Stream.Null, Options);
        private readonly string _path = path;
        private readonly long _idSeed = (long)XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(path));

        public long Count { get; private set; }

        public void Flush() => _writer.Flush();

        public void Dispose()
        {
            _writer.Dispose();
            _messageWriter.Dispose();
        }

        public void WriteRecord(JsonElement json, long offset)
        {
            var record = new Record(json, offset);
            int ordinal = 0;
            if (record.IsNsg)
            {
                foreach (JsonElement flow in json.GetProperty("properties").GetProperty("flows").EnumerateArray())
                {
                    string? rule = Text(flow, "rule");
                    foreach (JsonElement group in flow.GetProperty("flows").EnumerateArray())
                    {
                        string? mac = Text(group, "mac");
                        foreach (JsonElement tuple in group.GetProperty("flowTuples").EnumerateArray())
                        {
                            WriteEvent(record, rule, aclId: null, mac, tuple.GetString()!, ordinal++);
                        }
                    }
                }
            }
            else
            {
                foreach (JsonElement flow in json.GetProperty("flowRecords").GetProperty("flows").EnumerateArray())
                {
                    string? aclId = Text(flow, "aclID");
                    foreach (JsonElement group in flow.GetProperty("flowGroups").EnumerateArray())
                    {
                        string? rule = Text(group, "rule");
                        foreach (JsonElement tuple in group.GetProperty("flowTuples").EnumerateArray())
                        {
                            WriteEvent(record, rule, aclId, mac: null, tuple.GetString()!, ordinal++);
                        }
                    }
                }
            }
        }

        private void WriteEvent(Record record, string? rule, string? aclId, string? mac, string text, int ordinal)
        {
            var t = new FlowTupleFields(text, record.IsNsg);
            string action = t.Denied ? "reject" : "accept";
            string? nicMac = EcsMacOf(mac ?? record.MacAddress);
            Utf8JsonWriter w = _writer;

            w.WriteStartObject();
            Span<byte> timestamp = stackalloc byte[EcsTimestamp.Length];
            EcsTimestamp.Write(t.Milliseconds, timestamp);
            w.WriteString("@timestamp", timestamp);
            w.WriteString("message", Message(record, rule, aclId, mac, t));

            w.WriteStartObject("event");
            w.WriteString("kind", "event");
            w.WriteStartArray("category");
            w.WriteStringValue("network");
            w.WriteEndArray();
            w.WriteStartArray("type");
            w.WriteStringValue(EventType(record.IsNsg, t));
            w.WriteEndArray();
            w.WriteString("action", action);
            w.WriteString("outcome", "success");
            WriteIfPresent(w, "code", record.OperationName);
            w.WriteString("dataset", record.IsNsg ? "azure.nsg_flow_logs" : "azure.vnet_flow_logs");
            w.WriteString("module", "azure");
            w.WriteString("created", record.TimeUtc);
            w.WriteString("id", EventId(record.Offset, ordinal, text));
            w.WriteEndObject();

            w.WriteStartObject("action");
            w.WriteString("name", action);
            w.WriteString("outcome", "success");
            w.WriteString("type", rule ?? string.Empty);
            w.WriteString("target", "network-traffic");
            w.WriteStartObject("properties");
            if (record.IsNsg)
            {
                WriteIfPresent(w, "FlowState", t.StateName);
                WriteIfPresent(w, "OperationName", record.OperationName);
                if (record.LogVersion > 0)
                {
                    w.WriteString("Version", record.LogVersion.ToString(CultureInfo.InvariantCulture));
                }
            }
            else
            {
                w.WriteString("FlowEncryption", t.Encryption);
                WriteIfPresent(w, "OperationName", record.OperationName);
            }

            w.WriteEndObject();
            w.WriteEndObject();

            w.WriteStartObject("rule");
            w.WriteString("name", rule ?? string.Empty);
            w.WriteEndObject();

            // The NIC is the destination of an inbound flow and the source of an outbound one.
            WriteEndpoint(w, "source", t.SourceIp, t.SourcePort, t.Inbound ? null : nicMac, t.PacketsSent, t.BytesSent);
            WriteEndpoint(w, "destination", t.DestinationIp, t.DestinationPort, t.Inbound ? nicMac : null, t.PacketsReceived, t.BytesReceived);

            w.WriteStartObject("network");
            w.WriteString("direction", t.Inbound ? "inbound" : "outbound");
            ReadOnlySpan<byte> transport = IanaProtocol.Keyword(t.Protocol);
            if (!transport.IsEmpty)
            {
                w.WriteString("transport", transport);
            }

            w.WriteString("iana_number", t.Protocol.ToString(CultureInfo.InvariantCulture));
            w.WriteString("type", t.IsIPv6 ? "ipv6" : "ipv4");
            if (t.BytesSent is not null || t.BytesReceived is not null)
            {
                w.WriteNumber("bytes", Sum(t.BytesSent, t.BytesReceived));
            }

            if (t.PacketsSent is not null || t.PacketsReceived is not null)
            {
                w.WriteNumber("packets", Sum(t.PacketsSent, t.PacketsReceived));
            }

            w.WriteString("community_id", CommunityIdOf(t));
            w.WriteEndObject();

            w.WriteStartObject("related");
            w.WriteStartArray("ip");
            int order = string.CompareOrdinal(t.SourceIp, t.DestinationIp);
            w.WriteStringValue(order <= 0 ? t.SourceIp : t.DestinationIp);
            if (order != 0)
            {
                w.WriteStringValue(order < 0 ? t.DestinationIp : t.SourceIp);
            }

            w.WriteEndArray();
            w.WriteEndObject();

            string? observerMac = EcsMacOf(record.MacAddress);
            if (observerMac is not null)
            {
                w.WriteStartObject("observer");
                w.WriteString("mac", observerMac);
                w.WriteEndObject();
            }

            w.WriteStartObject("cloud");
            w.WriteString("provider", "azure");
            if (record.SubscriptionId is not null)
            {
                w.WriteStartObject("account");
                w.WriteString("id", record.SubscriptionId);
                w.WriteEndObject();
            }

            w.WriteEndObject();

            w.WriteStartObject("azure");
            w.WriteStartObject("flow_log");
            w.WriteString("kind", record.IsNsg ? "nsg" : "vnet");
            WriteIfPresent(w, "category", record.Category);
            if (record.LogVersion > 0)
            {
                w.WriteNumber("version", record.LogVersion);
            }

            WriteIfPresent(w, "guid", record.FlowLogGuid);
            WriteIfPresent(w, "resource_id", record.FlowLogResourceId);
            WriteIfPresent(w, "target_resource_id", record.TargetResourceId);
            WriteIfPresent(w, "nsg_resource_id", record.NsgResourceId);
            WriteIfPresent(w, "system_id", record.SystemId);
            WriteIfPresent(w, "mac_address", record.MacAddress);
            WriteIfPresent(w, "acl_id", aclId);
            WriteIfPresent(w, "state", t.StateName);
            if (t.Encryption is not null)
            {
                w.WriteString("encryption", t.Encryption);
                if (t.Encryption == "X" || t.Encryption == "NX" || t.Encryption.StartsWith("NX_", StringComparison.Ordinal))
                {
                    w.WriteBoolean("encrypted", t.Encryption == "X");
                }
            }

            w.WriteEndObject();
            w.WriteEndObject();

            if (_path.Length > 0)
            {
                w.WriteStartObject("log");
                w.WriteStartObject("file");
                w.WriteString("path", _path);
                w.WriteEndObject();
                w.WriteNumber("offset", record.Offset);
                w.WriteEndObject();
            }

            w.WriteEndObject();
            w.Flush();
            _output.WriteByte((byte)'\n');
            w.Reset();
            Count++;
        }

        // The message: the record flattened to this tuple, as JSON, in the key order of the intake's samples.
        private ReadOnlySpan<byte> Message(Record record, string? rule, string? aclId, string? mac, in FlowTupleFields t)
        {
            _message.ResetWrittenCount();
            Utf8JsonWriter m = _messageWriter;
            m.Reset(_message);
            m.WriteStartObject();
            WriteIfPresent(m, "time", record.Time);
            if (record.IsNsg)
            {
                WriteIfPresent(m, "macAddress", mac ?? record.MacAddress);
                WriteIfPresent(m, "operationName", record.OperationName);
                WriteIfPresent(m, "resourceId", record.NsgResourceId);
                WriteIfPresent(m, "rule", rule);
                m.WriteString("flow.0", t.Text);
                if (record.LogVersion > 0)
                {
                    m.WriteString("version", record.LogVersion.ToString(CultureInfo.InvariantCulture));
                }

                WriteIfPresent(m, "flow_state", t.StateName);
            }
            else
            {
                if (record.LogVersion > 0)
                {
                    m.WriteNumber("flowLogVersion", record.LogVersion);
                }

                WriteIfPresent(m, "flowLogGUID", record.FlowLogGuid);
                WriteIfPresent(m, "macAddress", record.MacAddress);
                WriteIfPresent(m, "operationName", record.OperationName);
                WriteIfPresent(m, "aclID", aclId);
                WriteIfPresent(m, "rule", rule);

                // The intake reads the time in milliseconds and every counter as an integer: empty ones become 0.
                string[] fields = t.Fields;
                var flow = new StringBuilder(t.Text.Length + 8);
                flow.Append(t.Milliseconds.ToString(CultureInfo.InvariantCulture));
                for (int i = 1; i < fields.Length; i++)
                {
                    flow.Append(',').Append(i >= 9 && fields[i].Length == 0 ? "0" : fields[i]);
                }

                m.WriteString("flow.0", flow.ToString());
            }

            m.WriteEndObject();
            m.Flush();
            return _message.WrittenSpan;
        }

        private string EventId(long recordOffset, int ordinal, string text)
        {
            byte[] input = new byte[12 + Encoding.UTF8.GetByteCount(text)];
            BinaryPrimitives.WriteInt64LittleEndian(input, recordOffset);
            BinaryPrimitives.WriteInt32LittleEndian(input.AsSpan(8), ordinal);
            Encoding.UTF8.GetBytes(text, input.AsSpan(12));
            return Convert.ToHexStringLower(XxHash128.Hash(input, _idSeed));
        }

        private static string CommunityIdOf(in FlowTupleFields t)
        {
            if (!IPAddressBytes.TryParse(Encoding.ASCII.GetBytes(t.SourceIp), out IPAddressBytes source)
                || !IPAddressBytes.TryParse(Encoding.ASCII.GetBytes(t.DestinationIp), out IPAddressBytes destination))
            {
                throw new FormatException($"not an IP address pair: {t.SourceIp}, {t.DestinationIp}");
            }

            Span<byte> id = stackalloc byte[CommunityId.Length];
            int length = CommunityId.Write(source, destination, t.SourcePort, t.DestinationPort, t.Protocol, 0, id);
            return Encoding.ASCII.GetString(id[..length]);
        }

        private static string? EcsMacOf(string? raw)
        {
            Span<byte> mac = stackalloc byte[EcsMac.Length];
            return raw is not null && EcsMac.TryFormat(Encoding.UTF8.GetBytes(raw), mac) ? Encoding.ASCII.GetString(mac) : null;
        }

        private static string EventType(bool isNsg, in FlowTupleFields t) => isNsg
            ? (t.Denied ? "denied" : "allowed")
            : t.State switch
            {
                "B" => "start",
                "E" => "end",
                "D" => "denied",
                _ => "info",
            };

        private static void WriteEndpoint(Utf8JsonWriter w, string name, string ip, ushort port, string? mac, long? packets, long? bytes)
        {
            w.WriteStartObject(name);
            w.WriteString("address", ip);
            w.WriteString("ip", ip);
            w.WriteNumber("port", port);
            WriteIfPresent(w, "mac", mac);
            if (bytes is { } b)
            {
                w.WriteNumber("bytes", b);
            }

            if (packets is { } p)
            {
                w.WriteNumber("packets", p);
            }

            w.WriteEndObject();
        }

        // Counters are never negative, so an overflowing sum comes out negative: capped, as the product does.
        private static long Sum(long? a, long? b)
        {
            long sum = unchecked((a ?? 0) + (b ?? 0));
            return sum < 0 ? long.MaxValue : sum;
        }

        private static void WriteIfPresent(Utf8JsonWriter w, string name, string? value)
        {
            if (value is not null)
            {
                w.WriteString(name, value);
            }
        }
    }

    private static string? Text(JsonElement element, string name)
        => element.TryGetProperty(name, out JsonElement value) ? value.GetString() : null;

    /// <summary>The record-level fields of a flow-log record, as strings.</summary>
    private sealed class Record
    {
        public Record(JsonElement json, long offset)
        {
            Offset = offset;
            IsNsg = json.TryGetProperty("properties", out JsonElement properties);
            Time = Text(json, "time");
            MacAddress = Text(json, "macAddress");
            Category = Text(json, "category");
            OperationName = Text(json, "operationName");
            SystemId = Text(json, "systemId");
            FlowLogGuid = Text(json, "flowLogGUID");
            TargetResourceId = Text(json, "targetResourceID");
            string? resourceId = Text(json, "resourceId");
            if (IsNsg)
            {
                NsgResourceId = resourceId;
                LogVersion = properties.TryGetProperty("Version", out JsonElement version) ? version.GetInt32() : 0;
            }
            else
            {
                // Some VNet records name the flow log 'resourceId'.
                FlowLogResourceId = Text(json, "flowLogResourceID") ?? resourceId;
                LogVersion = json.TryGetProperty("flowLogVersion", out JsonElement version) ? version.GetInt32() : 0;
            }

            TimeUtc = DateTimeOffset.Parse(Time!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal)
                .UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

            // The subscription of the first resource id, lower case.
            string? id = NsgResourceId ?? FlowLogResourceId ?? TargetResourceId;
            const string Marker = "/subscriptions/";
            if (id is not null && id.Length > Marker.Length && id.StartsWith(Marker, StringComparison.OrdinalIgnoreCase))
            {
                int slash = id.IndexOf('/', Marker.Length);
                SubscriptionId = id[Marker.Length..(slash < 0 ? id.Length : slash)].ToLowerInvariant();
            }
        }

        public bool IsNsg { get; }

        public long Offset { get; }

        /// <summary>NSG <c>properties.Version</c> or VNet <c>flowLogVersion</c>; 0 when absent.</summary>
        public int LogVersion { get; }

        public string? Time { get; }

        public string TimeUtc { get; }

        public string? MacAddress { get; }

        public string? Category { get; }

        public string? OperationName { get; }

        public string? NsgResourceId { get; }

        public string? SystemId { get; }

        public string? FlowLogGuid { get; }

        public string? FlowLogResourceId { get; }

        public string? TargetResourceId { get; }

        public string? SubscriptionId { get; }
    }

    /// <summary>One flow tuple split into its fields; counters left empty by Azure are null.</summary>
    private readonly struct FlowTupleFields
    {
        public FlowTupleFields(string text, bool isNsg)
        {
            Text = text;
            Fields = text.Split(',');
            long time = long.Parse(Fields[0], CultureInfo.InvariantCulture);

            // NSG writes seconds, VNet milliseconds (and sometimes seconds).
            Milliseconds = time >= 100_000_000_000 ? time : time * 1000;
            SourceIp = Fields[1];
            DestinationIp = Fields[2];
            IsIPv6 = SourceIp.Contains(':', StringComparison.Ordinal);
            SourcePort = ushort.Parse(Fields[3], CultureInfo.InvariantCulture);
            DestinationPort = ushort.Parse(Fields[4], CultureInfo.InvariantCulture);
            Protocol = Fields[5] switch
            {
                "T" => 6,
                "U" => 17,
                string number => byte.Parse(number, CultureInfo.InvariantCulture),
            };
            Inbound = Fields[6] == "I";
            if (isNsg)
            {
                Denied = Fields[7] == "D";
                State = Fields.Length > 8 ? Fields[8] : null;
            }
            else
            {
                State = Fields[7];
                Denied = State == "D";
                Encryption = Fields[8];
            }

            if (Fields.Length == 13)
            {
                PacketsSent = Counter(Fields[9]);
                BytesSent = Counter(Fields[10]);
                PacketsReceived = Counter(Fields[11]);
                BytesReceived = Counter(Fields[12]);
            }

            // VNet counters are always written (0 when empty).
            if (!isNsg)
            {
                PacketsSent ??= 0;
                BytesSent ??= 0;
                PacketsReceived ??= 0;
                BytesReceived ??= 0;
            }
        }

        public string Text { get; }

        public string[] Fields { get; }

        public long Milliseconds { get; }

        public string SourceIp { get; }

        public string DestinationIp { get; }

        public bool IsIPv6 { get; }

        public ushort SourcePort { get; }

        public ushort DestinationPort { get; }

        public byte Protocol { get; }

        public bool Inbound { get; }

        public bool Denied { get; }

        public string? State { get; }

        public string? StateName => State switch
        {
            "B" => "begin",
            "C" => "continue",
            "E" => "end",
            "D" => "denied",
            _ => null,
        };

        public string? Encryption { get; }

        public long? PacketsSent { get; }

        public long? BytesSent { get; }

        public long? PacketsReceived { get; }

        public long? BytesReceived { get; }

        private static long? Counter(string field) => field.Length == 0 ? null : long.Parse(field, CultureInfo.InvariantCulture);
    }
}
