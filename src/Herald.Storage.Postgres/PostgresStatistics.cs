using Npgsql;

namespace Herald.Storage.Postgres;

/// <summary>
/// Keeps the planner's statistics of Herald's tables as fresh as the hot path needs. PostgreSQL caches a prepared
/// statement's generic plan per connection and builds it from the statistics of that moment; a plan made while a
/// partition was empty or small (a new install, the first days of a month's partition, a quiet table before a campaign)
/// scans the whole partition once it has grown, and stays until the table's statistics change. Autovacuum analyzes a
/// table only after 10 % of it changed and looks at most once a minute, so a campaign's first minute ran on such plans:
/// the benchmark's lanes scenario measured a notification lock taking 150 ms (a sequential scan of 21,000 rows built for
/// an empty partition) and the campaign draining at 486/s against 3,086/s with fresh statistics (docs/benchmarks.md,
/// 2026-12-07). An ANALYZE both refreshes a table's statistics and invalidates the plans built on it.
/// </summary>
internal sealed class PostgresStatistics(PostgresDatabase db)
{
    /// <summary>A table is analyzed once at least this many rows changed since its last analysis …</summary>
    internal const long MinChanged = 1_000;

    /// <summary>
    /// … and at least as many as its last analysis counted (never analyzed: any): the table doubled, or turned over. Each
    /// analysis makes every connection plan the statements on that table again; with a fifth instead, the benchmark's batch
    /// step used 5–34 % more CPU while tables grew from empty (2026-12-07). Autovacuum still does the rest.
    /// </summary>
    internal const double ChangedShare = 1.0;

    /// <summary>At most this many tables per round, the most changed first, so a round stays short.</summary>
    internal const int TablesPerRound = 8;

    /// <summary>
    /// Analyzes the tables of Herald's schema (leaf partitions included) that changed enough since their last analysis;
    /// returns their names. A table another session is analyzing or vacuuming is skipped (<c>SKIP_LOCKED</c>), so several
    /// nodes may run this at once. Only tables whose owner's privileges the connection's role has are taken: PostgreSQL
    /// skips others with a warning, and they would be picked again every round.
    /// </summary>
    public async Task<IReadOnlyList<string>> AnalyzeChangedAsync(CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        var tables = await c.Command("""
            SELECT format('%I.%I', s.schemaname, s.relname) FROM pg_stat_user_tables s JOIN pg_class t ON t.oid = s.relid
            WHERE s.schemaname = current_schema() AND t.relkind = 'r' AND pg_has_role(t.relowner, 'USAGE')
              AND s.n_mod_since_analyze >= @min AND s.n_mod_since_analyze >= @share * GREATEST(t.reltuples, 0)
            ORDER BY s.n_mod_since_analyze DESC LIMIT @n
            """).With("min", MinChanged).With("share", ChangedShare).With("n", TablesPerRound).ReadAllAsync(r => r.GetString(0), ct);
        foreach (var table in tables)
        {
            // Not a prepared statement: a table name cannot be a parameter (it comes from the catalog, quoted by format).
            await using var analyze = new NpgsqlCommand($"ANALYZE (SKIP_LOCKED) {table}", c);
            await analyze.ExecuteNonQueryAsync(ct);
        }

        return tables;
    }
}
