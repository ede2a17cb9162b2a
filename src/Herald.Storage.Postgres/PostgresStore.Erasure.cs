using Herald.Core.Domain;
using Herald.Core.Lifecycle;
using Herald.Core.Storage;
using Npgsql;

namespace Herald.Storage.Postgres;

public sealed partial class PostgresStore : IErasureStore
{
    // As on SQLite: everything not yet (or not surely) at the recipient is cancelled, so nothing more is sent, resent after
    // reconciliation or replayed; a completion for a send in flight then no longer applies (it needs status sending).
    public Task<ErasureSummary> EraseUserAsync(string userId, string pseudonym, DateTimeOffset now, CancellationToken ct) =>
        db.WriteAsync(async (c, tx) =>
        {
            var t = now.Ms();
            // Row locks on the user's notifications order this erasure with a concurrent plan completion (which applies only
            // while the notification is still planning, and so skips once it reads cancelled) and with a concurrent cancel.
            await Run(c, tx, "SELECT id FROM notifications WHERE recipient_id = @u ORDER BY id FOR UPDATE", userId, pseudonym, t, ct);
            var cancelledNotifications = await Run(c, tx, $"""
                UPDATE notifications SET status = 'cancelled', lease_until = NULL, updated_at = @t
                WHERE recipient_id = @u AND status IN {NotificationStatus.Sql.Unplanned}
                """, userId, pseudonym, t, ct);
            var cancelled = await Run(c, tx, $"""
                UPDATE deliveries SET status = 'cancelled', lease_until = NULL, lease_owner = NULL, updated_at = @t
                WHERE recipient_id = @u AND status IN {DeliveryStatus.Sql.Unsent}
                """, userId, pseudonym, t, ct);
            await Run(c, tx, "UPDATE notifications SET status = 'cancelled', updated_at = @t WHERE recipient_id = @u AND status = 'processing'", userId, pseudonym, t, ct);

            await Run(c, tx, "UPDATE trace SET reason = '[erased]' WHERE notification_id IN (SELECT id FROM notifications WHERE recipient_id = @u)", userId, pseudonym, t, ct);
            await Run(c, tx, "UPDATE attempts SET detail = NULL, provider_message_id = NULL WHERE delivery_id IN (SELECT id FROM deliveries WHERE recipient_id = @u)", userId, pseudonym, t, ct);
            // The target stays unique per notification and channel (several devices), so it becomes '[erased]:<delivery id>'.
            var deliveries = await Run(c, tx, """
                UPDATE deliveries SET recipient_id = @p, target = '[erased]:' || id, target_ref = NULL, content = '{}', content_hash = '',
                    last_error = NULL, provider_message_id = NULL, trace_parent = NULL, updated_at = @t
                WHERE recipient_id = @u
                """, userId, pseudonym, t, ct);
            var notifications = await Run(c, tx, """
                UPDATE notifications SET recipient_id = @p, data = '{}', idempotency_key = NULL, trace_parent = NULL, updated_at = @t
                WHERE recipient_id = @u
                """, userId, pseudonym, t, ct);

            // Lifecycle events name the recipient in their payload (notification data and the webhook deliveries' content).
            var events = await Run(c, tx, $$"""
                UPDATE notifications SET data = jsonb_set(data::jsonb, '{data,recipient_id}', to_jsonb(@p::text))::text
                WHERE recipient_id = '{{LifecycleEvents.Recipient}}' AND data::jsonb -> 'data' ->> 'recipient_id' = @u
                """, userId, pseudonym, t, ct);
            await Run(c, tx, $$"""
                UPDATE deliveries SET content = jsonb_set(content::jsonb, '{data,recipient_id}', to_jsonb(@p::text))::text
                WHERE recipient_id = '{{LifecycleEvents.Recipient}}' AND content::jsonb -> 'data' ->> 'recipient_id' = @u
                """, userId, pseudonym, t, ct);

            var feed = await Run(c, tx, "DELETE FROM feed WHERE user_id = @u", userId, pseudonym, t, ct);
            var devices = await Run(c, tx, "DELETE FROM devices WHERE user_id = @u", userId, pseudonym, t, ct);
            var outbox = await Run(c, tx, "DELETE FROM outbox WHERE recipient_id = @u", userId, pseudonym, t, ct);
            var endpoints = await Run(c, tx, "DELETE FROM webhook_endpoints WHERE recipient_id = @u", userId, pseudonym, t, ct);
            var subscriptions = await Run(c, tx, "DELETE FROM topic_subscribers WHERE user_id = @u", userId, pseudonym, t, ct)
                + await Run(c, tx, "DELETE FROM campaign_recipients WHERE user_id = @u", userId, pseudonym, t, ct);
            // The digests' row locks order this with an append or a close of the same digest (see AppendDigestsAsync).
            var items = await Run(c, tx, "UPDATE digest_items SET data = '{}' WHERE digest_id IN (SELECT id FROM digests WHERE recipient_id = @u FOR UPDATE)", userId, pseudonym, t, ct);
            await Run(c, tx, "UPDATE digests SET recipient_id = @p, group_key = '', status = CASE WHEN status = 'open' THEN 'erased' ELSE status END WHERE recipient_id = @u",
                userId, pseudonym, t, ct);
            var profile = await Run(c, tx, "DELETE FROM users WHERE user_id = @u", userId, pseudonym, t, ct) > 0;
            return new ErasureSummary(profile, devices, feed, notifications, deliveries, cancelled + cancelledNotifications, outbox, endpoints, events, subscriptions, items);
        }, ct);

    private static async Task<int> Run(NpgsqlConnection c, NpgsqlTransaction tx, string sql, string userId, string pseudonym, long now, CancellationToken ct)
    {
        await using var command = c.Command(sql, tx);
        if (sql.Contains("@u", StringComparison.Ordinal))
        {
            command.With("u", userId);
        }

        if (sql.Contains("@p", StringComparison.Ordinal))
        {
            command.With("p", pseudonym);
        }

        if (sql.Contains("@t", StringComparison.Ordinal))
        {
            command.With("t", now);
        }

        return await command.ExecuteNonQueryAsync(ct);
    }
}
