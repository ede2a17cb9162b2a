namespace Herald.Core.Lifecycle;

/// <summary>
/// Herald's own lifecycle events, delivered to operational webhook endpoints (registered without a recipient). Each event
/// is a notification for the reserved recipient <see cref="Recipient"/>, planned only onto those endpoints.
/// </summary>
public static class LifecycleEvents
{
    /// <summary>The reserved recipient of lifecycle notifications; the API refuses it as a customer recipient.</summary>
    public const string Recipient = "_ops";

    /// <summary>The template id recorded on lifecycle notifications; they carry their payload and render nothing.</summary>
    public const string Template = "_lifecycle";

    public const string NotificationAccepted = "notification.accepted";
    public const string DeliverySent = "delivery.sent";
    public const string DeliveryDelivered = "delivery.delivered";
    public const string DeliveryFailed = "delivery.failed";
    public const string DeliveryDead = "delivery.dead";
    public const string EndpointDisabled = "endpoint.disabled";

    public static IReadOnlyList<string> All { get; } =
        [NotificationAccepted, DeliverySent, DeliveryDelivered, DeliveryFailed, DeliveryDead, EndpointDisabled];

    /// <summary>True for the lifecycle notifications themselves and their deliveries: they never emit further events.</summary>
    public static bool IsOperational(string recipientId) => string.Equals(recipientId, Recipient, StringComparison.Ordinal);
}
