using Herald.Core.Domain;
using Herald.Core.Preferences;
using Herald.Core.Storage;
using Microsoft.Data.Sqlite;

namespace Herald.Storage.Sqlite;

/// <summary>Gate reads inside the claim transaction; SQLite's single writer makes them exact.</summary>
internal sealed class SqliteGateContext(SqliteConnection c, SqliteTransaction tx) : IGateContext
{
    private readonly Dictionary<(string, string), IReadOnlyList<PreferenceRule>> _rules = [];

    public IReadOnlyList<PreferenceRule> Rules(string environmentId, string userId)
    {
        if (!_rules.TryGetValue((environmentId, userId), out var rules))
        {
            // The delivery's environment's user: another environment's user of the same id never decides its sends.
            var json = c.Command("SELECT preferences FROM users WHERE environment_id = $env AND user_id = $u", tx)
                .With("$env", environmentId).With("$u", userId).Scalar() as string;
            rules = json is null ? [] : StoreJson.Rules(json);
            _rules[(environmentId, userId)] = rules;
        }

        return rules;
    }

    private const string RecentSendsSql = $"""
        SELECT claimed_at FROM deliveries
        WHERE recipient_id = $r AND channel = $c AND claimed_at > $since AND environment_id = $env
          AND status IN {DeliveryStatus.Sql.InFlightOrSent}
        """;

    public IReadOnlyList<DateTimeOffset> RecentSends(string environmentId, string recipientId, Channel channel, DateTimeOffset since, string? eventTypePattern = null)
    {
        var (filter, value) = eventTypePattern switch
        {
            null or "*" => ("", null),
            _ when eventTypePattern.EndsWith(".*", StringComparison.Ordinal) => (" AND event_type LIKE $e ESCAPE '\\'", Escape(eventTypePattern[..^1]) + "%"),
            _ => (" AND event_type = $e", eventTypePattern),
        };
        var cmd = c.Command(RecentSendsSql + filter + " ORDER BY claimed_at", tx).With("$r", recipientId).With("$c", (int)channel).With("$since", since.Ms())
            .With("$env", environmentId);
        if (value is not null)
        {
            cmd.With("$e", value);
        }

        return cmd.ReadAll(r => r.Time(0));
    }

    public string? Suppression(string environmentId, Channel channel, string address) =>
        c.Command("SELECT reason FROM suppressions WHERE environment_id = $env AND channel = $c AND address = $a", tx)
            .With("$env", environmentId).With("$c", (int)channel).With("$a", address).Scalar() as string;

    public DateTimeOffset? InAppReadAt(string notificationId) =>
        c.Command("SELECT min(read_at) FROM feed WHERE notification_id = $n AND read_at IS NOT NULL", tx).With("$n", notificationId).Scalar() is long ms
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;

    public string? SameContentSent(string environmentId, string recipientId, Channel channel, string contentHash, string notificationId, DateTimeOffset since) =>
        c.Command($"""
            SELECT id FROM deliveries
            WHERE recipient_id = $r AND channel = $c AND claimed_at > $since AND content_hash = $h AND notification_id <> $n AND environment_id = $env
              AND status IN {DeliveryStatus.Sql.InFlightOrSent}
            ORDER BY claimed_at DESC
            LIMIT 1
            """, tx).With("$r", recipientId).With("$c", (int)channel).With("$since", since.Ms()).With("$h", contentHash).With("$n", notificationId)
            .With("$env", environmentId).Scalar() as string;

    public ThrottledAhead? ThrottledAhead(Delivery delivery, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        // Throttled rows are rare and short-lived: one look at the (tiny) partial index per claim batch skips the per-delivery
        // query when there are none. Exact for the batch: only completions set the mark, and none commits during this claim.
        _anyThrottled ??= c.Command($"SELECT EXISTS(SELECT 1 FROM deliveries WHERE throttled = 1 AND status IN {DeliveryStatus.Sql.ThrottleHolding})", tx).Scalar() is 1L;
        if (!_anyThrottled.Value)
        {
            return null;
        }

        var ahead = c.Command($"""
            SELECT id, CASE WHEN status = 'sending' OR due_at < $now THEN $now ELSE due_at END AS due FROM deliveries
            WHERE throttled = 1 AND status IN {DeliveryStatus.Sql.ThrottleHolding} AND recipient_id = $r AND channel = $c AND priority = $p AND notification_id < $n
              AND environment_id = $env
            ORDER BY due DESC LIMIT 1
            """, tx).With("$r", delivery.RecipientId).With("$c", (int)delivery.Channel).With("$p", (int)delivery.Priority).With("$n", delivery.NotificationId)
            .With("$env", delivery.EnvironmentId).With("$now", now.Ms()).ReadAll(r => new ThrottledAhead(r.GetString(0), r.Time(1)));
        return ahead.Count == 0 ? null : ahead[0];
    }

    private bool? _anyThrottled;

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);
}
