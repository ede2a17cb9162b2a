namespace Herald.Core.Tracking;

/// <summary>What a provider reports about a message after the send (parsed from its status callback by its adapter).</summary>
public enum TrackingKind
{
    /// <summary>The vendor handed the message to the recipient's device, handset or mailbox.</summary>
    Delivered,

    /// <summary>A hard bounce: the address does not exist. The address is suppressed.</summary>
    Bounced,

    /// <summary>The vendor gave up on the message (undeliverable, carrier rejected).</summary>
    Failed,

    Opened,
    Clicked,

    /// <summary>The recipient marked the message as spam. The address is suppressed.</summary>
    Complained,

    /// <summary>The recipient opted out (SMS STOP, unsubscribe). The address is suppressed with reason opt-out.</summary>
    OptOut,

    /// <summary>The recipient opted back in (SMS START). An opt-out suppression is lifted.</summary>
    OptIn,
}

/// <summary>
/// One status a vendor reported. The delivery is found by <see cref="DeliveryId"/> (our reference, when the vendor echoes
/// it) or else by <see cref="ProviderMessageId"/>. OptOut/OptIn carry no delivery, only <see cref="Address"/>.
/// <see cref="Permanent"/> marks a <see cref="TrackingKind.Failed"/> no resend can fix (a landline, an unknown number); any
/// other failure reported after the send is retried. <see cref="Replay"/> names the event so a replay of it is ignored.
/// </summary>
public sealed record TrackingEvent(TrackingKind Kind, string? DeliveryId, string? ProviderMessageId, string? Address, string Detail, DateTimeOffset At,
    bool Permanent = false, ReplayKey? Replay = null);

/// <summary>
/// The vendor's own id for what a callback reports (unique per event, stable across the vendor's retries) and how long
/// Herald remembers it: at least as long as the vendor's signature stays valid, so a replay inside that window is ignored.
/// </summary>
public sealed record ReplayKey(string Key, TimeSpan Window);
