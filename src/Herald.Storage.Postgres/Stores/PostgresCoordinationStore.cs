using Herald.Core.Storage;

namespace Herald.Storage.Postgres;

/// <summary>
/// What processes of a cluster share: provider rate buckets, and the worker registry (one row per live worker
/// process, on the database's clock so node clocks need not agree).
/// </summary>
internal sealed class PostgresCoordinationStore(PostgresDatabase db) : IProviderBucketStore, IWorkerRegistry
{
    /// <summary>
    /// Two statements: refill by the time elapsed (an upsert), then take a token with a guarded decrement, so two processes
    /// racing for the last token cannot both get it (the loser is told how long to wait).
    /// </summary>
    public async Task<TimeSpan?> TryTakeAsync(string name, double perSecond, double capacity, DateTimeOffset now, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        var left = await c.Command("""
            INSERT INTO provider_buckets AS b(name, tokens, updated_at) VALUES (@n, @cap, @now)
            ON CONFLICT (name) DO UPDATE
              SET tokens = LEAST(@cap, b.tokens + GREATEST(0, @now - b.updated_at) / 1000.0 * @rate), updated_at = GREATEST(b.updated_at, @now)
            RETURNING tokens
            """).With("n", name).With("cap", capacity).With("rate", perSecond).With("now", now.Ms()).ExecuteScalarAsync(ct);
        var tokens = Convert.ToDouble(left, System.Globalization.CultureInfo.InvariantCulture);
        if (tokens >= 1)
        {
            var taken = await c.Command("UPDATE provider_buckets SET tokens = tokens - 1 WHERE name = @n AND tokens >= 1").With("n", name).ExecuteNonQueryAsync(ct);
            if (taken == 1)
            {
                return null;
            }
        }

        return TimeSpan.FromSeconds(Math.Max(0.001, (1 - Math.Min(tokens, 1)) / perSecond));
    }

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
