using Herald.Core.Domain;
using Herald.Core.Storage;
using Microsoft.Data.Sqlite;

namespace Herald.Storage.Sqlite;

/// <summary>Held webhook deliveries (their endpoint disabled): released when it is enabled, expired, or recovered by range.</summary>
public sealed partial class SqliteStore
{
    public Task<int> ReleaseHeldAsync(string? endpointId, DateTimeOffset expireBefore, DateTimeOffset now, CancellationToken ct) =>
        db.WriteAsync((c, tx) =>
        {
            const string Held = "status = 'held' AND ($e IS NULL OR target_ref = $e)";
            var expired = Move(c, tx, $"""
                UPDATE deliveries SET status = 'expired', last_error = 'held longer than the webhook hold time while its endpoint was disabled', updated_at = $now
                WHERE {Held} AND updated_at < $cutoff RETURNING notification_id, id
                """, endpointId, now, expireBefore);
            var orphaned = Move(c, tx, $"""
                UPDATE deliveries SET status = 'failed', last_error = 'webhook endpoint was deleted', updated_at = $now
                WHERE {Held} AND NOT EXISTS (SELECT 1 FROM webhook_endpoints w WHERE w.id = deliveries.target_ref) RETURNING notification_id, id
                """, endpointId, now, expireBefore);
            var released = Move(c, tx, $"""
                UPDATE deliveries SET status = 'queued', last_error = NULL, updated_at = $now
                WHERE {Held} AND EXISTS (SELECT 1 FROM webhook_endpoints w WHERE w.id = deliveries.target_ref AND w.enabled = 1) RETURNING notification_id, id
                """, endpointId, now, expireBefore);
            TraceMoved(c, tx, expired, now, DeliveryStatus.Expired, "held longer than the webhook hold time (Herald:Webhooks:HoldFor); expired unsent");
            TraceMoved(c, tx, orphaned, now, DeliveryStatus.Failed, "held for a webhook endpoint that was deleted");
            TraceMoved(c, tx, released, now, "released", "webhook endpoint enabled again; queued in its original order");
            foreach (var notificationId in expired.Concat(orphaned).Select(m => m.NotificationId).Distinct(StringComparer.Ordinal))
            {
                RefreshNotificationStatus(c, tx, notificationId, now);
            }

            return released.Count;
        }, ct);

    public Task<int> RecoverAsync(string endpointId, DateTimeOffset since, DateTimeOffset until, DateTimeOffset now, CancellationToken ct) =>
        db.WriteAsync((c, tx) =>
        {
            // Notification ids are UUIDv7: the accepted-time range is an id range on ix_deliveries_notification.
            var recovered = c.Command($"""
                UPDATE deliveries SET status = 'queued', last_error = NULL, lease_owner = NULL, lease_until = NULL, updated_at = $now
                WHERE notification_id >= $lo AND notification_id < $hi AND target_ref = $e AND channel = $ch
                  AND status IN {DeliveryStatus.Sql.Recoverable} AND sent_at IS NULL
                RETURNING notification_id, id
                """, tx).With("$lo", AnalyticsWindow.NotificationIdBound(since)).With("$hi", AnalyticsWindow.NotificationIdBound(until))
                .With("$e", endpointId).With("$ch", (int)Channel.Webhook).With("$now", now.Ms())
                .ReadAll(r => (NotificationId: r.GetString(0), DeliveryId: r.GetString(1)));
            TraceMoved(c, tx, recovered, now, "recovered", $"recovered for webhook endpoint {endpointId}; queued in its original order");
            foreach (var notificationId in recovered.Select(m => m.NotificationId).Distinct(StringComparer.Ordinal))
            {
                c.Command("UPDATE notifications SET status = 'processing', updated_at = $now WHERE id = $id AND status = 'completed'", tx)
                    .With("$id", notificationId).With("$now", now.Ms()).NonQuery();
            }

            return recovered.Count;
        }, ct);

    private static List<(string NotificationId, string DeliveryId)> Move(SqliteConnection c, SqliteTransaction tx, string sql, string? endpointId, DateTimeOffset now, DateTimeOffset cutoff) =>
        c.Command(sql, tx).With("$e", endpointId).With("$now", now.Ms()).With("$cutoff", cutoff.Ms())
            .ReadAll(r => (NotificationId: r.GetString(0), DeliveryId: r.GetString(1)));

    private static void TraceMoved(SqliteConnection c, SqliteTransaction tx, List<(string NotificationId, string DeliveryId)> moved, DateTimeOffset now, string decision, string reason)
    {
        foreach (var (notificationId, deliveryId) in moved)
        {
            Trace(c, tx, new TraceEntry(notificationId, now, "endpoint", Channel.Webhook.ToWire(), decision, $"delivery {deliveryId}: {reason}"));
        }
    }
}
