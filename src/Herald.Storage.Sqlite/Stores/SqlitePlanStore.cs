using Herald.Core.Domain;
using Herald.Core.Storage;
using Microsoft.Data.Sqlite;
using static Herald.Storage.Sqlite.SqliteRows;

namespace Herald.Storage.Sqlite;

/// <summary>Planning: notifications claimed for the planner, and its deliveries, trace and digest items written back.</summary>
internal sealed class SqlitePlanStore(SqliteDatabase db) : IPlanStore
{
    // One round at a time per priority in this process (a notification's priority never changes, so rounds of different
    // priorities never meet): a round's read cannot see rows another round of this process has read and not written yet.
    private readonly SemaphoreSlim[] _rounds = [new(1, 1), new(1, 1), new(1, 1)];

    /// <summary>
    /// A round that writes each notification once: the due rows are read on a read connection (no lease, no write),
    /// planned, and their plans written in one write transaction only while each is still due to be planned
    /// (<see cref="NotificationStatus.Sql.Plannable"/>: a cancel in between wins). A crash or a failed plan leaves them due
    /// at once, as the PostgreSQL round does. A plan the store refuses fails alone (<see cref="BatchIsolation"/>). Several
    /// processes on one file stay exact too (the write's condition): the loser's plans come back unwritten.
    /// </summary>
    public async Task<PlanRound> PlanDueAsync(Priority priority, DateTimeOffset now, DateTimeOffset leaseUntil, int limit, PlanBatch plan, TimeProvider time, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(time);
        var round = _rounds[Math.Clamp((int)priority, 0, _rounds.Length - 1)];
        await round.WaitAsync(ct);
        try
        {
            List<Notification> batch;
            await using (var r = await db.OpenReadAsync(ct))
            {
                batch = await r.Command($"""
                    SELECT {NotificationRow.Columns} FROM notifications
                    WHERE status IN {NotificationStatus.Sql.Plannable} AND priority = $p AND due_at <= $now ORDER BY due_at LIMIT $n
                    """).With("$p", (int)priority).With("$now", now.Ms()).With("$n", limit).ReadAllAsync(NotificationRow.Map, ct);
            }

            if (batch.Count == 0)
            {
                return PlanRound.Empty;
            }

            var results = await plan(batch, ct);
            var at = time.GetUtcNow();
            return new PlanRound(results, await BatchIsolation.WriteWithSubstitutesAsync(results,
                part => WritePlansAsync(part, at, NotificationStatus.Sql.Plannable, ct), (x, reason) => x.Unstorable(reason, at)));
        }
        finally
        {
            round.Release();
        }
    }

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
        BatchIsolation.WriteWithSubstitutesAsync(results, part => WritePlansAsync(part, now, "('planning')", ct), (r, reason) => r.Unstorable(reason, now));

    /// <summary>
    /// Writes plans: each notification moves on only while its status is one of <paramref name="fromStatuses"/> (an SQL
    /// list), and only then are its deliveries, trace and digest append written. Per result, whether it applied.
    /// </summary>
    private Task<IReadOnlyList<bool>> WritePlansAsync(IReadOnlyList<PlanResult> results, DateTimeOffset now, string fromStatuses, CancellationToken ct) =>
        db.WriteAsync<IReadOnlyList<bool>>((c, tx) =>
        {
            var applied = new bool[results.Count];
            var planned = MarkPlanned(c, tx, results, fromStatuses, now);
            var deliveries = new List<Delivery>();
            var trace = new List<TraceEntry>();
            for (var i = 0; i < results.Count; i++)
            {
                var result = results[i];
                if (!planned.Remove(result.NotificationId))
                {
                    continue; // cancelled, re-leased or planned meanwhile: this plan is stale (or a second plan of one notification)
                }

                if (result.Digest is { } digest)
                {
                    TraceAll(c, tx, trace); // the digest may trace too: what came before goes first
                    SqliteDigestStore.Append(c, tx, digest, now);
                }

                deliveries.AddRange(result.Deliveries);
                trace.AddRange(result.Trace);
                applied[i] = true;
            }

            InsertDeliveries(c, tx, deliveries);
            TraceAll(c, tx, trace);
            return applied;
        }, ct);

    /// <summary>
    /// Moves every notification of <paramref name="results"/> whose status is still one of <paramref name="fromStatuses"/>
    /// to its planned status in one statement; the ids it moved.
    /// </summary>
    private static HashSet<string> MarkPlanned(SqliteConnection c, SqliteTransaction tx, IReadOnlyList<PlanResult> results, string fromStatuses, DateTimeOffset now)
    {
        var first = new Dictionary<string, string>(results.Count, StringComparer.Ordinal);
        foreach (var r in results)
        {
            first.TryAdd(r.NotificationId, r.Status); // a second plan of one notification finds it planned already, as it would one row at a time
        }

        // Ids and statuses are the store's own values (never a lone surrogate), so they always travel as JSON.
        var rows = JsonRows.Of(first, static (json, r) =>
        {
            json.WriteStringValue(r.Key);
            json.WriteStringValue(r.Value);
        }, first.Count * 48);
        return c.Command($"""
            UPDATE notifications SET status = x.status, lease_until = NULL, updated_at = $now
            FROM (SELECT value ->> 0 AS id, value ->> 1 AS status FROM json_each($rows)) AS x
            WHERE notifications.id = x.id AND notifications.status IN {fromStatuses}
            RETURNING id
            """, tx).With("$rows", rows).With("$now", now.Ms()).ReadAll(r => r.GetString(0)).ToHashSet(StringComparer.Ordinal);
    }

    public Task<int> ReleaseExpiredPlanningAsync(DateTimeOffset now, CancellationToken ct) =>
        db.WriteAsync((c, tx) => c.Command("UPDATE notifications SET status = 'accepted', lease_until = NULL WHERE status = 'planning' AND lease_until < $now", tx)
            .With("$now", now.Ms()).NonQuery(), ct);

    public Task AddDeliveriesAsync(string notificationId, IReadOnlyList<Delivery> deliveries, IReadOnlyList<TraceEntry> trace, DateTimeOffset now, CancellationToken ct) =>
        db.WriteAsync((c, tx) =>
        {
            InsertDeliveries(c, tx, deliveries, orIgnore: true);
            foreach (var t in trace)
            {
                using var cmd = TraceInsert(c, tx, t);
                cmd.ExecuteNonQuery();
            }

            c.Command("UPDATE notifications SET status = 'processing', updated_at = $now WHERE id = $id AND status = 'completed'", tx)
                .With("$id", notificationId).With("$now", now.Ms()).NonQuery();
        }, ct);
}
