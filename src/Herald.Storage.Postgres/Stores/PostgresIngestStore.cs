using Herald.Core.Domain;
using Herald.Core.Storage;

namespace Herald.Storage.Postgres;

/// <summary>
/// The accepted side of notifications: ingest with its idempotency keys, and the queries and cancellation the API
/// serves.
/// </summary>
internal sealed class PostgresIngestStore(PostgresDatabase db) : IIngestStore, INotificationQueryStore
{
    public async Task<IdempotencyRecord?> GetIdempotencyAsync(string environmentId, string key, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        var rows = await c.Command("SELECT key, request_hash, status_code, response, created_at FROM idempotency WHERE environment_id = @env AND key = @k")
            .With("env", environmentId).With("k", key)
            .ReadAllAsync(r => new IdempotencyRecord(r.GetString(0), r.GetString(1), r.GetInt32(2), r.GetString(3), r.Time(4)) { EnvironmentId = environmentId }, ct);
        return rows.FirstOrDefault();
    }

    public Task<IReadOnlyList<bool>> AcceptAsync(IReadOnlyList<IngestItem> items, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(items);
        return db.WriteAsync<IReadOnlyList<bool>>(async (c, tx) =>
        {
            var keyed = items.Select((item, i) => (item.Idempotency, Index: i)).Where(x => x.Idempotency is not null).ToList();
            var taken = new HashSet<(string, string)>();
            if (keyed.Count > 0)
            {
                // Keys are inserted in key order so two batches never wait on each other's keys crosswise; among items of this
                // batch sharing a key the first one wins, as with the SQLite store's row-by-row insert.
                taken = new HashSet<(string, string)>(await c.Command("""
                    INSERT INTO idempotency(environment_id, key, request_hash, status_code, response, created_at)
                    SELECT e, k, h, s, r, @t FROM unnest(@e::text[], @k::text[], @h::text[], @s::integer[], @r::text[]) WITH ORDINALITY AS x(e, k, h, s, r, o)
                    ORDER BY e COLLATE "C", k COLLATE "C", o
                    ON CONFLICT (environment_id, key) DO NOTHING RETURNING environment_id, key
                    """, tx).With("t", now.Ms())
                    .With("e", keyed.Select(x => x.Idempotency!.EnvironmentId).ToArray())
                    .With("k", keyed.Select(x => x.Idempotency!.Key).ToArray()).With("h", keyed.Select(x => x.Idempotency!.RequestHash).ToArray())
                    .With("s", keyed.Select(x => x.Idempotency!.StatusCode).ToArray()).With("r", keyed.Select(x => x.Idempotency!.Response).ToArray())
                    .ReadAllAsync(r => (r.GetString(0), r.GetString(1)), ct));
            }

            var results = new bool[items.Count];
            var notifications = new List<Notification>();
            for (var i = 0; i < items.Count; i++)
            {
                if (items[i].Idempotency is { } record && !taken.Remove((record.EnvironmentId, record.Key)))
                {
                    continue; // taken before, or by an earlier item of this batch
                }

                notifications.AddRange(items[i].Notifications);
                results[i] = true;
            }

            await PgWrites.InsertNotificationsAsync(c, tx, notifications, now, ct);
            return results;
        }, ct);
    }

    public Task<int> PurgeIdempotencyAsync(DateTimeOffset before, CancellationToken ct) =>
        db.WriteAsync((c, tx) => c.Command("DELETE FROM idempotency WHERE created_at < @t", tx).With("t", before.Ms()).ExecuteNonQueryAsync(ct), ct);

    public async Task<Notification?> GetNotificationAsync(string id, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return (await c.Command($"SELECT {NotificationRow.Columns} FROM notifications WHERE id = @id").With("id", id).ReadAllAsync(NotificationRow.Map, ct)).FirstOrDefault();
    }

    public async Task<IReadOnlyList<TraceEntry>> GetTraceAsync(string notificationId, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.Command("SELECT notification_id, at, stage, channel, decision, reason FROM trace WHERE notification_id = @id ORDER BY id").With("id", notificationId)
            .ReadAllAsync(r => new TraceEntry(r.GetString(0), r.Time(1), r.GetString(2), r.StringOrNull(3), r.GetString(4), r.GetString(5)), ct);
    }

    public Task<IReadOnlyList<Notification>> ListNotificationsAsync(string environmentId, string? recipientId, string? status, int limit, string? cursor, CancellationToken ct) =>
        SearchNotificationsAsync(new NotificationSearch(environmentId, recipientId, status), limit, cursor, ct);

    public async Task<IReadOnlyList<Notification>> SearchNotificationsAsync(NotificationSearch search, int limit, string? cursor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(search);
        await using var c = await db.OpenAsync(ct);
        await using var cmd = c.Command("");
        var where = new List<string>();
        foreach (var (condition, name, value) in search.Conditions(cursor))
        {
            where.Add($"{condition} @{name}");
            cmd.With(name, value);
        }

        cmd.CommandText = $"SELECT {NotificationRow.Columns} FROM notifications {(where.Count == 0 ? "" : "WHERE " + string.Join(" AND ", where))} ORDER BY id DESC LIMIT @n";
        return await cmd.With("n", limit).ReadAllAsync(NotificationRow.Map, ct);
    }

    public Task<bool?> CancelNotificationAsync(string id, DateTimeOffset now, CancellationToken ct) =>
        db.WriteAsync<bool?>(async (c, tx) =>
        {
            // The row lock orders this cancellation with a concurrent plan completion of the same notification.
            if (await c.Command("SELECT status FROM notifications WHERE id = @id FOR UPDATE", tx).With("id", id).ExecuteScalarAsync(ct) is not string)
            {
                return null;
            }

            var notification = await c.Command($"""
                UPDATE notifications SET status = 'cancelled', lease_until = NULL, updated_at = @now
                WHERE id = @id AND status IN {NotificationStatus.Sql.Unplanned}
                """, tx).With("id", id).With("now", now.Ms()).ExecuteNonQueryAsync(ct);
            var deliveries = await c.Command($"""
                UPDATE deliveries SET status = 'cancelled', updated_at = @now
                WHERE notification_id = @id AND status IN {DeliveryStatus.Sql.Cancellable}
                """, tx).With("id", id).With("now", now.Ms()).ExecuteNonQueryAsync(ct);
            if (notification + deliveries == 0)
            {
                return false;
            }

            await PgWrites.InsertTraceAsync(c, tx, [new TraceEntry(id, now, "api", null, "cancelled", $"cancelled by request; {deliveries} unsent deliveries cancelled")], ct);
            await PgWrites.RefreshNotificationsAsync(c, tx, [id], now, ct);
            if (deliveries > 0)
            {
                // Settled by the cancellation (nothing left pending): the notification reads as cancelled, not completed.
                await c.Command("UPDATE notifications SET status = 'cancelled' WHERE id = @id AND status = 'completed'", tx).With("id", id).ExecuteNonQueryAsync(ct);
            }

            return true;
        }, ct);

    public async Task<IReadOnlyList<Delivery>> GetDeliveriesAsync(string notificationId, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.Command($"SELECT {DeliveryRow.Columns} FROM deliveries WHERE notification_id = @id ORDER BY created_at, id").With("id", notificationId)
            .ReadAllAsync(DeliveryRow.Map, ct);
    }

    public async Task<Delivery?> GetDeliveryAsync(string deliveryId, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return (await c.Command($"SELECT {DeliveryRow.Columns} FROM deliveries WHERE id = @id").With("id", deliveryId).ReadAllAsync(DeliveryRow.Map, ct)).FirstOrDefault();
    }

    public async Task<IReadOnlyList<Delivery>> ListDeadLettersAsync(string environmentId, int limit, string? cursor, Channel? channel, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.Command($"""
            SELECT {DeliveryRow.Columns} FROM deliveries
            WHERE status = 'dead' AND (@ch::integer IS NULL OR channel = @ch::integer) AND (@cur::text IS NULL OR id > @cur::text)
                AND EXISTS (SELECT 1 FROM notifications n WHERE n.id = deliveries.notification_id AND n.environment_id = @env)
            ORDER BY id LIMIT @n
            """).With("env", environmentId).With("ch", (int?)channel).With("cur", cursor).With("n", limit).ReadAllAsync(DeliveryRow.Map, ct);
    }
}
