using Herald.Core.Domain;
using Herald.Core.Storage;
using Microsoft.Data.Sqlite;
using static Herald.Storage.Sqlite.SqliteRows;

namespace Herald.Storage.Sqlite;

/// <summary>Webhook endpoints, and the deliveries held while one is disabled: released when it is enabled, expired, or recovered by range.</summary>
internal sealed class SqliteEndpointStore(SqliteDatabase db) : IWebhookEndpointStore
{
    public Task InsertEndpointAsync(WebhookEndpoint endpoint, CancellationToken ct) =>
        db.WriteAsync((c, tx) => c.Command($"INSERT INTO webhook_endpoints({EndpointRow.Columns}) VALUES ($id, $r, $u, $s, $e, $d, 1, NULL, NULL, $t, $env)", tx)
            .With("$id", endpoint.Id).With("$env", endpoint.EnvironmentId).With("$r", endpoint.RecipientId).With("$u", endpoint.Url).With("$s", endpoint.Secret)
            .With("$e", StoreJson.Strings(endpoint.EventTypes)).With("$d", endpoint.Description).With("$t", endpoint.CreatedAt.Ms()).NonQuery(), ct);

    public async Task<WebhookEndpoint?> GetEndpointAsync(string environmentId, string id, CancellationToken ct)
    {
        await using var c = await db.OpenReadAsync(ct);
        return (await c.Command($"SELECT {EndpointRow.Columns} FROM webhook_endpoints WHERE id = $id AND environment_id = $env").With("$id", id).With("$env", environmentId)
            .ReadAllAsync(EndpointRow.Map, ct)).FirstOrDefault();
    }

    public async Task<IReadOnlyDictionary<string, WebhookEndpoint>> GetEndpointsAsync(string environmentId, IReadOnlyCollection<string> ids, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(ids);
        await using var c = await db.OpenReadAsync(ct);
        var found = await c.Command($"SELECT {EndpointRow.Columns} FROM webhook_endpoints WHERE id IN (SELECT value FROM json_each($ids)) AND environment_id = $env")
            .With("$ids", JsonRows.Strings(ids.Distinct(StringComparer.Ordinal))).With("$env", environmentId).ReadAllAsync(EndpointRow.Map, ct);
        return found.ToDictionary(e => e.Id, StringComparer.Ordinal);
    }

    public async Task<IReadOnlyList<WebhookEndpoint>> GetEndpointsForRecipientAsync(string environmentId, string recipientId, CancellationToken ct)
    {
        await using var c = await db.OpenReadAsync(ct);
        return await c.Command($"SELECT {EndpointRow.Columns} FROM webhook_endpoints WHERE environment_id = $env AND recipient_id = $r ORDER BY created_at, id")
            .With("$env", environmentId).With("$r", recipientId).ReadAllAsync(EndpointRow.Map, ct);
    }

    public async Task<IReadOnlyList<WebhookEndpoint>> GetOperationalEndpointsAsync(string environmentId, CancellationToken ct)
    {
        await using var c = await db.OpenReadAsync(ct);
        return await c.Command($"SELECT {EndpointRow.Columns} FROM webhook_endpoints WHERE environment_id = $env AND recipient_id IS NULL AND enabled = 1 ORDER BY created_at, id")
            .With("$env", environmentId).ReadAllAsync(EndpointRow.Map, ct);
    }

    public Task<bool> DeleteEndpointAsync(string environmentId, string id, CancellationToken ct) =>
        db.WriteAsync((c, tx) => c.Command("DELETE FROM webhook_endpoints WHERE id = $id AND environment_id = $env", tx).With("$id", id).With("$env", environmentId).NonQuery() > 0, ct);

    public Task<bool> EnableEndpointAsync(string environmentId, string id, CancellationToken ct) =>
        db.WriteAsync((c, tx) => c.Command("UPDATE webhook_endpoints SET enabled = 1, disabled_reason = NULL, failing_since = NULL WHERE id = $id AND environment_id = $env", tx)
            .With("$id", id).With("$env", environmentId).NonQuery() > 0, ct);

    public Task<bool> DisableEndpointAsync(string environmentId, string id, string reason, CancellationToken ct) =>
        db.WriteAsync((c, tx) => c.Command("UPDATE webhook_endpoints SET enabled = 0, disabled_reason = $why WHERE id = $id AND environment_id = $env", tx)
            .With("$id", id).With("$env", environmentId).With("$why", reason).NonQuery() > 0, ct);

    public async Task<IReadOnlyList<WebhookEndpoint>> ListEndpointsAsync(string environmentId, int limit, string? cursor, CancellationToken ct)
    {
        await using var c = await db.OpenReadAsync(ct);
        return await c.Command($"SELECT {EndpointRow.Columns} FROM webhook_endpoints WHERE environment_id = $env AND ($cur IS NULL OR id > $cur) ORDER BY id LIMIT $n")
            .With("$env", environmentId).With("$cur", cursor).With("$n", limit).ReadAllAsync(EndpointRow.Map, ct);
    }

    /// <summary>
    /// A webhook send's result on its endpoint's failure streak, in the settlement's transaction: a success ends the streak;
    /// a failure starts it, and disables the endpoint when the sender says so or the streak outlasted
    /// <paramref name="disableAfter"/> (Herald:Webhooks:DisableAfter).
    /// </summary>
    internal static void ApplyResult(SqliteConnection c, SqliteTransaction tx, WebhookEndpointResult e, DateTimeOffset now, TimeSpan disableAfter)
    {
        if (e.Succeeded)
        {
            c.Command("UPDATE webhook_endpoints SET failing_since = NULL WHERE id = $id AND failing_since IS NOT NULL", tx).With("$id", e.EndpointId).NonQuery();
            return;
        }

        c.Command("UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, $now) WHERE id = $id", tx).With("$id", e.EndpointId).With("$now", now.Ms()).NonQuery();
        var disabled = c.Command("""
            UPDATE webhook_endpoints SET enabled = 0, disabled_reason = $r
            WHERE id = $id AND enabled = 1 AND ($now_disable = 1 OR failing_since <= $cutoff)
            """, tx).With("$id", e.EndpointId).With("$now_disable", e.DisableNow ? 1 : 0)
            .With("$r", e.DisableNow ? e.Reason : $"failing continuously since more than {disableAfter.TotalHours:0} h; last: {e.Reason}")
            .With("$cutoff", (now - disableAfter).Ms()).NonQuery();
        if (disabled > 0 && e.DisabledEvent is { } lifecycle)
        {
            using var insert = NotificationInsert(c, tx);
            BindNotification(insert, lifecycle, now);
            insert.ExecuteNonQuery();
        }
    }

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
