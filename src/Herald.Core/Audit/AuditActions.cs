namespace Herald.Core.Audit;

/// <summary>
/// The closed set of operator actions the audit log records: those that change configuration, content or another
/// person's data, or replay work (never sends). Dotted names, resource first, past tense.
/// </summary>
public static class AuditActions
{
    /// <summary>The actor of actions Herald takes itself (the bootstrap key).</summary>
    public const string SystemActor = "system";

    public const string KeyCreated = "key.created";
    public const string KeyRevoked = "key.revoked";
    public const string KeyRotated = "key.rotated";
    public const string KeyLimitsChanged = "key.limits_changed";
    public const string TemplateCreated = "template.created";
    public const string TemplatePublished = "template.published";
    public const string TemplatePromoted = "template.promoted";
    public const string LayoutPut = "layout.put";
    public const string LayoutDeleted = "layout.deleted";
    public const string PartialPut = "partial.put";
    public const string PartialDeleted = "partial.deleted";
    public const string DlqReplayed = "dlq.replayed";
    public const string ProviderDisabled = "provider.disabled";
    public const string ProviderEnabled = "provider.enabled";
    public const string SuppressionRemoved = "suppression.removed";
    public const string UserUpdated = "user.updated";
    public const string UserErased = "user.erased";
    public const string PreferencesUpdated = "user.preferences_updated";
    public const string DeviceAdded = "device.added";
    public const string DeviceRemoved = "device.removed";
    public const string TopicSubscribed = "topic.subscribed";
    public const string TopicUnsubscribed = "topic.unsubscribed";
    public const string DigestRulePut = "digest_rule.put";
    public const string DigestRuleDeleted = "digest_rule.deleted";
    public const string WebhookEndpointCreated = "webhook_endpoint.created";
    public const string WebhookEndpointDeleted = "webhook_endpoint.deleted";
    public const string WebhookEndpointEnabled = "webhook_endpoint.enabled";
    public const string WebhookEndpointDisabled = "webhook_endpoint.disabled";
    public const string WebhookEndpointRecovered = "webhook_endpoint.recovered";
    public const string NotificationCancelled = "notification.cancelled";
    public const string CampaignPaused = "campaign.paused";
    public const string CampaignResumed = "campaign.resumed";
    public const string CampaignCancelled = "campaign.cancelled";
    public const string AppCreated = "app.created";
    public const string EnvironmentCreated = "environment.created";

    /// <summary>An environment's subscriber-token secret was rotated (target: the environment id); every token signed with the old one stops working.</summary>
    public const string SubscriberSecretRotated = "subscriber_secret.rotated";

    /// <summary>Every action, in the order the OpenAPI document lists them.</summary>
    public static readonly IReadOnlyList<string> All =
    [
        KeyCreated, KeyRevoked, KeyRotated, KeyLimitsChanged, TemplateCreated, TemplatePublished, TemplatePromoted, DlqReplayed, ProviderDisabled, ProviderEnabled, SuppressionRemoved,
        UserUpdated, UserErased, PreferencesUpdated, DeviceAdded, DeviceRemoved, TopicSubscribed, TopicUnsubscribed,
        DigestRulePut, DigestRuleDeleted, WebhookEndpointCreated, WebhookEndpointDeleted, WebhookEndpointEnabled,
        WebhookEndpointDisabled, WebhookEndpointRecovered, NotificationCancelled, CampaignPaused, CampaignResumed, CampaignCancelled, AppCreated, EnvironmentCreated,
        SubscriberSecretRotated, LayoutPut, LayoutDeleted, PartialPut, PartialDeleted,
    ];

    private static readonly HashSet<string> Known = new(All, StringComparer.Ordinal);

    public static bool IsKnown(string action) => Known.Contains(action);
}
