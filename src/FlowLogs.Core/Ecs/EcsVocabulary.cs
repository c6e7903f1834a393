using FlowLogs.Parsing;

namespace FlowLogs.Ecs;

/// <summary>The words our events use for tuple codes, shared by the ECS event and the Sekoia record.</summary>
internal static class EcsVocabulary
{
    /// <summary>Flow state as a word: begin, continue, end, denied (the intake's words for B, C, E); empty for none.</summary>
    public static ReadOnlySpan<byte> FlowStateName(FlowState state) => state switch
    {
        FlowState.Begin => "begin"u8,
        FlowState.Continuing => "continue"u8,
        FlowState.End => "end"u8,
        FlowState.Denied => "denied"u8,
        _ => default,
    };

    /// <summary>ECS <c>event.action</c> and <c>action.name</c>: accept or reject.</summary>
    public static ReadOnlySpan<byte> Action(FlowDecision decision) => decision == FlowDecision.Denied ? "reject"u8 : "accept"u8;

    /// <summary>ECS <c>network.direction</c>: inbound or outbound.</summary>
    public static ReadOnlySpan<byte> Direction(FlowDirection direction) => direction == FlowDirection.Inbound ? "inbound"u8 : "outbound"u8;

    /// <summary>ECS <c>event.type</c>: VNet by flow state (start, info, end, denied), NSG by decision (allowed, denied).</summary>
    public static ReadOnlySpan<byte> EventType(FlowLogKind kind, in FlowTuple tuple)
    {
        if (kind == FlowLogKind.NetworkSecurityGroup)
        {
            return tuple.Decision == FlowDecision.Denied ? "denied"u8 : "allowed"u8;
        }

        // C is "info" as the intake's VNet format has it: a periodic report on a flow already started.
        return tuple.State switch
        {
            FlowState.Begin => "start"u8,
            FlowState.End => "end"u8,
            FlowState.Denied => "denied"u8,
            _ => "info"u8,
        };
    }

    /// <summary>
    /// <c>azure.flow_log.encrypted</c> for VNet field 9: 1 (true) for <c>X</c>, 0 (false) for <c>NX</c> and every
    /// <c>NX_</c> reason, -1 when the value says neither.
    /// </summary>
    public static int Encrypted(ReadOnlySpan<byte> encryption)
        => encryption.SequenceEqual("X"u8) ? 1
        : encryption.SequenceEqual("NX"u8) || encryption.StartsWith("NX_"u8) ? 0
        : -1;
}
