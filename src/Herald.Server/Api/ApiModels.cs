using System.Text.Json.Nodes;

namespace Herald.Server.Api;

/// <summary>A send to one recipient, or (<c>topic</c> instead of <c>recipient_id</c>) to every subscriber of a topic.</summary>
public sealed record SendRequest(
    string? EventType, string? RecipientId, string? Priority, List<string>? Channels, string? TemplateId, int? TemplateVersion,
    JsonObject? Data, string? IdempotencyKey, DateTimeOffset? ScheduledAt, DateTimeOffset? ExpiresAt = null, List<EscalationDto>? Escalation = null,
    string? Topic = null);

public sealed record BatchRequest(
    string? EventType, List<string>? RecipientIds, string? Priority, List<string>? Channels, string? TemplateId, int? TemplateVersion,
    JsonObject? Data, string? IdempotencyKey, DateTimeOffset? ScheduledAt, DateTimeOffset? ExpiresAt = null, List<EscalationDto>? Escalation = null);

/// <summary>Send <c>channel</c> only if the in-app item is still unread <c>after</c> (ISO 8601 duration, e.g. PT15M) after it appeared.</summary>
public sealed record EscalationDto(string? Channel, string? After);

public sealed record AcceptedResponse(string Id, string Status);

public sealed record BatchAcceptedResponse(string BatchId, int Accepted, string Status);

public sealed record DeliveryResponse(
    string Id, string Channel, string Target, string? Provider, string Status, int Attempts, string? LastError, DateTimeOffset? SentAt, DateTimeOffset? DeliveredAt);

public sealed record TraceResponse(DateTimeOffset At, string Stage, string? Channel, string Decision, string Reason);

public sealed record NotificationResponse(
    string Id, string EventType, string RecipientId, string Priority, string Status, string TemplateId, int? TemplateVersion,
    DateTimeOffset? ScheduledAt, DateTimeOffset CreatedAt, List<DeliveryResponse>? Deliveries, List<TraceResponse>? Trace);

public sealed record NotificationPage(List<NotificationResponse> Notifications, string? NextCursor);

public sealed record UserRequest(string? Email, string? Phone, string? Locale, string? Timezone);

public sealed record UserResponse(string UserId, string? Email, string? Phone, string? Locale, string? Timezone, DateTimeOffset UpdatedAt);

/// <summary>What an erasure removed (deleted) or anonymised (kept for counts under <c>pseudonym</c>).</summary>
public sealed record ErasureResponse(
    string UserId,
    string Pseudonym,
    bool Profile,
    int Devices,
    int FeedItems,
    int Notifications,
    int Deliveries,
    int Cancelled,
    int OutboxMessages,
    int WebhookEndpoints,
    int LifecycleEvents,
    int Subscriptions,
    int DigestItems);

public sealed record QuietHoursDto(string? Start, string? End, string? Timezone);

/// <summary>
/// One preference rule. <c>digest</c> (rules for channel <c>*</c> only) is the user's choice for event types a digest rule
/// covers: true batches them into the digest, false sends them at once, absent leaves it to the rule's <c>batch</c>.
/// </summary>
public sealed record PreferenceRuleDto(string? EventType, string? Channel, bool? Enabled, QuietHoursDto? QuietHours, int? FrequencyCap, SendWindowDto? SendWindow = null,
    bool? Digest = null);

/// <summary>A weekly schedule: on each of <c>days</c> (mon…sun), from start to end local time in the time zone.</summary>
public sealed record SendWindowDto(List<string?>? Days, string? Start, string? End, string? Timezone);

/// <summary>
/// A user's rules. In answers, <c>digest_options</c> lists the event types a digest rule covers (where the user may choose a
/// digest or instant sends) and what they get without a choice; it is read-only (ignored in a request, so an answer can be
/// sent back as it is).
/// </summary>
public sealed record PreferencesDto(List<PreferenceRuleDto>? Rules, List<DigestOptionDto>? DigestOptions = null);

/// <summary>An event type a digest rule covers; <c>digest_by_default</c> is the rule's <c>batch</c>.</summary>
public sealed record DigestOptionDto(string EventType, bool DigestByDefault);

public sealed record DeviceRequest(string? Token, string? Platform, string? AppVersion);

public sealed record DeviceResponse(string Id, string Platform, string Token, string? AppVersion, DateTimeOffset CreatedAt, DateTimeOffset LastSeenAt);

public sealed record DeviceList(List<DeviceResponse> Devices);

/// <summary>
/// A template version. <c>fallback</c> (optional) is the channel fallback of its notifications, whatever their priority:
/// <c>{"chain": ["push", "sms", "email"], "after": {"push": "PT30S"}}</c>: the channels in order (push, sms, email,
/// in_app) and, per channel, how long retryable failures may last (ISO 8601, PT0S to P1D) before the next is planned.
/// <c>layout</c> (optional) is the id of the layout its email is wrapped in, or null for none; absent, the environment's
/// <c>default</c> layout wraps it when there is one. A JSON element, so absent and null differ.
/// </summary>
public sealed record TemplateRequest(string? TemplateId, string? Description, List<string>? Variables, JsonObject? Channels, JsonObject? Locales,
    TemplateDedupDto? Dedup = null, JsonNode? Fallback = null)
{
    // A property, not a parameter: a parameter's default (an undefined element) is written into the OpenAPI schema, which fails.
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)]
    public System.Text.Json.JsonElement Layout { get; init; }
}

/// <summary>
/// Content dedup for the event type named like the template: <c>window</c> an ISO 8601 duration from PT0S (off) to
/// P1D, <c>urgent</c> whether urgent deliveries are deduplicated too. Absent members use Herald:Pipeline's defaults.
/// </summary>
public sealed record TemplateDedupDto(string? Window, bool? Urgent);

public sealed record TemplateCreatedResponse(string TemplateId, int Version, string Status);

/// <summary>Copy <c>version</c> (default: the latest published) of this environment's template into environment <c>to</c>.</summary>
public sealed record TemplatePromoteRequest(int? Version, string? To);

/// <summary>The draft a promotion made in <c>environment</c>, and the version of <c>from_environment</c> it copies.</summary>
public sealed record TemplatePromotedResponse(string TemplateId, int Version, string Status, string Environment, string FromEnvironment, int FromVersion, DateTimeOffset CreatedAt);

public sealed record TemplateVersionResponse(string TemplateId, int Version, string Status, string? Description, DateTimeOffset CreatedAt, DateTimeOffset? PublishedAt, JsonObject? Definition,
    TemplateDedupDto? Dedup = null, JsonObject? Fallback = null);

public sealed record TemplateResponse(string TemplateId, int LatestVersion, int? PublishedVersion, List<TemplateVersionResponse> Versions);

public sealed record TemplateListResponse(List<TemplateVersionResponse> Templates);

/// <summary>
/// Renders a stored version, or (<c>definition</c>, shaped as a create request) an unsaved draft, for a recipient of
/// <c>locale</c> and <c>time_zone</c> (an IANA id; the formatting helpers' time zone, default UTC).
/// </summary>
public sealed record PreviewRequest(int? Version, string? Channel, string? Locale, JsonObject? Data, TemplateRequest? Definition = null, string? TimeZone = null);

public sealed record PreviewResponse(string TemplateId, int Version, string? Locale, JsonObject Channels);

public sealed record FeedItemResponse(
    long Seq, string NotificationId, string EventType, string? Title, string? Body, string? ActionUrl, string? Icon, bool Read,
    DateTimeOffset CreatedAt, DateTimeOffset? ReadAt);

public sealed record FeedResponse(List<FeedItemResponse> Notifications, int UnreadCount, string? NextCursor);

public sealed record UnreadCountResponse(int UnreadCount);

public sealed record MarkAllReadResponse(int Marked, int UnreadCount);

/// <summary>Without <c>recipient_id</c> the endpoint is operational: it receives Herald's lifecycle events.</summary>
public sealed record WebhookEndpointRequest(string? Url, List<string>? EventTypes, string? Description, string? RecipientId = null);

public sealed record WebhookEndpointResponse(
    string Id, string? RecipientId, string Url, List<string> EventTypes, string? Description, bool Enabled, string? DisabledReason,
    DateTimeOffset? FailingSince, DateTimeOffset CreatedAt, string? Secret);

/// <summary>The range is of notifications accepted from <c>since</c> (inclusive) to <c>until</c> (exclusive, default now), RFC 3339.</summary>
public sealed record WebhookRecoverRequest(string? Since, string? Until);

/// <summary><c>recovered</c>: how many held, failed or dead deliveries went back to the queue (sent later, in their original order).</summary>
public sealed record WebhookRecoverResponse(string EndpointId, DateTimeOffset Since, DateTimeOffset Until, int Recovered);

public sealed record DeadLetterResponse(
    string DeliveryId, string NotificationId, string RecipientId, string EventType, string Channel, string Priority, string Target, int Attempts,
    string? LastError, DateTimeOffset UpdatedAt, string Status, JsonNode? Content);

/// <summary>What a product's backend hands its page for the inbox: the token lets the browser read and mark this user's feed only.</summary>
/// <summary>Optional body of <c>POST /api/v1/users/{user_id}/subscriber-token</c>: lifetime in seconds (60 to Herald:SubscriberTokens:MaxLifetime; default DefaultLifetime) and end-user scopes (absent: all).</summary>
public sealed record SubscriberTokenRequest(int? TtlSeconds, List<string>? Scopes);

public sealed record SubscriberTokenResponse(string UserId, string Token, DateTimeOffset ExpiresAt, string Environment, List<string> Scopes);

/// <summary>A stream ticket: <c>GET …/feed/stream?ticket=</c> until <c>expires_at</c>.</summary>
public sealed record StreamTicketResponse(string Ticket, DateTimeOffset ExpiresAt);

/// <summary>An environment's subscriber-token secret: the HS256 key, used as the UTF-8 bytes of this string.</summary>
public sealed record SubscriberSecretResponse(string Environment, string Secret, string Algorithm);

public sealed record KeyResponse(string Id, List<string> Scopes, string Environment);

public sealed record WebhookEndpointPage(List<WebhookEndpointResponse> Endpoints, string? NextCursor);

public sealed record DeadLetterPage(List<DeadLetterResponse> DeadLetters, string? NextCursor);

public sealed record ReplayResponse(string DeliveryId, string Status);

public sealed record OutboxMessageResponse(long Id, string DeliveryId, string Channel, string Provider, string RecipientId, string Target, JsonNode? Message, DateTimeOffset CreatedAt);

public sealed record OutboxPage(List<OutboxMessageResponse> Messages, string? NextCursor);

public sealed record HealthResponse(string Status, string Version, Dictionary<string, string> Checks);

public sealed record ProviderStatsResponse(int RecentCalls, double ErrorRate, double? P50Ms, double? P95Ms, double? P99Ms, long TotalCalls, long TotalFailures);

public sealed record CircuitTransitionResponse(DateTimeOffset At, string State);

public sealed record ProviderResponse(string Name, string Type, string Channel, int Order, string Circuit, List<string> Match, double? RatePerSecond,
    ProviderStatsResponse Stats, List<CircuitTransitionResponse> Transitions, bool Enabled, string? Callbacks);

public sealed record ProvidersResponse(List<ProviderResponse> Providers);

public sealed record SuppressionResponse(string Channel, string Address, string Reason, string Source, DateTimeOffset CreatedAt);

public sealed record SuppressionPage(List<SuppressionResponse> Suppressions);

/// <summary>
/// How many events a verified callback carried that Herald acts on. Deliberately nothing more: the answer is the same
/// whether Herald knows the messages they name or has applied them before, so it reveals neither.
/// </summary>
public sealed record CallbackAcceptedResponse(int Events);

public sealed record AnalyticsCountsResponse(
    long Total, long Queued, long InFlight, long Sent, long Delivered, long Opened, long Clicked, long Bounced, long Failed, long Dead, long Suppressed, long Cancelled);

public sealed record AnalyticsRatesResponse(double? DeliveryRate, double? OpenRate, double? ClickRate, double? BounceRate, double? FailureRate);

public sealed record LatencyPercentilesResponse(long? P50, long? P95, long? P99);

public sealed record AnalyticsTotalResponse(AnalyticsCountsResponse Counts, AnalyticsRatesResponse Rates, LatencyPercentilesResponse LatencyMs);

public sealed record AnalyticsGroupResponse(string? Key, AnalyticsCountsResponse Counts, AnalyticsRatesResponse Rates, LatencyPercentilesResponse LatencyMs);

public sealed record AnalyticsResponse(DateTimeOffset From, DateTimeOffset To, string GroupBy, AnalyticsTotalResponse Total, List<AnalyticsGroupResponse> Groups);

public sealed record TopicSubscribersPage(string Topic, List<string> Subscribers, string? NextCursor);

public sealed record TopicSendAcceptedResponse(string Id, string Topic, string Status);

/// <summary>
/// A campaign: the send fields, an audience (<c>topic</c> or <c>recipient_ids</c>), <c>scheduled_at</c> (an
/// RFC 3339 instant, "2026-12-01T09:00 local" or "09:00 local") and <c>rate</c> (notifications per second).
/// </summary>
public sealed record CampaignRequest(
    string? Name, string? EventType, string? TemplateId, int? TemplateVersion, List<string>? Channels, JsonObject? Data, string? Topic, List<string>? RecipientIds,
    string? ScheduledAt, double? Rate, DateTimeOffset? ExpiresAt, string? IdempotencyKey);

public sealed record CampaignRecipientsRequest(List<string>? RecipientIds);

public sealed record CampaignRecipientsResponse(string Id, int Added);

public sealed record CampaignProgressResponse(
    long Total, long Released, long Planned, long Sent, long Delivered, long Failed, long Suppressed, long Deferred, long Cancelled, long Expired, long Paused);

public sealed record CampaignResponse(
    string Id, string Kind, string? Name, string Status, string? Topic, string EventType, string Priority, string ScheduledAt, double? Rate, DateTimeOffset CreatedAt,
    CampaignProgressResponse Progress);

/// <summary>A digest rule: <c>window</c> ISO 8601 duration, <c>group_by</c> a (dotted) data field, <c>template_id</c> rendered with count and items.</summary>
public sealed record DigestRuleRequest(string? Window, int? MaxItems, string? GroupBy, string? TemplateId, bool? FoldRateLimited, bool? Batch);

public sealed record DigestRuleResponse(string EventType, string Window, int MaxItems, string? GroupBy, string TemplateId, bool FoldRateLimited, bool Batch);

public sealed record DigestRuleList(List<DigestRuleResponse> Rules);

/// <summary>One operator action; <c>actor</c> is an API key id, or <c>system</c> for what Herald did itself.</summary>
public sealed record AuditEntryResponse(string Id, DateTimeOffset At, string Actor, string Action, string Target, JsonNode? Details, string? TraceId);

public sealed record AuditPage(List<AuditEntryResponse> Entries, string? NextCursor);

/// <summary>A new API key: a name for people, its scopes, optionally when it stops working, its environment (default: the caller's) and rate limits.</summary>
public sealed record ApiKeyRequest(string? Name, List<string>? Scopes, DateTimeOffset? ExpiresAt, int? RequestsPerSecond = null, int? NotificationsPerSecond = null,
    string? Environment = null);

/// <summary>
/// A key's rate limits (PATCH, as a JSON merge patch): a field left out keeps its value, null returns it to the
/// deployment's default (Herald:RateLimits), a number from 1 to 1000000 sets it.
/// </summary>
public sealed record ApiKeyLimitsRequest(int? RequestsPerSecond, int? NotificationsPerSecond);

/// <summary>How <see cref="ApiKeyLimitsRequest"/> is read: each field's JSON as sent, so left out (Undefined) and null differ.</summary>
public sealed record ApiKeyLimitsPatch(System.Text.Json.JsonElement RequestsPerSecond = default, System.Text.Json.JsonElement NotificationsPerSecond = default);

/// <summary>How long the old secret keeps working after a rotation, in seconds (1 to 604800; default 86400).</summary>
public sealed record ApiKeyRotateRequest(int? OverlapSeconds);

/// <summary>
/// An API key as listed: never its secret or hash; <c>prefix</c> is the secret's first characters. The limits are the
/// key's own (null: the deployment's default applies).
/// </summary>
public sealed record ApiKeyResponse(string Id, string Name, string Prefix, List<string> Scopes, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt,
    DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt, DateTimeOffset? PreviousSecretExpiresAt, string Environment, int? RequestsPerSecond = null,
    int? NotificationsPerSecond = null);

/// <summary>A key with its secret, shown this once (create, rotate): Herald keeps only a hash.</summary>
public sealed record ApiKeySecretResponse(string Secret, ApiKeyResponse Key);

public sealed record ApiKeyList(List<ApiKeyResponse> Keys);

/// <summary>A new app (tenant): a unique name.</summary>
public sealed record AppRequest(string? Name);

public sealed record AppResponse(string Id, string Name, DateTimeOffset CreatedAt);

public sealed record AppList(List<AppResponse> Apps);

/// <summary>A new environment of an app: a name unique within the app (e.g. <c>development</c>, <c>production</c>).</summary>
public sealed record EnvironmentRequest(string? AppId, string? Name);

public sealed record EnvironmentResponse(string Id, string AppId, string Name, DateTimeOffset CreatedAt);

public sealed record EnvironmentList(List<EnvironmentResponse> Environments);
