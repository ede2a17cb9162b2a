using System.Reflection;

namespace Herald.Storage.Postgres;

/// <summary>
/// Applies the embedded <c>Migrations/NNN_name.sql</c> files in order, each once, under a session advisory lock, so
/// several processes starting together apply each migration exactly once and wait for each other.
/// </summary>
internal static class PostgresMigrator
{
    private const long LockKey = 0x48_65_72_61_6C_64; // "Herald"

    public static async Task<IReadOnlyList<string>> MigrateAsync(PostgresDatabase db, CancellationToken ct)
    {
        var applied = new List<string>();
        await using var c = await db.OpenAsync(ct);
        await c.Command("SELECT pg_advisory_lock(@k)").With("k", LockKey).ExecuteNonQueryAsync(ct);
        try
        {
            await c.Command("CREATE TABLE IF NOT EXISTS schema_migrations(version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())").ExecuteNonQueryAsync(ct);
            var done = new HashSet<string>(await c.Command("SELECT version FROM schema_migrations").ReadAllAsync(r => r.GetString(0), ct), StringComparer.Ordinal);
            var assembly = Assembly.GetExecutingAssembly();
            foreach (var name in assembly.GetManifestResourceNames().Where(n => n.EndsWith(".sql", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
            {
                var version = name["Herald.Storage.Postgres.Migrations.".Length..^".sql".Length];
                if (done.Contains(version))
                {
                    continue;
                }

                await using var stream = assembly.GetManifestResourceStream(name)!;
                using var reader = new StreamReader(stream);
                var sql = await reader.ReadToEndAsync(ct);
                await using var tx = await c.BeginTransactionAsync(ct);
                await c.Command(sql, tx).ExecuteNonQueryAsync(ct);
                await c.Command("INSERT INTO schema_migrations(version) VALUES (@v)", tx).With("v", version).ExecuteNonQueryAsync(ct);
                await tx.CommitAsync(ct);
                applied.Add(version);
            }

            // Months come and go: make sure the partitions around now exist on every start.
            await c.Command("SELECT herald_ensure_partitions(1, 2)").ExecuteNonQueryAsync(ct);
        }
        finally
        {
            await c.Command("SELECT pg_advisory_unlock(@k)").With("k", LockKey).ExecuteNonQueryAsync(CancellationToken.None);
        }

        return applied;
    }
}
