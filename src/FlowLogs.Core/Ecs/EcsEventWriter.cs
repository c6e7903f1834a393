using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using FlowLogs.Parsing;

namespace FlowLogs.Ecs;

/// <summary>
/// Writes one ECS event per flow tuple (see docs/ecs-mapping.md). Keeps a scratch buffer for the embedded
/// <c>message</c>, so an instance is not thread-safe: use one per pipeline.
/// </summary>
public sealed class EcsEventWriter : IDisposable
{
    /// <summary>Writer options for events: compact, relaxed escaping (quotes as <c>\"</c>, as the intake shows them).</summary>
    public static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
        SkipValidation = true,
    };

    private static readonly JsonEncodedText Timestamp = JsonEncodedText.Encode("@timestamp");
    private static readonly JsonEncodedText Message = JsonEncodedText.Encode("message");
    private static readonly JsonEncodedText Event = JsonEncodedText.Encode("event");
    private static readonly JsonEncodedText Kind = JsonEncodedText.Encode("kind");
    private static readonly JsonEncodedText Category = JsonEncodedText.Encode("category");
    private static readonly JsonEncodedText Type = JsonEncodedText.Encode("type");
    private static readonly JsonEncodedText ActionName = JsonEncodedText.Encode("action");
    private static readonly JsonEncodedText Code = JsonEncodedText.Encode("code");
    private static readonly JsonEncodedText Dataset = JsonEncodedText.Encode("dataset");
    private static readonly JsonEncodedText Module = JsonEncodedText.Encode("module");
    private static readonly JsonEncodedText Id = JsonEncodedText.Encode("id");
    private static readonly JsonEncodedText Created = JsonEncodedText.Encode("created");
    private static readonly JsonEncodedText Name = JsonEncodedText.Encode("name");
    private static readonly JsonEncodedText Target = JsonEncodedText.Encode("target");
    private static readonly JsonEncodedText Properties = JsonEncodedText.Encode("properties");
    private static readonly JsonEncodedText FlowEncryption = JsonEncodedText.Encode("FlowEncryption");
    private static readonly JsonEncodedText OperationName = JsonEncodedText.Encode("OperationName");
    private static readonly JsonEncodedText FlowState = JsonEncodedText.Encode("FlowState");
    private static readonly JsonEncodedText Version = JsonEncodedText.Encode("Version");
    private static readonly JsonEncodedText Rule = JsonEncodedText.Encode("rule");
    private static readonly JsonEncodedText Source = JsonEncodedText.Encode("source");
    private static readonly JsonEncodedText Destination = JsonEncodedText.Encode("destination");
    private static readonly JsonEncodedText Address = JsonEncodedText.Encode("address");
    private static readonly JsonEncodedText Ip = JsonEncodedText.Encode("ip");
    private static readonly JsonEncodedText Port = JsonEncodedText.Encode("port");
    private static readonly JsonEncodedText Mac = JsonEncodedText.Encode("mac");
    private static readonly JsonEncodedText Bytes = JsonEncodedText.Encode("bytes");
    private static readonly JsonEncodedText Packets = JsonEncodedText.Encode("packets");
    private static readonly JsonEncodedText Network = JsonEncodedText.Encode("network");
    private static readonly JsonEncodedText Direction = JsonEncodedText.Encode("direction");
    private static readonly JsonEncodedText Transport = JsonEncodedText.Encode("transport");
    private static readonly JsonEncodedText IanaNumber = JsonEncodedText.Encode("iana_number");
    private static readonly JsonEncodedText CommunityIdName = JsonEncodedText.Encode("community_id");
    private static readonly JsonEncodedText Related = JsonEncodedText.Encode("related");
    private static readonly JsonEncodedText Observer = JsonEncodedText.Encode("observer");
    private static readonly JsonEncodedText Host = JsonEncodedText.Encode("host");
    private static readonly JsonEncodedText Cloud = JsonEncodedText.Encode("cloud");
    private static readonly JsonEncodedText Provider = JsonEncodedText.Encode("provider");
    private static readonly JsonEncodedText Account = JsonEncodedText.Encode("account");
    private static readonly JsonEncodedText Azure = JsonEncodedText.Encode("azure");
    private static readonly JsonEncodedText FlowLog = JsonEncodedText.Encode("flow_log");
    private static readonly JsonEncodedText VersionLower = JsonEncodedText.Encode("version");
    private static readonly JsonEncodedText Guid = JsonEncodedText.Encode("guid");
    private static readonly JsonEncodedText ResourceId = JsonEncodedText.Encode("resource_id");
    private static readonly JsonEncodedText TargetResourceId = JsonEncodedText.Encode("target_resource_id");
    private static readonly JsonEncodedText NsgResourceId = JsonEncodedText.Encode("nsg_resource_id");
    private static readonly JsonEncodedText AclId = JsonEncodedText.Encode("acl_id");
    private static readonly JsonEncodedText SystemId = JsonEncodedText.Encode("system_id");
    private static readonly JsonEncodedText MacAddress = JsonEncodedText.Encode("mac_address");
    private static readonly JsonEncodedText State = JsonEncodedText.Encode("state");
    private static readonly JsonEncodedText Encryption = JsonEncodedText.Encode("encryption");
    private static readonly JsonEncodedText Log = JsonEncodedText.Encode("log");
    private static readonly JsonEncodedText File = JsonEncodedText.Encode("file");
    private static readonly JsonEncodedText Path = JsonEncodedText.Encode("path");
    private static readonly JsonEncodedText Offset = JsonEncodedText.Encode("offset");
    private static readonly JsonEncodedText EventKindValue = JsonEncodedText.Encode("event");
    private static readonly JsonEncodedText NetworkValue = JsonEncodedText.Encode("network");
    private static readonly JsonEncodedText AzureValue = JsonEncodedText.Encode("azure");
    private static readonly JsonEncodedText NetworkTrafficValue = JsonEncodedText.Encode("network-traffic");
    private static readonly JsonEncodedText VNetDataset = JsonEncodedText.Encode("azure.vnet_flow_logs");
    private static readonly JsonEncodedText NsgDataset = JsonEncodedText.Encode("azure.nsg_flow_logs");
    private static readonly JsonEncodedText IPv4Value = JsonEncodedText.Encode("ipv4");
    private static readonly JsonEncodedText IPv6Value = JsonEncodedText.Encode("ipv6");

    private readonly ArrayBufferWriter<byte> _messageBuffer = new(1024);
    private readonly Utf8JsonWriter _messageWriter;
    private byte[] _quoted = new byte[2048];

    /// <summary>Creates a writer.</summary>
    /// <param name="communityIdSeed">Seed of <c>network.community_id</c>; 0 unless the SIEM uses another.</param>
    public EcsEventWriter(ushort communityIdSeed = 0)
    {
        CommunityIdSeed = communityIdSeed;
        _messageWriter = new Utf8JsonWriter(_messageBuffer, WriterOptions);
    }

    /// <summary>Seed of <c>network.community_id</c>.</summary>
    public ushort CommunityIdSeed { get; }

    /// <inheritdoc/>
    public void Dispose() => _messageWriter.Dispose();

    /// <summary>Writes the ECS event of <paramref name="tuple"/> as one JSON object.</summary>
    public void Write(Utf8JsonWriter writer, FlowRecord record, in FlowTuple tuple)
    {
        bool isVNet = record.Kind == FlowLogKind.VirtualNetwork;
        Span<byte> scratch = stackalloc byte[64];

        writer.WriteStartObject();
        int length = EcsTimestamp.Write(tuple.TimestampMilliseconds, scratch);
        writer.WriteString(Timestamp, scratch[..length]);

        _messageBuffer.ResetWrittenCount();
        _messageWriter.Reset(_messageBuffer);
        SekoiaRecordWriter.Write(_messageWriter, record, tuple);
        _messageWriter.Flush();
        writer.WritePropertyName(Message);
        writer.WriteRawValue(QuoteMessage(_messageBuffer.WrittenSpan), skipInputValidation: true);

        WriteEventObject(writer, record, tuple, isVNet, scratch);
        WriteActionObject(writer, record, tuple, isVNet);

        writer.WriteStartObject(Rule);
        writer.WriteString(Name, record[tuple.Rule]);
        writer.WriteEndObject();

        bool counters = isVNet || tuple.HasCounters;
        ReadOnlySpan<byte> sourceMac = isVNet ? default : record[tuple.Mac.IsPresent ? tuple.Mac : record.MacAddress];
        WriteEndpoint(writer, Source, record[tuple.SourceIP], tuple.SourcePort, sourceMac, counters, tuple.BytesSent, tuple.PacketsSent);
        WriteEndpoint(writer, Destination, record[tuple.DestinationIP], tuple.DestinationPort, default, counters, tuple.BytesReceived, tuple.PacketsReceived);
        WriteNetworkObject(writer, tuple, counters, scratch);
        WriteRelated(writer, record[tuple.SourceIP], record[tuple.DestinationIP]);

        if (record.MacAddress.IsPresent)
        {
            writer.WriteStartObject(Observer);
            writer.WriteString(Mac, record[record.MacAddress]);
            writer.WriteEndObject();
        }

        if (!isVNet && record.ResourceId.IsPresent)
        {
            writer.WriteStartObject(Host);
            writer.WriteString(Name, record[record.ResourceId]);
            writer.WriteEndObject();
        }

        writer.WriteStartObject(Cloud);
        writer.WriteString(Provider, AzureValue);
        if (record.SubscriptionId.IsPresent)
        {
            writer.WriteStartObject(Account);
            writer.WriteString(Id, record[record.SubscriptionId]);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();

        WriteAzureObject(writer, record, tuple);

        if (record.Source.Name.Length > 0)
        {
            writer.WriteStartObject(Log);
            writer.WriteStartObject(File);
            writer.WriteString(Path, record.Source.NameUtf8.Span);
            writer.WriteEndObject();
            writer.WriteNumber(Offset, record.Offset);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    // The message is JSON our own writer produced (control characters already escaped), so as a JSON string it needs
    // only its quotes and backslashes escaped: much cheaper than the general escaper on a quote-dense value.
    private ReadOnlySpan<byte> QuoteMessage(ReadOnlySpan<byte> json)
    {
        int worst = (json.Length * 2) + 2;
        if (_quoted.Length < worst)
        {
            _quoted = new byte[Math.Max(worst, _quoted.Length * 2)];
        }

        Span<byte> destination = _quoted;
        destination[0] = (byte)'"';
        int written = 1;
        while (true)
        {
            int special = json.IndexOfAny((byte)'"', (byte)'\\');
            int run = special < 0 ? json.Length : special;
            json[..run].CopyTo(destination[written..]);
            written += run;
            if (special < 0)
            {
                break;
            }

            destination[written++] = (byte)'\\';
            destination[written++] = json[special];
            json = json[(special + 1)..];
        }

        destination[written++] = (byte)'"';
        return destination[..written];
    }

    private static void WriteEventObject(Utf8JsonWriter writer, FlowRecord record, in FlowTuple tuple, bool isVNet, Span<byte> scratch)
    {
        writer.WriteStartObject(Event);
        writer.WriteString(Kind, EventKindValue);
        writer.WriteStartArray(Category);
        writer.WriteStringValue(NetworkValue);
        writer.WriteEndArray();
        writer.WriteStartArray(Type);
        writer.WriteStringValue(EcsVocabulary.EventType(record.Kind, tuple));
        writer.WriteEndArray();
        writer.WriteString(ActionName, EcsVocabulary.Action(tuple.Decision));
        if (record.OperationName.IsPresent)
        {
            writer.WriteString(Code, record[record.OperationName]);
        }

        writer.WriteString(Dataset, isVNet ? VNetDataset : NsgDataset);
        writer.WriteString(Module, AzureValue);
        int length = EventId.Write(record, tuple, scratch);
        writer.WriteString(Id, scratch[..length]);
        writer.WriteString(Created, record[record.TimeUtc]);
        writer.WriteEndObject();
    }

    private static void WriteActionObject(Utf8JsonWriter writer, FlowRecord record, in FlowTuple tuple, bool isVNet)
    {
        writer.WriteStartObject(ActionName);
        writer.WriteString(Name, EcsVocabulary.Action(tuple.Decision));
        writer.WriteString(Type, record[tuple.Rule]);
        writer.WriteString(Target, NetworkTrafficValue);
        if (isVNet)
        {
            // Seed 002: an object.
            writer.WriteStartObject(Properties);
            writer.WriteString(FlowEncryption, record[tuple.Encryption]);
            WriteIfPresent(writer, OperationName, record, record.OperationName);
            writer.WriteEndObject();
        }
        else
        {
            // Seed 003: an array of one object; Version as a string.
            writer.WriteStartArray(Properties);
            writer.WriteStartObject();
            WriteIfPresent(writer, OperationName, record, record.OperationName);
            if (tuple.State != Parsing.FlowState.None)
            {
                writer.WriteString(FlowState, EcsVocabulary.FlowStateName(tuple.State));
            }

            if (record.Version > 0)
            {
                Span<byte> digits = stackalloc byte[11];
                record.Version.TryFormat(digits, out int length, provider: System.Globalization.CultureInfo.InvariantCulture);
                writer.WriteString(Version, digits[..length]);
            }

            writer.WriteEndObject();
            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    private static void WriteEndpoint(Utf8JsonWriter writer, JsonEncodedText name, ReadOnlySpan<byte> ip, ushort port, ReadOnlySpan<byte> mac, bool counters, long bytes, long packets)
    {
        writer.WriteStartObject(name);
        writer.WriteString(Address, ip);
        writer.WriteString(Ip, ip);
        writer.WriteNumber(Port, port);
        if (!mac.IsEmpty)
        {
            writer.WriteString(Mac, mac);
        }

        if (counters)
        {
            writer.WriteNumber(Bytes, bytes);
            writer.WriteNumber(Packets, packets);
        }

        writer.WriteEndObject();
    }

    private void WriteNetworkObject(Utf8JsonWriter writer, in FlowTuple tuple, bool counters, Span<byte> scratch)
    {
        writer.WriteStartObject(Network);
        writer.WriteString(Direction, EcsVocabulary.Direction(tuple.Direction));
        ReadOnlySpan<byte> transport = IanaProtocol.Keyword(tuple.Protocol);
        if (!transport.IsEmpty)
        {
            writer.WriteString(Transport, transport);
        }

        writer.WriteString(IanaNumber, IanaProtocol.Number(tuple.Protocol));
        writer.WriteString(Type, tuple.SourceAddress.IsIPv6 ? IPv6Value : IPv4Value);
        if (counters)
        {
            writer.WriteNumber(Bytes, tuple.BytesSent + tuple.BytesReceived);
            writer.WriteNumber(Packets, tuple.PacketsSent + tuple.PacketsReceived);
        }

        int length = CommunityId.Write(tuple.SourceAddress, tuple.DestinationAddress, tuple.SourcePort, tuple.DestinationPort, tuple.Protocol, CommunityIdSeed, scratch);
        writer.WriteString(CommunityIdName, scratch[..length]);
        writer.WriteEndObject();
    }

    private static void WriteRelated(Utf8JsonWriter writer, ReadOnlySpan<byte> sourceIp, ReadOnlySpan<byte> destinationIp)
    {
        writer.WriteStartObject(Related);
        writer.WriteStartArray(Ip);
        int order = sourceIp.SequenceCompareTo(destinationIp);
        writer.WriteStringValue(order <= 0 ? sourceIp : destinationIp);
        if (order != 0)
        {
            writer.WriteStringValue(order < 0 ? destinationIp : sourceIp);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void WriteAzureObject(Utf8JsonWriter writer, FlowRecord record, in FlowTuple tuple)
    {
        writer.WriteStartObject(Azure);
        writer.WriteStartObject(FlowLog);
        WriteIfPresent(writer, Category, record, record.Category);
        if (record.Version > 0)
        {
            writer.WriteNumber(VersionLower, record.Version);
        }

        WriteIfPresent(writer, Guid, record, record.FlowLogGuid);
        WriteIfPresent(writer, ResourceId, record, record.FlowLogResourceId);
        WriteIfPresent(writer, TargetResourceId, record, record.TargetResourceId);
        WriteIfPresent(writer, NsgResourceId, record, record.ResourceId);
        WriteIfPresent(writer, SystemId, record, record.SystemId);
        WriteIfPresent(writer, AclId, record, tuple.AclId);
        WriteIfPresent(writer, MacAddress, record, record.MacAddress);
        if (tuple.State != Parsing.FlowState.None)
        {
            writer.WriteString(State, EcsVocabulary.FlowStateName(tuple.State));
        }

        WriteIfPresent(writer, Encryption, record, tuple.Encryption);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void WriteIfPresent(Utf8JsonWriter writer, JsonEncodedText name, FlowRecord record, Utf8Slice value)
    {
        if (value.IsPresent)
        {
            writer.WriteString(name, record[value]);
        }
    }
}
