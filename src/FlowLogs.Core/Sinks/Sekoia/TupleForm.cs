using System.Text.Json;

namespace FlowLogs.Sinks.Sekoia;

/// <summary>
/// Which of Sekoia's two formats a tuple's text is in, read from the text alone: what routes an event read back from a
/// dead letter, whose record is gone. Pure.
/// </summary>
internal static class TupleForm
{
    /// <summary>Why an NSG tuple with a numeric protocol is not sent to the NSG intake.</summary>
    public static readonly string NumericProtocolReason =
        $"the NSG intake's format (\"Azure Network Watcher\") reads protocol T or U only, and this tuple's field 6 is a number: not sent to the intake of {IntakeRoutes.KeySetting(SekoiaIntake.Nsg)}; " +
        $"without that setting NSG tuples go translated to {IntakeRoutes.KeySetting(SekoiaIntake.FlowLogs)}, whose format reads it (redrive it then)";

    /// <summary>
    /// True when <paramref name="tuple"/> is in the NSG format's form: 8 fields (v1), protocol <c>T</c> or <c>U</c>,
    /// decision <c>A</c> in field 8, or <c>D</c> followed by an NSG state (B, C, E) in field 9. Otherwise it is in the
    /// VNet form the Flow Logs format reads (field 8 a state, field 9 encryption, possibly empty once translated).
    /// </summary>
    public static bool IsNsg(ReadOnlySpan<byte> tuple)
    {
        Span<Range> fields = stackalloc Range[9];
        int count = 0;
        int start = 0;
        for (int i = 0; i <= tuple.Length; i++)
        {
            if (i == tuple.Length || tuple[i] == ',')
            {
                if (count < fields.Length)
                {
                    fields[count] = start..i;
                }

                count++;
                start = i + 1;
            }
        }

        if (count == 8)
        {
            return true;
        }

        if (count < 9)
        {
            return false;
        }

        ReadOnlySpan<byte> protocol = tuple[fields[5]];
        ReadOnlySpan<byte> eighth = tuple[fields[7]];
        ReadOnlySpan<byte> ninth = tuple[fields[8]];
        return protocol.SequenceEqual("T"u8) || protocol.SequenceEqual("U"u8) || eighth.SequenceEqual("A"u8)
            || (eighth.SequenceEqual("D"u8) && (ninth.SequenceEqual("B"u8) || ninth.SequenceEqual("C"u8) || ninth.SequenceEqual("E"u8)));
    }

    /// <summary>True when field 6 of <paramref name="tuple"/> is <c>T</c> or <c>U</c>, the only protocols the NSG format reads.</summary>
    public static bool HasLetterProtocol(ReadOnlySpan<byte> tuple)
    {
        int start = 0;
        for (int comma = 0; comma < 5; comma++)
        {
            int next = tuple[start..].IndexOf((byte)',');
            if (next < 0)
            {
                return false;
            }

            start += next + 1;
        }

        ReadOnlySpan<byte> rest = tuple[start..];
        return rest.Length >= 2 && (rest[0] == 'T' || rest[0] == 'U') && rest[1] == ',';
    }

    /// <summary>The <c>flow.0</c> of a raw record (a JSON object), unescaped; null for an event without one (an ECS event) or not a JSON object.</summary>
    public static byte[]? FlowOf(ReadOnlySpan<byte> eventJson)
    {
        try
        {
            var reader = new Utf8JsonReader(eventJson);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isFlow = reader.ValueTextEquals("flow.0"u8);
                reader.Read();
                if (isFlow)
                {
                    return reader.TokenType == JsonTokenType.String ? System.Text.Encoding.UTF8.GetBytes(reader.GetString()!) : null;
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
            // Not JSON: sent as it is, and the intake's answer decides.
        }

        return null;
    }
}
