using Herald.Core.Domain;
using Herald.Core.Storage;

namespace Herald.Storage.Sqlite;

public sealed partial class SqliteStore : IQueueStatsStore
{
    public async Task<QueueSnapshot> GetQueueSnapshotAsync(DateTimeOffset now, CancellationToken ct)
    {
        await using var c = await db.OpenReadAsync(ct);
        // The lane index is partial on exactly these statuses, so this reads the index, not the table.
        var lanes = await c.Command($"""
            SELECT channel, priority, COUNT(*), MIN(due_at) FROM deliveries
            WHERE status IN {DeliveryStatus.Sql.Claimable} AND due_at <= $now GROUP BY channel, priority
            """).With("$now", now.Ms())
            .ReadAllAsync(r => new LaneBacklog((Channel)r.GetInt32(0), (Priority)r.GetInt32(1), r.GetInt64(2), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(3))), ct);
        var (sending, dead) = (await c.Command("SELECT (SELECT COUNT(*) FROM deliveries WHERE status = 'sending'), (SELECT COUNT(*) FROM deliveries WHERE status = 'dead')")
            .ReadAllAsync(r => (r.GetInt64(0), r.GetInt64(1)), ct))[0];
        return new QueueSnapshot(lanes, sending, dead);
    }
}
