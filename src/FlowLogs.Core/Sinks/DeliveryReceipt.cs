namespace FlowLogs.Sinks;

/// <summary>
/// A sink's answer for a batch it delivered: every event acknowledged by the receiver except those it refused, each
/// with the reason. The caller keeps the refused events (dead letters); the sink keeps nothing.
/// </summary>
internal sealed class DeliveryReceipt
{
    private DeliveryReceipt(IReadOnlyList<RefusedEvent> refused) => Refused = refused;

    /// <summary>Every event acknowledged.</summary>
    public static DeliveryReceipt AllAccepted { get; } = new([]);

    /// <summary>The events the receiver refused or the sink could not send, by index in the batch, in index order.</summary>
    public IReadOnlyList<RefusedEvent> Refused { get; }

    /// <summary>Events of a batch of <paramref name="count"/> that the receiver acknowledged.</summary>
    public int AcceptedOf(int count) => count - Refused.Count;

    /// <summary>A receipt refusing <paramref name="refused"/>, put in index order; all accepted when empty.</summary>
    public static DeliveryReceipt Refusing(List<RefusedEvent> refused)
    {
        ArgumentNullException.ThrowIfNull(refused);
        if (refused.Count == 0)
        {
            return AllAccepted;
        }

        refused.Sort(static (a, b) => a.Index.CompareTo(b.Index));
        return new DeliveryReceipt(refused);
    }
}
