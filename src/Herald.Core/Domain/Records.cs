using Herald.Core.Preferences;

namespace Herald.Core.Domain;

/// <summary>
/// A recipient's contact profile. Phone numbers are E.164; time zones are IANA ids. A user id names a user within its
/// environment: the same id in two environments is two users.
/// </summary>
public sealed record UserProfile(string UserId, string? Email, string? Phone, string? Locale, string? TimeZone, DateTimeOffset UpdatedAt,
    string EnvironmentId = Environments.Default);

/// <summary>
/// A push target. A token has one owner per platform and environment: registering it under another user of the same
/// environment moves it there (a handed-down phone); another environment's registration of it is its own device.
/// <see cref="LastSeenAt"/> is its latest registration; tokens not seen for Herald:Devices:StaleAfter are pruned.
/// </summary>
public sealed record Device(string Id, string UserId, string Token, string Platform, string? AppVersion, DateTimeOffset CreatedAt, DateTimeOffset LastSeenAt,
    string EnvironmentId = Environments.Default);

public sealed record StoredTemplate(string TemplateId, int Version, bool Published, string? Description, string Definition, DateTimeOffset CreatedAt, DateTimeOffset? PublishedAt);

/// <summary>One event for one recipient, as accepted at ingest.</summary>
public sealed record Notification(
    string Id,
    string EventType,
    string RecipientId,
    Priority Priority,
    string Status,
    string TemplateId,
    int? TemplateVersion,
    IReadOnlyList<Channel>? Channels,
    string Data,
    string? IdempotencyKey,
    string? BatchId,
    DateTimeOffset DueAt,
    DateTimeOffset CreatedAt,
    string? TraceParent = null,
    NotificationOptions? Options = null,
    string? CampaignId = null,
    string EnvironmentId = Environments.Default);

/// <summary>
/// What a send asked for beyond the message itself: an expiry (nothing is delivered after it) and escalation steps
/// (a channel sent only if the in-app item is still unread after a delay). Stored as one JSON column.
/// </summary>
public sealed record NotificationOptions(DateTimeOffset? ExpiresAt = null, IReadOnlyList<EscalationStep>? Escalation = null)
{
    public bool IsEmpty => ExpiresAt is null && (Escalation is null || Escalation.Count == 0);
}

/// <summary>Send <see cref="Channel"/> only if the notification's in-app item is not read <see cref="After"/> its acceptance.</summary>
public sealed record EscalationStep(Channel Channel, TimeSpan After);

/// <summary>Conditions a delivery carries to the gate.</summary>
public static class DeliveryConditions
{
    /// <summary>An escalation step: cancelled at claim (or when the item is read) if the notification's in-app item was read.</summary>
    public const string InAppUnread = "in_app_unread";

    /// <summary>A digest's own delivery: never folded into another digest.</summary>
    public const string Digest = "digest";
}

/// <summary>
/// Notification × channel × target. <see cref="Platform"/> is the device platform (ios, android, web) of a push delivery.
/// <see cref="DedupWindow"/> is the content-dedup window the planner stamped from the notification's template and
/// priority (zero: off); null for a delivery planned before it was stamped, which the gate treats with the defaults.
/// <see cref="EnvironmentId"/> is its notification's: the gate reads that environment's suppressions and digest rules.
/// </summary>
public sealed record Delivery(
    string Id,
    string NotificationId,
    string RecipientId,
    string EventType,
    Channel Channel,
    Priority Priority,
    string Target,
    string? TargetRef,
    string? Provider,
    string Status,
    int Attempts,
    string? LastError,
    string Content,
    string ContentHash,
    DateTimeOffset DueAt,
    DateTimeOffset? SentAt,
    DateTimeOffset? DeliveredAt,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string? Platform = null,
    string? ProviderMessageId = null,
    string? TraceParent = null,
    DateTimeOffset? ExpiresAt = null,
    string? Condition = null,
    int LookUps = 0,
    string? TrackedStatus = null,
    TimeSpan? DedupWindow = null,
    string EnvironmentId = Environments.Default);

public sealed record TraceEntry(string NotificationId, DateTimeOffset At, string Stage, string? Channel, string Decision, string Reason);

public sealed record FeedItem(
    long Seq,
    string UserId,
    string NotificationId,
    string DeliveryId,
    string EventType,
    string? Title,
    string? Body,
    string? ActionUrl,
    string? Icon,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ReadAt,
    DateTimeOffset? ArchivedAt,
    string EnvironmentId = Environments.Default);

/// <summary>
/// A customer endpoint (<see cref="RecipientId"/> set) or an operational one (null: Herald's own lifecycle events), of one
/// environment: only notifications of <see cref="EnvironmentId"/> reach it.
/// </summary>
public sealed record WebhookEndpoint(
    string Id,
    string? RecipientId,
    string Url,
    string Secret,
    IReadOnlyList<string> EventTypes,
    string? Description,
    bool Enabled,
    string? DisabledReason,
    DateTimeOffset? FailingSince,
    DateTimeOffset CreatedAt,
    string EnvironmentId = Environments.Default);

/// <summary>A message stored by the capture provider, exactly as a provider would have received it.</summary>
public sealed record OutboxMessage(long Id, string DeliveryId, Channel Channel, string Provider, string RecipientId, string Target, string Message, DateTimeOffset CreatedAt);

/// <summary>
/// An address Herald will not send to on a channel: a hard bounce, a spam complaint, an invalid number, an opt-out (SMS STOP,
/// one-click unsubscribe). The gate suppresses deliveries to it, urgent ones included. An address is suppressed in one
/// environment (<see cref="EnvironmentId"/>): a bounce seen by one team's sends does not silence another's.
/// </summary>
public sealed record Suppression(Channel Channel, string Address, string Reason, string Source, DateTimeOffset CreatedAt, string EnvironmentId = Environments.Default);

/// <summary>
/// An API key. Only SHA-256 hashes of secrets are stored; <see cref="Prefix"/> is the secret's first characters, enough
/// to recognise it in a list. A rotation keeps the id, name and scopes: the new secret's hash replaces
/// <see cref="KeyHash"/> and the old one moves to <see cref="PreviousHash"/>, accepted until <see cref="PreviousExpiresAt"/>.
/// <see cref="RequestsPerSecond"/> and <see cref="NotificationsPerSecond"/> are the key's own rate limits; null means the
/// deployment's default.
/// </summary>
public sealed record ApiKey(string Id, string KeyHash, IReadOnlyList<string> Scopes, DateTimeOffset CreatedAt)
{
    public string Name { get; init; } = "";

    public string Prefix { get; init; } = "";

    public DateTimeOffset? ExpiresAt { get; init; }

    public DateTimeOffset? RevokedAt { get; init; }

    public DateTimeOffset? LastUsedAt { get; init; }

    public string? PreviousHash { get; init; }

    public DateTimeOffset? PreviousExpiresAt { get; init; }

    public int? RequestsPerSecond { get; init; }

    public int? NotificationsPerSecond { get; init; }

    /// <summary>The environment whose resources the key reaches (an admin key also manages the deployment's apps, environments and keys).</summary>
    public string EnvironmentId { get; init; } = Environments.Default;
}

/// <summary>A saved response for an idempotency key.</summary>
public sealed record IdempotencyRecord(string Key, string RequestHash, int StatusCode, string Response, DateTimeOffset CreatedAt)
{
    /// <summary>Keys are per environment: two environments may use the same key for different requests.</summary>
    public string EnvironmentId { get; init; } = Environments.Default;
}

public sealed record UserPreferences(string UserId, IReadOnlyList<PreferenceRule> Rules, string EnvironmentId = Environments.Default);

/// <summary>An email layout of one environment: <see cref="Html"/> wraps an email's HTML at <c>{{{body}}}</c>, <see cref="Text"/> (optional) its text part.</summary>
public sealed record StoredLayout(string LayoutId, string? Description, string Html, string? Text, DateTimeOffset UpdatedAt);

/// <summary>A shared template snippet of one environment, used as <c>{{> name}}</c> in any channel's parts and in layouts.</summary>
public sealed record StoredPartial(string Name, string Source, DateTimeOffset UpdatedAt);
