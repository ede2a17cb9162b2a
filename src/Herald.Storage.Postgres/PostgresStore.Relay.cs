using Herald.Core.Domain;
using Herald.Core.Storage;

namespace Herald.Storage.Postgres;

/// <summary>
/// The deliveries table as the work transport's outbox. <c>published_due</c> holds the due time a delivery's message was
/// published for: a deferral or retry moves <c>due_at</c> away from it, and a claim clears it, so the delivery becomes
/// publishable again whenever it is waiting for a due time no message was sent for.
/// </summary>
public sealed partial class PostgresStore : IWorkRelayStore
{
    private const long RelayLockKey = 0x48_52_65_6C_61_79; // "HRelay"

    public Task<int> RelayDueAsync(DateTimeOffset now, int limit, int maxInFlightPerLane, Func<IReadOnlyList<Delivery>, CancellationToken, Task> publish, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(publish);
        // Not retried on a deadlock: publish has effects outside the transaction (and the relay takes no waiting locks).
        return db.WriteAsync(async (c, tx) =>
        {
            // One relay round at a time across the cluster: two relays publishing interleaved slices would let a newer
            // notification of a recipient overtake an older one in its partition queue. Others skip this round.
            if (await c.Command("SELECT pg_try_advisory_xact_lock(@k)", tx).With("k", RelayLockKey).ExecuteScalarAsync(ct) is not true)
            {
                return 0;
            }

            // The bound on published-but-unclaimed work is per lane, and lanes are filled urgent first: a campaign that
            // fills its own lane's budget never keeps an urgent delivery out of the broker.
            var inFlight = (await c.Command($"""
                SELECT channel, priority, COUNT(*) FROM deliveries WHERE status IN {Claimable} AND published_due = due_at GROUP BY channel, priority
                """, tx).ReadAllAsync(r => ((Channel)r.GetInt32(0), (Priority)r.GetInt32(1), r.GetInt64(2)), ct))
                .ToDictionary(x => (x.Item1, x.Item2), x => x.Item3);
            var due = new List<Delivery>();
            foreach (var (channel, priority) in ChannelNames.Lanes.OrderBy(l => l.Priority))
            {
                var room = Math.Min(limit - due.Count, maxInFlightPerLane - inFlight.GetValueOrDefault((channel, priority)));
                if (room <= 0)
                {
                    continue;
                }

                due.AddRange(await c.Command($"""
                    SELECT {DeliveryColumns} FROM deliveries
                    WHERE channel = @c AND priority = @p AND status IN {Claimable} AND due_at <= @now AND published_due IS DISTINCT FROM due_at
                    ORDER BY due_at, notification_id, id LIMIT @n FOR UPDATE SKIP LOCKED
                    """, tx).With("c", (int)channel).With("p", (int)priority).With("now", now.Ms()).With("n", room).ReadAllAsync(MapDelivery, ct));
            }

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
                WHERE status IN {Claimable} AND published_due = due_at AND published_at < @before
                FOR UPDATE SKIP LOCKED)
            UPDATE deliveries SET published_due = NULL, published_at = NULL
            FROM stale WHERE notification_id = stale.xn AND id = stale.xi
            """, tx).With("before", before.Ms()).ExecuteNonQueryAsync(ct), ct);

    public async Task<int> CountInFlightAsync(CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        var count = await c.Command($"SELECT COUNT(*) FROM deliveries WHERE status IN {Claimable} AND published_due = due_at").ExecuteScalarAsync(ct);
        return Convert.ToInt32(count, System.Globalization.CultureInfo.InvariantCulture);
    }

    public Task<Delivery?> ClaimOneAsync(string deliveryId, DateTimeOffset now, DateTimeOffset leaseUntil, string owner, IDispatchGate gate, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(gate);
        return WriteRetryingAsync<Delivery?>(async (c, tx) =>
        {
            // Waits (no SKIP LOCKED) for a relay still holding the row: its message can reach a consumer before the relay
            // commits. The condition is checked again on the row as that transaction left it.
            var candidate = await c.Command($"""
                SELECT {DeliveryColumns} FROM deliveries
                WHERE id = @id AND status IN {Claimable} AND due_at <= @now
                FOR UPDATE
                """, tx).With("id", deliveryId).With("now", now.Ms()).ReadAllAsync(MapDelivery, ct);
            if (candidate.Count == 0)
            {
                return null;
            }

            var claimed = await GateAndClaimAsync(c, tx, candidate, now, leaseUntil, owner, gate, ct);
            return claimed.Count == 0 ? null : claimed[0];
        }, ct);
    }
}
