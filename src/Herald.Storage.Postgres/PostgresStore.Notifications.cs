using System.Globalization;
using Herald.Core.Domain;
using Herald.Core.Pipeline.Cluster;
using Herald.Core.Storage;
using Npgsql;

namespace Herald.Storage.Postgres;

public sealed partial class PostgresStore : IIngestStore, IPlanStore, INotificationQueryStore
{

    public async Task<IdempotencyRecord?> GetIdempotencyAsync(string key, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        var rows = await c.Command("SELECT key, request_hash, status_code, response, created_at FROM idempotency WHERE key = @k").With("k", key)
            .ReadAllAsync(r => new IdempotencyRecord(r.GetString(0), r.GetString(1), r.GetInt32(2), r.GetString(3), r.Time(4)), ct);
        return rows.FirstOrDefault();
    }

    public Task<IReadOnlyList<bool>> AcceptAsync(IReadOnlyList<IngestItem> items, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(items);
        return db.WriteAsync<IReadOnlyList<bool>>(async (c, tx) =>
        {
            var keyed = items.Select((item, i) => (item.Idempotency, Index: i)).Where(x => x.Idempotency is not null).ToList();
            var taken = new HashSet<string>(StringComparer.Ordinal);
            if (keyed.Count > 0)
            {
                // Keys are inserted in key order so two batches never wait on each other's keys crosswise; among items of this
                // batch sharing a key the first one wins, as with the SQLite store's row-by-row insert.
                taken = new HashSet<string>(await c.Command("""
                    INSERT INTO idempotency(key, request_hash, status_code, response, created_at)
                    SELECT k, h, s, r, @t FROM unnest(@k::text[], @h::text[], @s::integer[], @r::text[]) WITH ORDINALITY AS x(k, h, s, r, o)
                    ORDER BY k COLLATE "C", o
                    ON CONFLICT (key) DO NOTHING RETURNING key
                    """, tx).With("t", now.Ms())
                    .With("k", keyed.Select(x => x.Idempotency!.Key).ToArray()).With("h", keyed.Select(x => x.Idempotency!.RequestHash).ToArray())
                    .With("s", keyed.Select(x => x.Idempotency!.StatusCode).ToArray()).With("r", keyed.Select(x => x.Idempotency!.Response).ToArray())
                    .ReadAllAsync(r => r.GetString(0), ct), StringComparer.Ordinal);
            }

            var results = new bool[items.Count];
            var notifications = new List<Notification>();
            for (var i = 0; i < items.Count; i++)
            {
                if (items[i].Idempotency is { } record && !taken.Remove(record.Key))
                {
                    continue; // taken before, or by an earlier item of this batch
                }

                notifications.AddRange(items[i].Notifications);
                results[i] = true;
            }

            await InsertNotificationsAsync(c, tx, notifications, now, ct);
            return results;
        }, ct);
    }

    public Task<int> PurgeIdempotencyAsync(DateTimeOffset before, CancellationToken ct) =>
        db.WriteAsync((c, tx) => c.Command("DELETE FROM idempotency WHERE created_at < @t", tx).With("t", before.Ms()).ExecuteNonQueryAsync(ct), ct);

    public Task<IReadOnlyList<Notification>> ClaimForPlanningAsync(Priority priority, DateTimeOffset now, DateTimeOffset leaseUntil, int limit, CancellationToken ct) =>
        db.WriteAsync<IReadOnlyList<Notification>>(async (c, tx) => await c.Command($"""
            WITH picked AS (
                SELECT id FROM notifications WHERE status IN {NotificationStatus.Sql.Plannable} AND priority = @p AND due_at <= @now
                ORDER BY due_at LIMIT @n FOR UPDATE SKIP LOCKED),
            claimed AS (
                UPDATE notifications n SET status = 'planning', lease_until = @lease, updated_at = @now
                FROM picked WHERE n.id = picked.id AND n.status IN {NotificationStatus.Sql.Plannable}
                RETURNING {string.Join(", ", NotificationRow.Columns.Split(", ").Select(x => "n." + x))})
            SELECT {NotificationRow.Columns} FROM claimed ORDER BY due_at, id
            """, tx).With("lease", leaseUntil.Ms()).With("now", now.Ms()).With("p", (int)priority).With("n", limit).ReadAllAsync(NotificationRow.Map, ct), ct);

    public Task<BatchResults> CompletePlanningAsync(IReadOnlyList<PlanResult> results, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(results);
        return BatchIsolation.WriteWithSubstitutesAsync(results, part => CompletePlanningBatchAsync(part, now, ct), (r, reason) => r.Unstorable(reason, now));
    }

    private Task<IReadOnlyList<bool>> CompletePlanningBatchAsync(IReadOnlyList<PlanResult> results, DateTimeOffset now, CancellationToken ct) =>
        WriteRetryingAsync<IReadOnlyList<bool>>(async (c, tx) =>
        {
            // A plan applies only while its notification is still being planned (not cancelled or re-leased meanwhile).
            var first = results.DistinctBy(r => r.NotificationId, StringComparer.Ordinal).ToList();
            var moved = new HashSet<string>(await c.Command("""
                UPDATE notifications n SET status = x.s, lease_until = NULL, updated_at = @now
                FROM unnest(@id::text[], @s::text[]) AS x(id, s)
                WHERE n.id = x.id AND n.status = 'planning'
                RETURNING n.id
                """, tx).With("now", now.Ms()).With("id", first.Select(r => r.NotificationId).ToArray()).With("s", first.Select(r => r.Status).ToArray())
                .ReadAllAsync(r => r.GetString(0), ct), StringComparer.Ordinal);
            var applied = first.Where(r => moved.Contains(r.NotificationId)).ToList();
            await InsertDeliveriesAsync(c, tx, [.. applied.SelectMany(r => r.Deliveries)], orIgnore: false, ct);
            await InsertTraceAsync(c, tx, [.. applied.SelectMany(r => r.Trace)], ct);
            await AppendDigestsAsync(c, tx, applied.Where(r => r.Digest is not null).Select(r => r.Digest!), now, ct);
            var firstOfEach = new HashSet<PlanResult>(first, ReferenceEqualityComparer.Instance);
            return results.Select(r => firstOfEach.Contains(r) && moved.Contains(r.NotificationId)).ToList();
        }, ct);

    // SKIP LOCKED: a plan whose row is locked is being completed right now, so it is not released, and the sweeper never
    // waits on a planner's rows (the two used to deadlock, each holding rows of the other's batch).
    public Task<int> ReleaseExpiredPlanningAsync(DateTimeOffset now, CancellationToken ct) =>
        db.WriteAsync((c, tx) => c.Command("""
            WITH expired AS (SELECT id FROM notifications WHERE status = 'planning' AND lease_until < @now FOR UPDATE SKIP LOCKED)
            UPDATE notifications n SET status = 'accepted', lease_until = NULL FROM expired WHERE n.id = expired.id
            """, tx).With("now", now.Ms()).ExecuteNonQueryAsync(ct), ct);

    public Task AddDeliveriesAsync(string notificationId, IReadOnlyList<Delivery> deliveries, IReadOnlyList<TraceEntry> trace, DateTimeOffset now, CancellationToken ct) =>
        db.WriteAsync(async (c, tx) =>
        {
            await InsertDeliveriesAsync(c, tx, deliveries, orIgnore: true, ct);
            await InsertTraceAsync(c, tx, trace, ct);
            // Recomputed under the row lock rather than set: a sibling delivery completing at the same moment cannot leave the
            // notification completed with these new deliveries pending.
            await RefreshNotificationsAsync(c, tx, [notificationId], now, ct);
        }, ct);

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

    public Task<IReadOnlyList<Notification>> ListNotificationsAsync(string? recipientId, string? status, int limit, string? cursor, CancellationToken ct) =>
        SearchNotificationsAsync(new NotificationSearch(recipientId, status), limit, cursor, ct);

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

            await InsertTraceAsync(c, tx, [new TraceEntry(id, now, "api", null, "cancelled", $"cancelled by request; {deliveries} unsent deliveries cancelled")], ct);
            await RefreshNotificationsAsync(c, tx, [id], now, ct);
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

    public async Task<IReadOnlyList<Delivery>> ListDeadLettersAsync(int limit, string? cursor, Channel? channel, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.Command($"""
            SELECT {DeliveryRow.Columns} FROM deliveries
            WHERE status = 'dead' AND (@ch::integer IS NULL OR channel = @ch::integer) AND (@cur::text IS NULL OR id > @cur::text) ORDER BY id LIMIT @n
            """).With("ch", (int?)channel).With("cur", cursor).With("n", limit).ReadAllAsync(DeliveryRow.Map, ct);
    }

    private static async Task InsertNotificationsAsync(NpgsqlConnection c, NpgsqlTransaction tx, List<Notification> notifications, DateTimeOffset now, CancellationToken ct)
    {
        if (notifications.Count == 0)
        {
            return;
        }

        // Planners on every node hear of accepted work on commit, not at their next poll.
        SignalOnCommit(tx, ClusterTopics.Plan,
            notifications.Where(n => n.Status == NotificationStatus.Accepted).Select(n => ((int)n.Priority).ToString(CultureInfo.InvariantCulture)));
        await c.Command("""
            INSERT INTO notifications(id, event_type, recipient_id, priority, status, template_id, template_version, channels, data,
                idempotency_key, batch_id, due_at, created_at, updated_at, trace_parent, options, campaign_id)
            SELECT id, et, r, p, s, tid, tv, ch, d, ik, b, due, @ca, @ca, tp, opt, cmp
            FROM unnest(@id::text[], @et::text[], @r::text[], @p::integer[], @s::text[], @tid::text[], @tv::integer[], @ch::text[], @d::text[],
                @ik::text[], @b::text[], @due::bigint[], @tp::text[], @opt::text[], @cmp::text[]) WITH ORDINALITY AS x(id, et, r, p, s, tid, tv, ch, d, ik, b, due, tp, opt, cmp, o)
            ORDER BY o
            """, tx).With("ca", now.Ms())
            .With("id", notifications.Select(n => n.Id).ToArray()).With("et", notifications.Select(n => n.EventType).ToArray())
            .With("r", notifications.Select(n => n.RecipientId).ToArray()).With("p", notifications.Select(n => (int)n.Priority).ToArray())
            .With("s", notifications.Select(n => n.Status).ToArray()).With("tid", notifications.Select(n => n.TemplateId).ToArray())
            .With("tv", notifications.Select(n => n.TemplateVersion).ToArray())
            .With("ch", notifications.Select(n => n.Channels is null ? null : string.Join(',', n.Channels.Select(x => (int)x))).ToArray())
            .With("d", notifications.Select(n => n.Data).ToArray()).With("ik", notifications.Select(n => n.IdempotencyKey).ToArray())
            .With("b", notifications.Select(n => n.BatchId).ToArray()).With("due", notifications.Select(n => n.DueAt.Ms()).ToArray())
            .With("tp", notifications.Select(n => n.TraceParent).ToArray())
            .With("opt", notifications.Select(n => StoreJson.OptionsJson(n.Options)).ToArray()).With("cmp", notifications.Select(n => n.CampaignId).ToArray())
            .ExecuteNonQueryAsync(ct);
    }

}
