using Herald.Core.Domain;
using Herald.Core.Storage;
using Npgsql;

namespace Herald.Storage.Postgres;

/// <summary>
/// The deliveries table as the work transport's outbox. <c>published_due</c> holds the due time a delivery's message was
/// published for: a deferral or retry moves <c>due_at</c> away from it, and a claim clears it, so the delivery becomes
/// publishable again whenever it is waiting for a due time no message was sent for.
/// </summary>
internal sealed class PostgresRelayStore(PostgresDatabase db) : IWorkRelayStore
{
    private const long RelayLockKey = 0x48_52_65_6C_61_79; // "HRelay"

    public Task<int> RelayDueAsync(DateTimeOffset now, Priority priority, int limit, int maxInFlightPerLane, Func<IReadOnlyList<Delivery>, CancellationToken, Task> publish, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(publish);
        // Not retried on a deadlock: publish has effects outside the transaction (and the relay takes no waiting locks).
        return db.WriteAsync(async (c, tx) =>
        {
            // One relay round of a priority at a time across the cluster: two relays publishing interleaved slices would let a
            // newer notification of a recipient overtake an older one in its partition queue (a lane's queues take one
            // priority only, so rounds of different priorities may overlap). Others skip this round.
            // The round and its mark run on generic plans (this transaction only): planned anew, the round cost 3.4 ms of
            // planning a call at 100 urgent sends/s (pg_stat_statements, 2026-12-07); its shape is the same whatever it finds.
            await using (var locking = new NpgsqlBatch(c, tx))
            {
                locking.BatchCommands.Add(new NpgsqlBatchCommand(PgWrites.GenericPlansForTransaction));
                locking.BatchCommands.Add(PgWrites.BatchCommand("SELECT pg_try_advisory_xact_lock(@k)", ("k", RelayLockKey + (long)priority)));
                if (await locking.ExecuteScalarAsync(ct) is not true)
                {
                    return 0;
                }
            }

            // One statement: per lane (channel × priority), the published-but-unclaimed count, then up to the lane's room
            // (at most `limit`, never past maxInFlightPerLane) of its earliest due unpublished deliveries. The bound is per
            // lane, so a campaign that fills its own lane's budget never keeps an urgent delivery out of the broker.
            var lanes = ChannelNames.Lanes.Where(l => l.Priority == priority).ToArray();
            var due = await c.Command($"""
                WITH in_flight AS (
                    SELECT channel, priority, COUNT(*) AS n FROM deliveries
                    WHERE status IN {DeliveryStatus.Sql.Claimable} AND published_due = due_at AND priority = @p GROUP BY channel, priority),
                lanes AS (
                    SELECT l.ch, l.pr, LEAST(@limit, @max - COALESCE(f.n, 0)) AS room
                    FROM unnest(@ch::int[], @pr::int[]) AS l(ch, pr) LEFT JOIN in_flight f ON f.channel = l.ch AND f.priority = l.pr)
                SELECT d.* FROM lanes CROSS JOIN LATERAL (
                    SELECT {DeliveryRow.Columns} FROM deliveries
                    WHERE channel = lanes.ch AND priority = lanes.pr AND status IN {DeliveryStatus.Sql.Claimable} AND due_at <= @now
                      AND published_due IS DISTINCT FROM due_at
                    ORDER BY due_at, notification_id, id LIMIT GREATEST(lanes.room, 0) FOR UPDATE SKIP LOCKED) d
                ORDER BY lanes.pr, lanes.ch, d.due_at, d.notification_id, d.id
                """, tx).With("limit", (long)limit).With("max", (long)maxInFlightPerLane).With("now", now.Ms())
                .With("ch", lanes.Select(l => (int)l.Channel).ToArray()).With("pr", lanes.Select(l => (int)l.Priority).ToArray()).With("p", (int)priority)
                .ReadAllAsync(DeliveryRow.Map, ct);
            if (due.Count == 0)
            {
                return 0;
            }

            // Returns once the broker confirmed; if it throws, the transaction rolls back and nothing is marked.
            await publish(due, ct);
            await c.Command("""
                UPDATE deliveries SET published_due = due_at, published_at = @now
                FROM unnest(@n::text[], @id::text[]) AS x(nid, did)
                WHERE notification_id = x.nid AND id = x.did
                """, tx).With("n", due.Select(d => d.NotificationId).ToArray()).With("id", due.Select(d => d.Id).ToArray()).With("now", now.Ms())
                .ExecuteNonQueryAsync(ct);
            return due.Count;
        }, ct);
    }

    public Task<int> RepublishStaleAsync(DateTimeOffset before, CancellationToken ct) =>
        db.WriteAsync(async (c, tx) => await c.Command($"""
            WITH stale AS (
                SELECT notification_id AS xn, id AS xi FROM deliveries
                WHERE status IN {DeliveryStatus.Sql.Claimable} AND published_due = due_at AND published_at < @before
                FOR UPDATE SKIP LOCKED)
            UPDATE deliveries SET published_due = NULL, published_at = NULL
            FROM stale WHERE notification_id = stale.xn AND id = stale.xi
            """, tx).With("before", before.Ms()).ExecuteNonQueryAsync(ct), ct);

    public async Task<int> CountInFlightAsync(CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        var count = await c.Command($"SELECT COUNT(*) FROM deliveries WHERE status IN {DeliveryStatus.Sql.Claimable} AND published_due = due_at").ExecuteScalarAsync(ct);
        return Convert.ToInt32(count, System.Globalization.CultureInfo.InvariantCulture);
    }

    public Task<IReadOnlyList<Delivery>> ClaimPublishedAsync(IReadOnlyList<DeliveryRef> deliveries, DateTimeOffset now, DateTimeOffset leaseUntil, string owner,
        IDispatchGate gate, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(deliveries);
        ArgumentNullException.ThrowIfNull(gate);
        if (deliveries.Count == 0)
        {
            return Task.FromResult<IReadOnlyList<Delivery>>([]);
        }

        return db.WriteRetryingAsync<IReadOnlyList<Delivery>>(async (c, tx) =>
        {
            // Waits (no SKIP LOCKED) for a relay still holding a row: its message can reach a consumer before the relay
            // commits. The condition is checked again on the row as that transaction left it. Rows are locked in key order.
            // A look-up by key: the status test is written so that no partial index on status matches it (`|| ''`), or a
            // plan costed while few rows were claimable would read a campaign's whole backlog through the lane index.
            var candidates = await c.Command($"""
                SELECT {DeliveryRow.Columns} FROM deliveries
                WHERE (notification_id, id) IN (SELECT n, d FROM unnest(@n::text[], @id::text[]) AS x(n, d))
                  AND notification_id = ANY(@n) AND status || '' IN {DeliveryStatus.Sql.Claimable} AND due_at <= @now
                ORDER BY notification_id, id
                FOR UPDATE
                """, tx).With("n", deliveries.Select(d => d.NotificationId).ToArray()).With("id", deliveries.Select(d => d.DeliveryId).ToArray())
                .With("now", now.Ms()).ReadAllAsync(DeliveryRow.Map, ct);
            if (candidates.Count == 0)
            {
                return candidates;
            }

            // Decided in due order, as the lane would have claimed them, so a rate limit lets the earliest through.
            candidates.Sort(PgClaims.DueOrder);
            return await PgClaims.GateAndClaimAsync(c, tx, candidates, now, leaseUntil, owner, gate, ct);
        }, ct);
    }

    /// <summary>The earliest due time after <paramref name="after"/> of a claimable delivery of <paramref name="priority"/> no message was published for.</summary>
    public async Task<DateTimeOffset?> NextUnpublishedDueAsync(DateTimeOffset after, Priority priority, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        var value = await c.Command($"""
            SELECT MIN(due_at) FROM deliveries WHERE status IN {DeliveryStatus.Sql.Claimable} AND published_due IS DISTINCT FROM due_at AND due_at > @after AND priority = @p
            """).With("after", after.Ms()).With("p", (int)priority).ExecuteScalarAsync(ct);
        return value is long ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
    }
}
