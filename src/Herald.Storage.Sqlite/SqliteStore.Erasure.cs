using Herald.Core.Domain;
using Herald.Core.Lifecycle;
using Herald.Core.Storage;

namespace Herald.Storage.Sqlite;

public sealed partial class SqliteStore : IErasureStore
{
    // Statuses of deliveries that have not reached (or may still reach) the recipient: cancelled by the erasure, so
    // nothing more is sent, resent after reconciliation or replayed from the DLQ. A send already at a provider is
    // cancelled too: its completion then no longer applies (status is no longer sending), so no feed row is written.
    public Task<ErasureSummary> EraseUserAsync(string userId, string pseudonym, DateTimeOffset now, CancellationToken ct) =>
        db.WriteAsync((c, tx) =>
        {
            var t = now.Ms();
            var cancelledNotifications = c.Command($"""
                UPDATE notifications SET status = 'cancelled', lease_until = NULL, updated_at = $t
                WHERE recipient_id = $u AND status IN {NotificationStatus.Sql.Unplanned}
                """, tx).With("$u", userId).With("$t", t).NonQuery();
            var cancelled = c.Command($"""
                UPDATE deliveries SET status = 'cancelled', lease_until = NULL, lease_owner = NULL, updated_at = $t
                WHERE recipient_id = $u AND status IN {DeliveryStatus.Sql.Unsent}
                """, tx).With("$u", userId).With("$t", t).NonQuery();
            c.Command("UPDATE notifications SET status = 'cancelled', updated_at = $t WHERE recipient_id = $u AND status = 'processing'", tx)
                .With("$u", userId).With("$t", t).NonQuery();

            c.Command("UPDATE trace SET reason = '[erased]' WHERE notification_id IN (SELECT id FROM notifications WHERE recipient_id = $u)", tx)
                .With("$u", userId).NonQuery();
            c.Command("UPDATE attempts SET detail = NULL, provider_message_id = NULL WHERE delivery_id IN (SELECT id FROM deliveries WHERE recipient_id = $u)", tx)
                .With("$u", userId).NonQuery();
            // The target stays unique per notification and channel (several devices), so it becomes '[erased]:<delivery id>'.
            var deliveries = c.Command("""
                UPDATE deliveries SET recipient_id = $p, target = '[erased]:' || id, target_ref = NULL, content = '{}', content_hash = '',
                    last_error = NULL, provider_message_id = NULL, trace_parent = NULL, updated_at = $t
                WHERE recipient_id = $u
                """, tx).With("$u", userId).With("$p", pseudonym).With("$t", t).NonQuery();
            var notifications = c.Command("""
                UPDATE notifications SET recipient_id = $p, data = '{}', idempotency_key = NULL, trace_parent = NULL, updated_at = $t
                WHERE recipient_id = $u
                """, tx).With("$u", userId).With("$p", pseudonym).With("$t", t).NonQuery();

            // Lifecycle events name the recipient in their payload (notification data and the webhook deliveries' content).
            var events = c.Command("""
                UPDATE notifications SET data = json_set(data, '$.data.recipient_id', $p)
                WHERE recipient_id = $ops AND json_extract(data, '$.data.recipient_id') = $u
                """, tx).With("$u", userId).With("$p", pseudonym).With("$ops", LifecycleEvents.Recipient).NonQuery();
            c.Command("""
                UPDATE deliveries SET content = json_set(content, '$.data.recipient_id', $p)
                WHERE recipient_id = $ops AND json_extract(content, '$.data.recipient_id') = $u
                """, tx).With("$u", userId).With("$p", pseudonym).With("$ops", LifecycleEvents.Recipient).NonQuery();

            var feed = c.Command("DELETE FROM feed WHERE user_id = $u", tx).With("$u", userId).NonQuery();
            var devices = c.Command("DELETE FROM devices WHERE user_id = $u", tx).With("$u", userId).NonQuery();
            var outbox = c.Command("DELETE FROM outbox WHERE recipient_id = $u", tx).With("$u", userId).NonQuery();
            var endpoints = c.Command("DELETE FROM webhook_endpoints WHERE recipient_id = $u", tx).With("$u", userId).NonQuery();
            var subscriptions = c.Command("DELETE FROM topic_subscribers WHERE user_id = $u", tx).With("$u", userId).NonQuery()
                + c.Command("DELETE FROM campaign_recipients WHERE user_id = $u", tx).With("$u", userId).NonQuery();
            var items = c.Command("UPDATE digest_items SET data = '{}' WHERE digest_id IN (SELECT id FROM digests WHERE recipient_id = $u)", tx).With("$u", userId).NonQuery();
            c.Command("UPDATE digests SET recipient_id = $p, group_key = '', status = CASE WHEN status = 'open' THEN 'erased' ELSE status END WHERE recipient_id = $u", tx)
                .With("$u", userId).With("$p", pseudonym).NonQuery();
            var profile = c.Command("DELETE FROM users WHERE user_id = $u", tx).With("$u", userId).NonQuery() > 0;
            return new ErasureSummary(profile, devices, feed, notifications, deliveries, cancelled + cancelledNotifications, outbox, endpoints, events, subscriptions, items);
        }, ct);
}
