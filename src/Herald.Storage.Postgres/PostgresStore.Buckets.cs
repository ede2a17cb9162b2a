using Herald.Core.Storage;

namespace Herald.Storage.Postgres;

public sealed partial class PostgresStore : IProviderBucketStore
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
}
