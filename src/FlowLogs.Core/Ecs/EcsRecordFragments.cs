using System.Buffers;
using System.Text.Json;
using FlowLogs.Parsing;

namespace FlowLogs.Ecs;

/// <summary>
/// The parts of an ECS event that are the same for every tuple of a record (or of a rule group), encoded once by
/// <see cref="Utf8JsonWriter"/> and reused, so that per tuple only the tuple's own fields are formatted.
/// </summary>
internal sealed class EcsRecordFragments : IDisposable
{
    private const int StateCount = 5;

    private readonly ArrayBufferWriter<byte> _scratch = new(4096);
    private readonly Utf8JsonWriter _writer;
    private byte[] _bytes = new byte[8192];
    private int _length;
    private int _groupStart;
    private long _generation = -1;
    private int _state;
    private (int Rule, int Acl, int Mac) _groupKey = (-2, -2, -2);
    // The message tails of the current record, one per flow state, apart from _bytes: unlike the group fragments
    // they outlive a change of group.
    private byte[] _tails = new byte[256];
    private int _tailsLength;
    private readonly Range[] _messageTails = new Range[StateCount];
    private readonly bool[] _hasMessageTail = new bool[StateCount];

    public EcsRecordFragments() => _writer = new Utf8JsonWriter(_scratch, EcsEventWriter.WriterOptions);

    /// <summary><c>,"code":…,"dataset":…,"module":"azure","created":…</c> of the event object.</summary>
    public Range EventFields { get; private set; }

    /// <summary>The quoted operation name, or an empty range.</summary>
    public Range OperationName { get; private set; }

    /// <summary>From <c>,"observer"</c> to the record's fields of the open <c>azure.flow_log</c> object.</summary>
    public Range Context { get; private set; }

    /// <summary>Closes <c>azure</c>, writes <c>log</c> and closes the event.</summary>
    public Range Closing { get; private set; }

    /// <summary>The quoted NSG version (<c>"2"</c>), or an empty range.</summary>
    public Range Version { get; private set; }

    /// <summary>The quoted rule of the current group.</summary>
    public Range Rule { get; private set; }

    /// <summary><c>,"acl_id":…</c> of the current group, or an empty range.</summary>
    public Range AclField { get; private set; }

    /// <summary>
    /// The quoted MAC of the NIC in ECS form (NSG <c>flows[].flows[].mac</c>, else the record's <c>macAddress</c>),
    /// for the side of the flow that is the NIC; an empty range when there is none or it is not a MAC address.
    /// </summary>
    public Range NicMac { get; private set; }

    /// <summary>The <c>message</c> string up to where the tuple goes, opening quote included.</summary>
    public Range MessageHead { get; private set; }

    /// <summary>
    /// The <c>message</c> string after the tuple, closing quote included, for the prepared tuple's state: what follows
    /// <c>flow.0</c> in the raw record (NSG <c>version</c> and <c>flow_state</c>, nothing for VNet) depends on the
    /// record and the state, never on the group, so it is rendered once per record and state.
    /// </summary>
    public ReadOnlySpan<byte> MessageTail => _tails.AsSpan()[_messageTails[_state]];

    /// <summary>Bytes of all fragments: valid until the next <see cref="Prepare"/>.</summary>
    public ReadOnlySpan<byte> this[Range range] => _bytes.AsSpan()[range];

    /// <summary>Total length of the fragments a tuple of the current group uses, for sizing its output.</summary>
    public int GroupBytes => _length + _tailsLength;

    public void Dispose() => _writer.Dispose();

    /// <summary>Makes the fragments those of <paramref name="tuple"/>'s record and group.</summary>
    public void Prepare(FlowRecord record, in FlowTuple tuple)
    {
        if (record.Generation != _generation)
        {
            _generation = record.Generation;
            _length = 0;
            BuildRecordFragments(record);
            _groupStart = _length;
            _groupKey = (-2, -2, -2);
            _tailsLength = 0;
            Array.Clear(_hasMessageTail);
        }

        _state = (int)tuple.State;
        (int, int, int) key = (tuple.Rule.Start, tuple.AclId.Start, tuple.Mac.Start);
        if (key != _groupKey)
        {
            _groupKey = key;
            _length = _groupStart;
            BuildGroupFragments(record, tuple);
        }
        else if (!_hasMessageTail[_state])
        {
            SplitMessage(record, tuple, keepHead: false);
        }
    }

    private void BuildRecordFragments(FlowRecord record)
    {
        bool isVNet = record.Kind == FlowLogKind.VirtualNetwork;

        OperationName = record.OperationName.IsPresent ? AddQuoted(record[record.OperationName]) : default;
        Span<byte> digits = stackalloc byte[11];
        Version = record.Version > 0 && record.Version.TryFormat(digits, out int versionLength, provider: System.Globalization.CultureInfo.InvariantCulture)
            ? AddQuoted(digits[..versionLength])
            : default;

        // Fields of the event object after "action" (which every event has, hence the leading comma).
        BeginFields();
        if (record.OperationName.IsPresent)
        {
            _writer.WriteString("code"u8, record[record.OperationName]);
        }

        _writer.WriteString("dataset"u8, isVNet ? "azure.vnet_flow_logs"u8 : "azure.nsg_flow_logs"u8);
        _writer.WriteString("module"u8, "azure"u8);
        _writer.WriteString("created"u8, record[record.TimeUtc]);
        EventFields = EndFields(leadingComma: true);

        // Everything after "related", up to the tuple's own fields of azure.flow_log.
        BeginFields();
        Span<byte> mac = stackalloc byte[EcsMac.Length];
        if (EcsMac.TryFormat(record[record.MacAddress], mac))
        {
            _writer.WriteStartObject("observer"u8);
            _writer.WriteString("mac"u8, mac);
            _writer.WriteEndObject();
        }

        // No host.name: the NSG's resource id is not a host name (the intake dropped it too); it is in nsg_resource_id.

        _writer.WriteStartObject("cloud"u8);
        _writer.WriteString("provider"u8, "azure"u8);
        if (record.SubscriptionId.IsPresent)
        {
            _writer.WriteStartObject("account"u8);
            _writer.WriteString("id"u8, record[record.SubscriptionId]);
            _writer.WriteEndObject();
        }

        _writer.WriteEndObject();
        _writer.WriteStartObject("azure"u8);
        _writer.WriteStartObject("flow_log"u8);
        _writer.WriteString("kind"u8, isVNet ? "vnet"u8 : "nsg"u8);
        WriteIfPresent("category"u8, record, record.Category);
        if (record.Version > 0)
        {
            _writer.WriteNumber("version"u8, record.Version);
        }

        WriteIfPresent("guid"u8, record, record.FlowLogGuid);
        WriteIfPresent("resource_id"u8, record, record.FlowLogResourceId);
        WriteIfPresent("target_resource_id"u8, record, record.TargetResourceId);
        WriteIfPresent("nsg_resource_id"u8, record, record.ResourceId);
        WriteIfPresent("system_id"u8, record, record.SystemId);
        WriteIfPresent("mac_address"u8, record, record.MacAddress);
        Context = EndFields(leadingComma: true);

        // Close azure.flow_log and azure, then log, then the event.
        BeginFields();
        if (record.Source.Name.Length > 0)
        {
            _writer.WriteStartObject("log"u8);
            _writer.WriteStartObject("file"u8);
            _writer.WriteString("path"u8, record.Source.NameUtf8.Span);
            _writer.WriteEndObject();
            _writer.WriteNumber("offset"u8, record.Offset);
            _writer.WriteEndObject();
        }

        _writer.Flush();
        int start = _length;
        Add("}}"u8);
        if (_scratch.WrittenCount > 1)
        {
            Add(","u8);
            Add(_scratch.WrittenSpan[1..]);
        }

        Add("}"u8);
        Closing = start.._length;
    }

    private void BuildGroupFragments(FlowRecord record, in FlowTuple tuple)
    {
        Rule = AddQuoted(record[tuple.Rule]);
        if (tuple.AclId.IsPresent)
        {
            BeginFields();
            _writer.WriteString("acl_id"u8, record[tuple.AclId]);
            AclField = EndFields(leadingComma: true);
        }
        else
        {
            AclField = default;
        }

        Span<byte> mac = stackalloc byte[EcsMac.Length];
        NicMac = EcsMac.TryFormat(record[tuple.Mac.IsPresent ? tuple.Mac : record.MacAddress], mac) ? AddQuoted(mac) : default;

        SplitMessage(record, tuple, keepHead: true);
    }

    // Renders the whole message of this tuple, then keeps the parts before (MessageHead, for the group) and after (the
    // state's tail, for the record, unless it has it) its flow text, escaped as one JSON string: the flow text is the
    // only part that differs between tuples of a group with the same state.
    private void SplitMessage(FlowRecord record, in FlowTuple tuple, bool keepHead)
    {
        _scratch.ResetWrittenCount();
        _writer.Reset(_scratch);
        RawRecordWriter.Write(_writer, record, tuple);
        _writer.Flush();
        ReadOnlySpan<byte> message = _scratch.WrittenSpan;

        Span<byte> flow = stackalloc byte[RawRecordWriter.MaxFlowLength];
        int flowLength = RawRecordWriter.FormatFlow(record, tuple, flow);
        int marker = message.IndexOf("\"flow.0\":\""u8);
        int flowStart = marker + "\"flow.0\":\"".Length;

        if (keepHead)
        {
            int headStart = _length;
            Add("\""u8);
            AddEscaped(message[..flowStart]);
            MessageHead = headStart.._length;
        }

        int state = (int)tuple.State;
        if (!_hasMessageTail[state])
        {
            ReadOnlySpan<byte> tail = message[(flowStart + flowLength)..];
            int needed = _tailsLength + JsonEmbedding.MaxQuotedLength(tail);
            if (needed > _tails.Length)
            {
                Array.Resize(ref _tails, Math.Max(_tails.Length * 2, needed));
            }

            int tailStart = _tailsLength;
            _tailsLength += JsonEmbedding.WriteEscaped(tail, _tails.AsSpan(_tailsLength));
            _tails[_tailsLength++] = (byte)'"';
            _messageTails[state] = tailStart.._tailsLength;
            _hasMessageTail[state] = true;
        }
    }

    private void BeginFields()
    {
        _scratch.ResetWrittenCount();
        _writer.Reset(_scratch);
        _writer.WriteStartObject();
    }

    // Takes the properties written since BeginFields, without the object's opening brace.
    private Range EndFields(bool leadingComma)
    {
        _writer.Flush();
        ReadOnlySpan<byte> fields = _scratch.WrittenSpan[1..];
        int start = _length;
        if (leadingComma && !fields.IsEmpty)
        {
            Add(","u8);
        }

        Add(fields);
        return start.._length;
    }

    private Range AddQuoted(ReadOnlySpan<byte> value)
    {
        _scratch.ResetWrittenCount();
        _writer.Reset(_scratch);
        _writer.WriteStringValue(value);
        _writer.Flush();
        int start = _length;
        Add(_scratch.WrittenSpan);
        return start.._length;
    }

    private void WriteIfPresent(ReadOnlySpan<byte> name, FlowRecord record, Utf8Slice value)
    {
        if (value.IsPresent)
        {
            _writer.WriteString(name, record[value]);
        }
    }

    private void AddEscaped(ReadOnlySpan<byte> json)
    {
        EnsureCapacity(JsonEmbedding.MaxQuotedLength(json));
        _length += JsonEmbedding.WriteEscaped(json, _bytes.AsSpan(_length));
    }

    private void Add(ReadOnlySpan<byte> bytes)
    {
        EnsureCapacity(bytes.Length);
        bytes.CopyTo(_bytes.AsSpan(_length));
        _length += bytes.Length;
    }

    private void EnsureCapacity(int extra)
    {
        if (_length + extra > _bytes.Length)
        {
            Array.Resize(ref _bytes, Math.Max(_bytes.Length * 2, _length + extra));
        }
    }
}
