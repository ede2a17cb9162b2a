using Herald.Core.Storage;

namespace Herald.Storage.Postgres;

/// <summary>The worker registry: one row per live worker process, on the database's clock so node clocks need not agree.</summary>
public sealed partial class PostgresStore : IWorkerRegistry
{
    public Task<IReadOnlyList<string>> HeartbeatAsync(string nodeId, TimeSpan liveFor, CancellationToken ct) =>
        db.WriteAsync<IReadOnlyList<string>>(async (c, tx) =>
        {
            await c.Command("""
                INSERT INTO worker_nodes(id, seen_at) VALUES (@id, clock_timestamp())
                ON CONFLICT (id) DO UPDATE SET seen_at = EXCLUDED.seen_at
                """, tx).With("id", nodeId).ExecuteNonQueryAsync(ct);
            await c.Command("DELETE FROM worker_nodes WHERE seen_at < clock_timestamp() - @gone", tx).With("gone", liveFor * 10).ExecuteNonQueryAsync(ct);
            return await c.Command("SELECT id FROM worker_nodes WHERE seen_at >= clock_timestamp() - @live ORDER BY id", tx)
                .With("live", liveFor).ReadAllAsync(r => r.GetString(0), ct);
        }, ct);

    public async Task LeaveAsync(string nodeId, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        await c.Command("DELETE FROM worker_nodes WHERE id = @id").With("id", nodeId).ExecuteNonQueryAsync(ct);
    }
}
