using Herald.Core.Domain;
using Herald.Core.Storage;
using Microsoft.Data.Sqlite;
using static Herald.Storage.Sqlite.SqliteRows;

namespace Herald.Storage.Sqlite;

/// <summary>Planning: notifications claimed for the planner, and its deliveries, trace and digest items written back.</summary>
internal sealed class SqlitePlanStore(SqliteDatabase db) : IPlanStore
{
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
            var trace = new List<TraceEntry>();
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
                    TraceAll(c, tx, trace); // the digest may trace too: what came before goes first
                    SqliteDigestStore.Append(c, tx, digest, now);
                }

                foreach (var d in result.Deliveries)
                {
                    BindDelivery(insert, d);
                    insert.ExecuteNonQuery();
                }

                trace.AddRange(result.Trace);
                applied[i] = true;
            }

            TraceAll(c, tx, trace);
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
                using var cmd = TraceInsert(c, tx, t);
                cmd.ExecuteNonQuery();
            }

            c.Command("UPDATE notifications SET status = 'processing', updated_at = $now WHERE id = $id AND status = 'completed'", tx)
                .With("$id", notificationId).With("$now", now.Ms()).NonQuery();
        }, ct);
}
