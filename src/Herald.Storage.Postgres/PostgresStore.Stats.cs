using Herald.Core.Domain;
using Herald.Core.Storage;

namespace Herald.Storage.Postgres;

public sealed partial class PostgresStore : IQueueStatsStore
{
    public async Task<QueueSnapshot> GetQueueSnapshotAsync(DateTimeOffset now, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        // ix_deliveries_lane, ix_deliveries_lease and ix_deliveries_dead are partial on exactly these statuses.
        var lanes = await c.Command($"""
            SELECT channel, priority, COUNT(*), MIN(due_at) FROM deliveries
            WHERE status IN {DeliveryStatus.Sql.Claimable} AND due_at <= @now GROUP BY channel, priority
            """).With("now", now.ToUnixTimeMilliseconds())
            .ReadAllAsync(r => new LaneBacklog((Channel)r.GetInt32(0), (Priority)r.GetInt32(1), r.GetInt64(2), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(3))), ct);
        var (sending, dead) = (await c.Command("SELECT (SELECT COUNT(*) FROM deliveries WHERE status = 'sending'), (SELECT COUNT(*) FROM deliveries WHERE status = 'dead')")
            .ReadAllAsync(r => (r.GetInt64(0), r.GetInt64(1)), ct))[0];
        return new QueueSnapshot(lanes, sending, dead);
    }
}
