using Herald.Core.Domain;
using Herald.Core.Storage;
using Npgsql;

namespace Herald.Storage.Postgres;

/// <summary>
/// Planning: notifications claimed under a lease, and the plans (deliveries, trace, digest appends) that complete
/// them.
/// </summary>
internal sealed class PostgresPlanStore(PostgresDatabase db) : IPlanStore
{
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
        db.WriteRetryingAsync((c, tx) => WritePlansAsync(c, tx, results, now, NotificationStatus.Sql.BeingPlanned, ct), ct);

    /// <summary>
    /// A round in one transaction: the due rows are locked (<c>FOR UPDATE SKIP LOCKED</c>, not leased) while
    /// <paramref name="plan"/> runs, and each notification is written once, planned. Other planners skip the locked rows;
    /// a crash or a failed plan rolls back and leaves them due at once, with no lease to wait out. When the write is
    /// refused (one plan's data, or a deadlock) the transaction is rolled back and the batch, due again, is planned by a
    /// leased round, which isolates each plan (<see cref="CompletePlanningAsync"/>).
    /// </summary>
    public async Task<PlanRound> PlanDueAsync(Priority priority, DateTimeOffset now, DateTimeOffset leaseUntil, int limit, PlanBatch plan, TimeProvider time, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(time);
        try
        {
            return await db.WriteAsync(async (c, tx) =>
            {
                await using var claim = new NpgsqlBatch(c, tx);
                PgWrites.AddOnGenericPlan(claim, PgWrites.BatchCommand($"""
                    SELECT {NotificationRow.Columns} FROM notifications
                    WHERE status IN {NotificationStatus.Sql.Plannable} AND priority = @p AND due_at <= @now
                    ORDER BY due_at LIMIT @n FOR UPDATE SKIP LOCKED
                    """, ("now", now.Ms()), ("p", (int)priority), ("n", limit)));
                var batch = await claim.ReadAllAsync(NotificationRow.Map, ct);
                if (batch.Count == 0)
                {
                    return PlanRound.Empty;
                }

                var results = await plan(batch, ct);
                return new PlanRound(results, new BatchResults(await WritePlansAsync(c, tx, results, time.GetUtcNow(), NotificationStatus.Sql.Plannable, ct)));
            }, ct);
        }
        catch (Exception ex) when (ex is StoreDataException or PostgresException { SqlState: PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure })
        {
            return await PlanRound.LeasedAsync(this, priority, now, leaseUntil, limit, plan, time, ct);
        }
    }

    /// <summary>
    /// Writes plans in <paramref name="tx"/>: each notification moves on only while its status is one of
    /// <paramref name="fromStatuses"/> (an SQL list: still being planned, not cancelled or re-leased meanwhile), and only
    /// then are its deliveries, trace and digest append written. Returns, per result, whether it applied.
    /// </summary>
    private static async Task<IReadOnlyList<bool>> WritePlansAsync(NpgsqlConnection c, NpgsqlTransaction tx, IReadOnlyList<PlanResult> results, DateTimeOffset now,
        string fromStatuses, CancellationToken ct)
    {
        var first = results.DistinctBy(r => r.NotificationId, StringComparer.Ordinal).ToList();
        // A small batch's write on its generic plan: planned anew, it cost 230 µs of planning per urgent notification (0.74
        // plans a call, pg_stat_statements, 2026-12-08). Larger batches keep PostgreSQL's choice, as the gate reads do: a
        // custom plan prunes the months by the key list, a generic one cannot (a campaign's write cost 73–86 µs per
        // notification in three runs whichever it ran on, so planning is no cost there). A write by key whose
        // status test no partial index on status can serve (`|| ''`), so no plan costed on stale statistics reads a
        // backlog of accepted rows through one.
        await using var write = new NpgsqlBatch(c, tx);
        write.BatchCommands.Add(PgWrites.BatchCommand($"""
            UPDATE notifications n SET status = x.s, lease_until = NULL, updated_at = @now
            FROM unnest(@id::text[], @s::text[]) AS x(id, s)
            WHERE n.id = x.id AND n.id = ANY(@id) AND n.status || '' IN {fromStatuses}
            RETURNING n.id
            """, ("now", now.Ms()), ("id", first.Select(r => r.NotificationId).ToArray()), ("s", first.Select(r => r.Status).ToArray())));
        if (first.Count <= PgWrites.GenericPlanBatch)
        {
            PgWrites.RunOnGenericPlans(write);
        }

        var moved = new HashSet<string>(await write.ReadAllAsync(r => r.GetString(0), ct), StringComparer.Ordinal);
        var applied = first.Where(r => moved.Contains(r.NotificationId)).ToList();
        await PgWrites.InsertDeliveriesAsync(c, tx, [.. applied.SelectMany(r => r.Deliveries)], orIgnore: false, ct);
        await PgWrites.InsertTraceAsync(c, tx, [.. applied.SelectMany(r => r.Trace)], ct);
        await PostgresDigestStore.AppendDigestsAsync(c, tx, applied.Where(r => r.Digest is not null).Select(r => r.Digest!), now, ct);
        var firstOfEach = new HashSet<PlanResult>(first, ReferenceEqualityComparer.Instance);
        return results.Select(r => firstOfEach.Contains(r) && moved.Contains(r.NotificationId)).ToList();
    }

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
            await PgWrites.InsertDeliveriesAsync(c, tx, deliveries, orIgnore: true, ct);
            await PgWrites.InsertTraceAsync(c, tx, trace, ct);
            // Recomputed under the row lock rather than set: a sibling delivery completing at the same moment cannot leave the
            // notification completed with these new deliveries pending.
            await PgWrites.RefreshNotificationsAsync(c, tx, [notificationId], now, ct);
        }, ct);
}
