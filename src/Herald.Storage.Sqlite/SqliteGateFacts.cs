using Herald.Core.Domain;
using Herald.Core.Gate;
using Herald.Core.Preferences;
using Herald.Core.Storage;
using Microsoft.Data.Sqlite;

namespace Herald.Storage.Sqlite;

/// <summary>
/// Phase one of the two-phase gate on SQLite: every fact the gate reads for a claim batch, loaded set-based (a JSON
/// array of keys joined through <c>json_each</c>, one prepared statement whatever the batch size) inside the claim's
/// write transaction, so exact: the single writer serializes claims. The decisions then run in memory on
/// <see cref="GateFacts"/>, the same implementation PostgreSQL uses (<c>PgClaims</c>). Statements per batch: rules,
/// suppressions (when the batch has email or SMS), read times (when it has escalations), the throttled check, and the
/// recent sends; before, three ran per delivery.
/// </summary>
internal static class SqliteGateFacts
{
    private const string RulesSql = """
        SELECT u.environment_id, u.user_id, u.preferences FROM json_each($k) AS x
        CROSS JOIN users u ON u.environment_id = x.value ->> 0 AND u.user_id = x.value ->> 1
        WHERE u.preferences IS NOT NULL
        """;

    private const string SuppressionsSql = """
        SELECT s.environment_id, s.channel, s.address, s.reason FROM json_each($k) AS x
        CROSS JOIN suppressions s ON s.environment_id = x.value ->> 0 AND s.channel = x.value ->> 1 AND s.address = x.value ->> 2
        """;

    private const string ReadAtSql = """
        SELECT notification_id, min(read_at) FROM feed
        WHERE notification_id IN (SELECT value FROM json_each($k)) AND read_at IS NOT NULL GROUP BY notification_id
        """;

    private const string AnyThrottledSql = $"SELECT EXISTS(SELECT 1 FROM deliveries WHERE throttled = 1 AND status IN {DeliveryStatus.Sql.ThrottleHolding})";

    private const string ThrottledSql = $"""
        SELECT d.environment_id, d.recipient_id, d.channel, d.priority, d.notification_id, d.id, CASE WHEN d.status = 'deferred' THEN d.due_at END
        FROM json_each($k) AS x
        CROSS JOIN deliveries d ON d.recipient_id = x.value ->> 0 AND d.channel = x.value ->> 1 AND d.throttled = 1 AND d.status IN {DeliveryStatus.Sql.ThrottleHolding}
        """;

    // Counted sends: the claim time, and the event type only where a decision filters by it (keys: environment, recipient,
    // channel, since, event types wanted; x.key names the key), so a busy recipient's hour costs no strings.
    private const string CountedSql = $"""
        SELECT x.key, d.claimed_at, CASE WHEN x.value ->> 4 THEN d.event_type END
        FROM json_each($k) AS x
        CROSS JOIN deliveries d ON d.recipient_id = x.value ->> 1 AND d.channel = x.value ->> 2 AND d.claimed_at > x.value ->> 3
        WHERE d.environment_id = x.value ->> 0 AND d.status IN {DeliveryStatus.Sql.InFlightOrSent}
        ORDER BY d.claimed_at
        """;

    // The latest same-content send per probe, found through ix_deliveries_content (the hash covers recipient, event type
    // and channel, so it names a few rows whatever the recipient's volume), one per delivery whose dedup is on (keys:
    // environment, recipient, channel, content hash, notification, since).
    private const string SameContentSql = $"""
        SELECT m.recipient_id, m.channel, m.claimed_at, m.event_type, m.content_hash, m.notification_id, m.id, m.environment_id
        FROM json_each($k) AS x
        CROSS JOIN deliveries m ON m.id = (
            SELECT d.id FROM deliveries d INDEXED BY ix_deliveries_content
            WHERE d.content_hash = x.value ->> 3 AND d.recipient_id = x.value ->> 1 AND d.channel = x.value ->> 2 AND d.claimed_at > x.value ->> 5
              AND d.notification_id <> x.value ->> 4 AND d.environment_id = x.value ->> 0
              AND d.status IN {DeliveryStatus.Sql.InFlightOrSent}
            ORDER BY d.claimed_at DESC LIMIT 1)
        """;

    public static GateFacts Load(SqliteConnection c, SqliteTransaction tx, IReadOnlyList<Delivery> candidates, IDispatchGate gate, DateTimeOffset now)
    {
        var facts = new GateFacts();
        var pairs = candidates.Select(d => (d.RecipientId, d.Channel)).Distinct().ToList();
        var owners = candidates.Select(d => (d.EnvironmentId, d.RecipientId)).Distinct().ToList();
        var rules = new Dictionary<(string Environment, string User), IReadOnlyList<PreferenceRule>>();
        foreach (var (environment, user, json) in c.Command(RulesSql, tx).With("$k", JsonRows.Of(owners, static (j, o) => { j.WriteStringValue(o.EnvironmentId); j.WriteStringValue(o.RecipientId); }))
                     .ReadAll(r => (r.GetString(0), r.GetString(1), r.GetString(2))))
        {
            rules[(environment, user)] = StoreJson.Rules(json);
            facts.AddRules(environment, user, rules[(environment, user)]);
        }

        var addresses = candidates.Where(d => d.Channel is Channel.Email or Channel.Sms).Select(d => (d.EnvironmentId, d.Channel, d.Target)).Distinct().ToList();
        if (addresses.Count > 0)
        {
            foreach (var (environment, channel, address, reason) in c.Command(SuppressionsSql, tx)
                         .With("$k", JsonRows.Of(addresses, static (j, a) => { j.WriteStringValue(a.EnvironmentId); j.WriteNumberValue((int)a.Channel); j.WriteStringValue(a.Target); }))
                         .ReadAll(r => (r.GetString(0), (Channel)r.GetInt32(1), r.GetString(2), r.GetString(3))))
            {
                facts.AddSuppression(environment, channel, address, reason);
            }
        }

        var escalations = candidates.Where(d => d.Condition is not null).Select(d => d.NotificationId).Distinct(StringComparer.Ordinal).ToList();
        if (escalations.Count > 0)
        {
            foreach (var (notification, at) in c.Command(ReadAtSql, tx).With("$k", JsonRows.Strings(escalations)).ReadAll(r => (r.GetString(0), r.Time(1))))
            {
                facts.AddReadAt(notification, at);
            }
        }

        // Throttled rows are rare and short-lived: one look at the (tiny) partial index skips the join when there are none.
        if (c.Command(AnyThrottledSql, tx).Scalar() is 1L)
        {
            foreach (var t in c.Command(ThrottledSql, tx).With("$k", JsonRows.Of(pairs, static (j, p) => { j.WriteStringValue(p.RecipientId); j.WriteNumberValue((int)p.Channel); }))
                         .ReadAll(r => (Env: r.GetString(0), Recipient: r.GetString(1), Channel: (Channel)r.GetInt32(2), Priority: (Priority)r.GetInt32(3),
                             Notification: r.GetString(4), Id: r.GetString(5), Due: r.IsDBNull(6) ? (DateTimeOffset?)null : r.Time(6))))
            {
                facts.AddThrottled(t.Env, t.Recipient, t.Channel, t.Priority, t.Notification, t.Id, t.Due);
            }
        }

        // Sends are counted per environment's recipient and channel, only where a decision counts them (rate limit, urgent
        // ceiling, frequency cap).
        var counts = GateFacts.CountRanges(gate, candidates, (e, u) => rules.GetValueOrDefault((e, u)) ?? [], now);
        if (counts.Count > 0)
        {
            using var command = c.Command(CountedSql, tx).With("$k", JsonRows.Of(counts, static (j, p) =>
            {
                j.WriteStringValue(p.EnvironmentId);
                j.WriteStringValue(p.RecipientId);
                j.WriteNumberValue((int)p.Channel);
                j.WriteNumberValue(p.Since.Ms());
                j.WriteNumberValue(p.EventTypes ? 1 : 0);
            }));
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var p = counts[reader.GetInt32(0)];
                facts.AddCounted(p.EnvironmentId, p.RecipientId, p.Channel, reader.Time(1), reader.IsDBNull(2) ? null : reader.GetString(2));
            }
        }

        var probes = GateFacts.ContentProbes(gate, candidates, now);
        if (probes.Count > 0)
        {
            foreach (var send in c.Command(SameContentSql, tx)
                         .With("$k", JsonRows.Of(probes, static (j, p) =>
                         {
                             j.WriteStringValue(p.EnvironmentId);
                             j.WriteStringValue(p.RecipientId);
                             j.WriteNumberValue((int)p.Channel);
                             j.WriteStringValue(p.ContentHash);
                             j.WriteStringValue(p.NotificationId);
                             j.WriteNumberValue(p.Since.Ms());
                         }))
                         .ReadAll(ReadSend))
            {
                facts.AddSameContent(send);
            }
        }

        return facts;
    }

    private static RecentSend ReadSend(SqliteDataReader r) =>
        new(r.GetString(0), (Channel)r.GetInt32(1), r.Time(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6), r.GetString(7));

}
