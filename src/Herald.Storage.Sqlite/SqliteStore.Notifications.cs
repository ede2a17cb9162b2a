using Herald.Core.Domain;
using Herald.Core.Storage;
using Microsoft.Data.Sqlite;

namespace Herald.Storage.Sqlite;

public sealed partial class SqliteStore
{

    public async Task<IdempotencyRecord?> GetIdempotencyAsync(string key, CancellationToken ct)
    {
        await using var c = await db.OpenReadAsync(ct);
        var rows = await c.Command("SELECT key, request_hash, status_code, response, created_at FROM idempotency WHERE key = $k").With("$k", key)
            .ReadAllAsync(r => new IdempotencyRecord(r.GetString(0), r.GetString(1), r.GetInt32(2), r.GetString(3), r.Time(4)), ct);
        return rows.FirstOrDefault();
    }

    public Task<IReadOnlyList<bool>> AcceptAsync(IReadOnlyList<IngestItem> items, DateTimeOffset now, CancellationToken ct) =>
        db.WriteAsync<IReadOnlyList<bool>>((c, tx) =>
        {
            var results = new bool[items.Count];
            using var idem = c.Command("INSERT INTO idempotency(key, request_hash, status_code, response, created_at) VALUES ($k, $h, $s, $r, $t) ON CONFLICT(key) DO NOTHING", tx);
            var pk = idem.Parameters.Add("$k", SqliteType.Text);
            var ph = idem.Parameters.Add("$h", SqliteType.Text);
            var ps = idem.Parameters.Add("$s", SqliteType.Integer);
            var pr = idem.Parameters.Add("$r", SqliteType.Text);
            idem.Parameters.AddWithValue("$t", now.Ms());
            using var insert = NotificationInsert(c, tx);
            for (var i = 0; i < items.Count; i++)
            {
                var item = items[i];
                if (item.Idempotency is { } record)
                {
                    pk.Value = record.Key;
                    ph.Value = record.RequestHash;
                    ps.Value = record.StatusCode;
                    pr.Value = record.Response;
                    if (idem.ExecuteNonQuery() == 0)
                    {
                        continue;
                    }
                }

                foreach (var n in item.Notifications)
                {
                    BindNotification(insert, n, now);
                    insert.ExecuteNonQuery();
                }

                results[i] = true;
            }

            return results;
        }, ct);

    public Task<int> PurgeIdempotencyAsync(DateTimeOffset before, CancellationToken ct) =>
        db.WriteAsync((c, tx) => c.Command("DELETE FROM idempotency WHERE created_at < $t", tx).With("$t", before.Ms()).NonQuery(), ct);

    public async Task<IReadOnlyList<Notification>> ClaimForPlanningAsync(Priority priority, DateTimeOffset now, DateTimeOffset leaseUntil, int limit, CancellationToken ct)
    {
        await using (var r = await db.OpenReadAsync(ct))
        {
            var due = await r.Command($"SELECT 1 FROM notifications WHERE status IN {NotificationStatus.Sql.Plannable} AND priority = $p AND due_at <= $now LIMIT 1")
                .With("$p", (int)priority).With("$now", now.Ms()).ScalarAsync(ct);
            if (due is null)
            {
                return [];
            }
        }

        return await ClaimForPlanningLockedAsync(priority, now, leaseUntil, limit, ct);
    }

    private Task<IReadOnlyList<Notification>> ClaimForPlanningLockedAsync(Priority priority, DateTimeOffset now, DateTimeOffset leaseUntil, int limit, CancellationToken ct) =>
        db.WriteAsync<IReadOnlyList<Notification>>((c, tx) => c.Command($"""
            UPDATE notifications SET status = 'planning', lease_until = $lease, updated_at = $now
            WHERE id IN (SELECT id FROM notifications WHERE status IN {NotificationStatus.Sql.Plannable} AND priority = $p AND due_at <= $now ORDER BY due_at LIMIT $n)
            RETURNING {NotificationRow.Columns}
            """, tx).With("$lease", leaseUntil.Ms()).With("$now", now.Ms()).With("$p", (int)priority).With("$n", limit).ReadAll(NotificationRow.Map), ct);

    public Task<BatchResults> CompletePlanningAsync(IReadOnlyList<PlanResult> results, DateTimeOffset now, CancellationToken ct) =>
        BatchIsolation.WriteWithSubstitutesAsync(results, part => CompletePlanningBatchAsync(part, now, ct), (r, reason) => r.Unstorable(reason, now));

    private Task<IReadOnlyList<bool>> CompletePlanningBatchAsync(IReadOnlyList<PlanResult> results, DateTimeOffset now, CancellationToken ct) =>
        db.WriteAsync<IReadOnlyList<bool>>((c, tx) =>
        {
            var applied = new bool[results.Count];
            using var update = c.Command("UPDATE notifications SET status = $s, lease_until = NULL, updated_at = $now WHERE id = $id AND status = 'planning'", tx);
            var ps = update.Parameters.Add("$s", SqliteType.Text);
            var pid = update.Parameters.Add("$id", SqliteType.Text);
            update.Parameters.AddWithValue("$now", now.Ms());
            using var insert = DeliveryInsert(c, tx);
            for (var i = 0; i < results.Count; i++)
            {
                var result = results[i];
                ps.Value = result.Status;
                pid.Value = result.NotificationId;
                if (update.ExecuteNonQuery() == 0)
                {
                    continue; // cancelled or re-leased meanwhile: this plan is stale
                }

                if (result.Digest is { } digest)
                {
                    AppendDigest(c, tx, digest, now);
                }

                foreach (var d in result.Deliveries)
                {
                    BindDelivery(insert, d);
                    insert.ExecuteNonQuery();
                }

                foreach (var t in result.Trace)
                {
                    using var cmd = Insert(c, tx, t);
                    cmd.ExecuteNonQuery();
                }

                applied[i] = true;
            }

            return applied;
        }, ct);

    public Task<int> ReleaseExpiredPlanningAsync(DateTimeOffset now, CancellationToken ct) =>
        db.WriteAsync((c, tx) => c.Command("UPDATE notifications SET status = 'accepted', lease_until = NULL WHERE status = 'planning' AND lease_until < $now", tx)
            .With("$now", now.Ms()).NonQuery(), ct);

    public Task AddDeliveriesAsync(string notificationId, IReadOnlyList<Delivery> deliveries, IReadOnlyList<TraceEntry> trace, DateTimeOffset now, CancellationToken ct) =>
        db.WriteAsync((c, tx) =>
        {
            using var insert = DeliveryInsert(c, tx, orIgnore: true);
            foreach (var d in deliveries)
            {
                BindDelivery(insert, d);
                insert.ExecuteNonQuery();
            }

            foreach (var t in trace)
            {
                using var cmd = Insert(c, tx, t);
                cmd.ExecuteNonQuery();
            }

            c.Command("UPDATE notifications SET status = 'processing', updated_at = $now WHERE id = $id AND status = 'completed'", tx)
                .With("$id", notificationId).With("$now", now.Ms()).NonQuery();
        }, ct);

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

    public Task<IReadOnlyList<Notification>> ListNotificationsAsync(string? recipientId, string? status, int limit, string? cursor, CancellationToken ct) =>
        SearchNotificationsAsync(new NotificationSearch(recipientId, status), limit, cursor, ct);

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

            using var trace = Insert(c, tx, new TraceEntry(id, now, "api", null, "cancelled", $"cancelled by request; {deliveries} unsent deliveries cancelled"));
            trace.ExecuteNonQuery();
            RefreshNotificationStatus(c, tx, id, now);
            if (deliveries > 0)
            {
                // Settled by the cancellation (nothing left pending): the notification reads as cancelled, not completed.
                c.Command("UPDATE notifications SET status = 'cancelled' WHERE id = $id AND status = 'completed'", tx).With("$id", id).NonQuery();
            }

            return true;
        }, ct);

    private static void RefreshNotificationStatus(SqliteConnection c, SqliteTransaction tx, string notificationId, DateTimeOffset now) =>
        c.Command($"""
            UPDATE notifications SET updated_at = $now, status = CASE
                WHEN EXISTS (SELECT 1 FROM deliveries WHERE notification_id = $id AND status IN {DeliveryStatus.Sql.Pending}) THEN 'processing'
                ELSE 'completed' END
            WHERE id = $id AND status IN {NotificationStatus.Sql.Planned}
            """, tx).With("$id", notificationId).With("$now", now.Ms()).NonQuery();

    private static SqliteCommand NotificationInsert(SqliteConnection c, SqliteTransaction tx) =>
        c.Command("""
            INSERT INTO notifications(id, event_type, recipient_id, priority, status, template_id, template_version, channels, data,
                idempotency_key, batch_id, due_at, created_at, updated_at, trace_parent, options, campaign_id)
            VALUES ($id, $et, $r, $p, $s, $tid, $tv, $ch, $d, $ik, $b, $due, $ca, $ca, $tp, $opt, $cmp)
            """, tx);

    private static void BindNotification(SqliteCommand cmd, Notification n, DateTimeOffset now)
    {
        cmd.Parameters.Clear();
        cmd.With("$id", n.Id).With("$et", n.EventType).With("$r", n.RecipientId).With("$p", (int)n.Priority).With("$s", n.Status)
            .With("$tid", n.TemplateId).With("$tv", n.TemplateVersion)
            .With("$ch", n.Channels is null ? null : string.Join(',', n.Channels.Select(x => (int)x)))
            .With("$d", n.Data).With("$ik", n.IdempotencyKey).With("$b", n.BatchId).With("$due", n.DueAt.Ms()).With("$ca", now.Ms())
            .With("$tp", n.TraceParent).With("$opt", StoreJson.OptionsJson(n.Options)).With("$cmp", n.CampaignId);
    }

}
