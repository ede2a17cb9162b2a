using System.Data.Common;
using Herald.Core.Campaigns;
using Herald.Core.Domain;
using Herald.Core.Storage;

namespace Herald.Storage.Relational;

// Each row type: the column list a store selects, and the mapper reading those columns in that order. Both engines
// store the same columns with the same meaning, so only the SQL around them is dialect.

public static class DeliveryRow
{
    public const string Columns =
        "id, notification_id, recipient_id, event_type, channel, priority, target, target_ref, provider, status, attempts, last_error, content, content_hash, due_at, sent_at, delivered_at, created_at, updated_at, platform, provider_message_id, trace_parent, expires_at, condition, lookups, tracked_status, dedup_ms, environment_id";

    public static Delivery Map(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), (Channel)r.GetInt32(4), (Priority)r.GetInt32(5), r.GetString(6),
        r.StringOrNull(7), r.StringOrNull(8), r.GetString(9), r.GetInt32(10), r.StringOrNull(11), r.GetString(12), r.GetString(13),
        r.Time(14), r.TimeOrNull(15), r.TimeOrNull(16), r.Time(17), r.Time(18), r.StringOrNull(19), r.StringOrNull(20), r.StringOrNull(21),
        r.TimeOrNull(22), r.StringOrNull(23), r.GetInt32(24), r.StringOrNull(25), r.IsDBNull(26) ? null : TimeSpan.FromMilliseconds(r.GetInt64(26)), r.GetString(27));
}

public static class NotificationRow
{
    public const string Columns =
        "id, event_type, recipient_id, priority, status, template_id, template_version, channels, data, idempotency_key, batch_id, due_at, created_at, trace_parent, options, campaign_id, environment_id";

    public static Notification Map(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), (Priority)r.GetInt32(3), r.GetString(4), r.GetString(5),
        r.IsDBNull(6) ? null : r.GetInt32(6),
        ChannelListColumn.Parse(r.StringOrNull(7)),
        r.GetString(8), r.StringOrNull(9), r.StringOrNull(10), r.Time(11), r.Time(12), r.StringOrNull(13), StoreJson.OptionsJson(r.StringOrNull(14)), r.StringOrNull(15), r.GetString(16));
}

public static class EndpointRow
{
    public const string Columns = "id, recipient_id, url, secret, event_types, description, enabled, disabled_reason, failing_since, created_at, environment_id";

    public static WebhookEndpoint Map(DbDataReader r) => new(
        r.GetString(0), r.StringOrNull(1), r.GetString(2), r.GetString(3), StoreJson.Strings(r.GetString(4)), r.StringOrNull(5),
        r.Flag(6), r.StringOrNull(7), r.TimeOrNull(8), r.Time(9), r.GetString(10));
}

public static class FeedRow
{
    public const string Columns = "seq, user_id, notification_id, delivery_id, event_type, title, body, action_url, icon, created_at, read_at, archived_at, environment_id";

    public static FeedItem Map(DbDataReader r) => new(
        r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.StringOrNull(5), r.StringOrNull(6),
        r.StringOrNull(7), r.StringOrNull(8), r.Time(9), r.TimeOrNull(10), r.TimeOrNull(11), r.GetString(12));
}

public static class TemplateRow
{
    public const string Columns = "template_id, version, published, description, definition, created_at, published_at";

    public static StoredTemplate Map(DbDataReader r) => new(r.GetString(0), r.GetInt32(1), r.Flag(2), r.StringOrNull(3), r.GetString(4), r.Time(5), r.TimeOrNull(6));
}

public static class DeviceRow
{
    public const string Columns = "id, user_id, token, platform, app_version, created_at, last_seen_at, environment_id";

    public static Device Map(DbDataReader r) => new(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.StringOrNull(4), r.Time(5), r.Time(6), r.GetString(7));
}

public static class ProfileRow
{
    /// <summary>The profile's columns; a query adding more (preferences) reads them from <see cref="Next"/> on.</summary>
    public const string Columns = "user_id, email, phone, locale, timezone, updated_at, environment_id";

    public const int Next = 7;

    public static UserProfile Map(DbDataReader r) => new(r.GetString(0), r.StringOrNull(1), r.StringOrNull(2), r.StringOrNull(3), r.StringOrNull(4), r.Time(5), r.GetString(6));
}

public static class CampaignRow
{
    public const string Columns = "id, kind, name, topic, request, scheduled_at, local_time, rate, status, cursor, released, exhausted, created_at, environment_id";

    public static Campaign Map(DbDataReader r) => CampaignRows.From(r.GetString(0), r.GetString(1), r.StringOrNull(2), r.StringOrNull(3), r.GetString(4),
        r.GetInt64(5), r.StringOrNull(6), r.IsDBNull(7) ? null : r.GetDouble(7), r.GetString(8), r.StringOrNull(9), r.GetInt64(10), r.Flag(11), r.GetInt64(12))
        with { EnvironmentId = r.GetString(13) };
}

public static class AuditRow
{
    public const string Columns = "id, at, actor, action, target, details, trace_id";

    public static AuditEntry Map(DbDataReader r) => new(
        r.GetString(0), r.Time(1), r.GetString(2), r.GetString(3), r.GetString(4), r.StringOrNull(5), r.StringOrNull(6));
}

public static class ApiKeyRow
{
    public const string Columns = "id, key_hash, scopes, created_at, name, prefix, expires_at, revoked_at, last_used_at, previous_hash, previous_expires_at, " +
        "requests_per_second, notifications_per_second, environment_id";

    public static ApiKey Map(DbDataReader r) => new(r.GetString(0), r.GetString(1), r.GetString(2).Split(',', StringSplitOptions.RemoveEmptyEntries), r.Time(3))
    {
        Name = r.GetString(4),
        Prefix = r.GetString(5),
        ExpiresAt = r.TimeOrNull(6),
        RevokedAt = r.TimeOrNull(7),
        LastUsedAt = r.TimeOrNull(8),
        PreviousHash = r.StringOrNull(9),
        PreviousExpiresAt = r.TimeOrNull(10),
        RequestsPerSecond = r.IsDBNull(11) ? null : r.GetInt32(11),
        NotificationsPerSecond = r.IsDBNull(12) ? null : r.GetInt32(12),
        EnvironmentId = r.GetString(13),
    };
}

public static class AppRow
{
    public const string Columns = "id, name, created_at";

    public static App Map(DbDataReader r) => new(r.GetString(0), r.GetString(1), r.Time(2));
}

public static class EnvironmentRow
{
    public const string Columns = "id, app_id, name, created_at";

    public static AppEnvironment Map(DbDataReader r) => new(r.GetString(0), r.GetString(1), r.GetString(2), r.Time(3));
}
