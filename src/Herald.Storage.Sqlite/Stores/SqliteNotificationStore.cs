using Herald.Core.Domain;
using Herald.Core.Storage;
using Microsoft.Data.Sqlite;
using static Herald.Storage.Sqlite.SqliteRows;

namespace Herald.Storage.Sqlite;

/// <summary>Ingest (idempotency records and accepted notifications) and the notifications' reads, search and cancellation.</summary>
internal sealed class SqliteNotificationStore(SqliteDatabase db) : IIngestStore, INotificationQueryStore
{
    public async Task<IdempotencyRecord?> GetIdempotencyAsync(string environmentId, string key, CancellationToken ct)
    {
        await using var c = await db.OpenReadAsync(ct);
        var rows = await c.Command("SELECT key, request_hash, status_code, response, created_at FROM idempotency WHERE environment_id = $env AND key = $k")
            .With("$env", environmentId).With("$k", key)
            .ReadAllAsync(r => new IdempotencyRecord(r.GetString(0), r.GetString(1), r.GetInt32(2), r.GetString(3), r.Time(4)) { EnvironmentId = environmentId }, ct);
        return rows.FirstOrDefault();
    }

    public Task<IReadOnlyList<bool>> AcceptAsync(IReadOnlyList<IngestItem> items, DateTimeOffset now, CancellationToken ct) =>
        db.WriteAsync<IReadOnlyList<bool>>((c, tx) =>
        {
            var results = new bool[items.Count];
            using var idem = c.Command("""
                INSERT INTO idempotency(environment_id, key, request_hash, status_code, response, created_at) VALUES ($env, $k, $h, $s, $r, $t)
                ON CONFLICT(environment_id, key) DO NOTHING
                """, tx);
            var penv = idem.Parameters.Add("$env", SqliteType.Text);
            var pk = idem.Parameters.Add("$k", SqliteType.Text);
            var ph = idem.Parameters.Add("$h", SqliteType.Text);
            var ps = idem.Parameters.Add("$s", SqliteType.Integer);
            var pr = idem.Parameters.Add("$r", SqliteType.Text);
            idem.Parameters.AddWithValue("$t", now.Ms());
            var accepted = new List<Notification>(items.Count);
            for (var i = 0; i < items.Count; i++)
            {
                var item = items[i];
                if (item.Idempotency is { } record)
                {
                    penv.Value = record.EnvironmentId;
                    pk.Value = record.Key;
                    ph.Value = record.RequestHash;
                    ps.Value = record.StatusCode;
                    pr.Value = record.Response;
                    if (idem.ExecuteNonQuery() == 0)
                    {
                        continue;
                    }
                }

                accepted.AddRange(item.Notifications);
                results[i] = true;
            }

            // One statement for the whole group commit: a refused row fails it all, as it failed the transaction before,
            // and the caller isolates the item that carried it (BatchIsolation).
            InsertNotifications(c, tx, accepted, now);
            return results;
        }, ct);

    public Task<int> PurgeIdempotencyAsync(DateTimeOffset before, CancellationToken ct) =>
        db.WriteAsync((c, tx) => c.Command("DELETE FROM idempotency WHERE created_at < $t", tx).With("$t", before.Ms()).NonQuery(), ct);

    public async Task<Notification?> GetNotificationAsync(string id, CancellationToken ct)
    {
        await using var c = await db.OpenReadAsync(ct);
        return (await c.Command($"SELECT {NotificationRow.Columns} FROM notifications WHERE id = $id").With("$id", id).ReadAllAsync(NotificationRow.Map, ct)).FirstOrDefault();
    }

    public async Task<IReadOnlyList<TraceEntry>> GetTraceAsync(string notificationId, CancellationToken ct)
    {
        await using var c = await db.OpenReadAsync(ct);
        return await c.Command("SELECT notification_id, at, stage, channel, decision, reason FROM trace WHERE notification_id = $id ORDER BY id").With("$id", notificationId)
            .ReadAllAsync(r => new TraceEntry(r.GetString(0), r.Time(1), r.GetString(2), r.StringOrNull(3), r.GetString(4), r.GetString(5)), ct);
    }

    public Task<IReadOnlyList<Notification>> ListNotificationsAsync(string environmentId, string? recipientId, string? status, int limit, string? cursor, CancellationToken ct) =>
        SearchNotificationsAsync(new NotificationSearch(environmentId, recipientId, status), limit, cursor, ct);

    public async Task<IReadOnlyList<Notification>> SearchNotificationsAsync(NotificationSearch search, int limit, string? cursor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(search);
        await using var c = await db.OpenReadAsync(ct);
        var cmd = c.Command("");
        var where = new List<string>();
        foreach (var (condition, name, value) in search.Conditions(cursor))
        {
            where.Add($"{condition} ${name}");
            cmd.With("$" + name, value);
        }

        cmd.CommandText = $"SELECT {NotificationRow.Columns} FROM notifications {(where.Count == 0 ? "" : "WHERE " + string.Join(" AND ", where))} ORDER BY id DESC LIMIT $n";
        return await cmd.With("$n", limit).ReadAllAsync(NotificationRow.Map, ct);
    }

    public Task<bool?> CancelNotificationAsync(string id, DateTimeOffset now, CancellationToken ct) =>
        db.WriteAsync<bool?>((c, tx) =>
        {
            var status = c.Command("SELECT status FROM notifications WHERE id = $id", tx).With("$id", id).Scalar() as string;
            if (status is null)
            {
                return null;
            }

            var notification = c.Command($"""
                UPDATE notifications SET status = 'cancelled', lease_until = NULL, updated_at = $now
                WHERE id = $id AND status IN {NotificationStatus.Sql.Unplanned}
                """, tx).With("$id", id).With("$now", now.Ms()).NonQuery();
            var deliveries = c.Command($"""
                UPDATE deliveries SET status = 'cancelled', updated_at = $now
                WHERE notification_id = $id AND status IN {DeliveryStatus.Sql.Cancellable}
                """, tx).With("$id", id).With("$now", now.Ms()).NonQuery();
            if (notification + deliveries == 0)
            {
                return false;
            }

            using var trace = TraceInsert(c, tx, new TraceEntry(id, now, "api", null, "cancelled", $"cancelled by request; {deliveries} unsent deliveries cancelled"));
            trace.ExecuteNonQuery();
            RefreshNotificationStatus(c, tx, id, now);
            if (deliveries > 0)
            {
                // Settled by the cancellation (nothing left pending): the notification reads as cancelled, not completed.
                c.Command("UPDATE notifications SET status = 'cancelled' WHERE id = $id AND status = 'completed'", tx).With("$id", id).NonQuery();
            }

            return true;
        }, ct);

    public async Task<IReadOnlyList<Delivery>> GetDeliveriesAsync(string notificationId, CancellationToken ct)
    {
        await using var c = await db.OpenReadAsync(ct);
        return await c.Command($"SELECT {DeliveryRow.Columns} FROM deliveries WHERE notification_id = $id ORDER BY created_at, id").With("$id", notificationId).ReadAllAsync(DeliveryRow.Map, ct);
    }

    public async Task<Delivery?> GetDeliveryAsync(string deliveryId, CancellationToken ct)
    {
        await using var c = await db.OpenReadAsync(ct);
        return (await c.Command($"SELECT {DeliveryRow.Columns} FROM deliveries WHERE id = $id").With("$id", deliveryId).ReadAllAsync(DeliveryRow.Map, ct)).FirstOrDefault();
    }

    public async Task<IReadOnlyList<Delivery>> ListDeadLettersAsync(string environmentId, int limit, string? cursor, Channel? channel, CancellationToken ct)
    {
        await using var c = await db.OpenReadAsync(ct);
        return await c.Command($"""
            SELECT {DeliveryRow.Columns} FROM deliveries
            WHERE status = 'dead' AND ($ch IS NULL OR channel = $ch) AND ($cur IS NULL OR id > $cur)
                AND EXISTS (SELECT 1 FROM notifications n WHERE n.id = deliveries.notification_id AND n.environment_id = $env)
            ORDER BY id LIMIT $n
            """).With("$env", environmentId).With("$ch", (int?)channel).With("$cur", cursor).With("$n", limit).ReadAllAsync(DeliveryRow.Map, ct);
    }
}
