using Herald.Core.Domain;

namespace Herald.Core.Storage;

/// <summary>A sent delivery taken to be looked up, and which look-up this is (1 for the first).</summary>
public sealed record UnconfirmedDelivery(Delivery Delivery, int LookUp);

/// <summary>
/// Deliveries <c>sent</c> that their provider never confirmed (no status reported) within its window: taken in bounded
/// batches to ask the provider for the message's status, and given back with the next time to ask, or none.
/// </summary>
public interface IConfirmationStore
{
    /// <summary>
    /// Takes up to <paramref name="limit"/> deliveries of <paramref name="provider"/> that are sent, have no reported
    /// status, were sent at or before <paramref name="sentBefore"/>, are still to be confirmed and whose next look-up is
    /// due. Each counts one more look-up and is held until <paramref name="holdUntil"/>, so no other node takes it
    /// meanwhile (and one whose taker died is taken again after that).
    /// </summary>
    Task<IReadOnlyList<UnconfirmedDelivery>> ClaimUnconfirmedAsync(string provider, DateTimeOffset sentBefore, DateTimeOffset now, DateTimeOffset holdUntil, int limit, CancellationToken ct);

    /// <summary>
    /// Records a look-up that left the delivery sent, with its trace entry: asked again at <paramref name="askAgainAt"/>,
    /// or (null) never again.
    /// </summary>
    Task RecordLookUpAsync(Delivery delivery, DateTimeOffset? askAgainAt, TraceEntry trace, CancellationToken ct);

    /// <summary>
    /// Starts the delivery's confirmation afresh (no look-ups yet, due one window after its next send): a failure found by
    /// a look-up has it sent again, and the new message is confirmed on its own.
    /// </summary>
    Task RestartConfirmationAsync(Delivery delivery, CancellationToken ct);
}
