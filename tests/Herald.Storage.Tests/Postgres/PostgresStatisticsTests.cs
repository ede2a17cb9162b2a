using Herald.Core.Storage;
using Herald.Storage.Postgres;
using Herald.Storage.Tests.Infrastructure;
using Npgsql;
using static Herald.Storage.Tests.Contracts.NotificationSamples;

namespace Herald.Storage.Tests.Postgres;

/// <summary>Statistics follow a table's growth, and with them the generic plans PostgreSQL caches on each connection.</summary>
public sealed class PostgresStatisticsTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const string LockByIds = "SELECT 1 FROM notifications WHERE id = ANY($1) ORDER BY id FOR UPDATE";

    [Fact]
    public async Task AnalyzeChanged_PartitionGrownUnderACachedPlan_PlanRebuiltOnTheIndex()
    {
        await using var s = await Stores.PostgresAsync();
        await s.Ingest.AcceptAsync([new IngestItem([Notification("ntf_seed")], null)], Now, CancellationToken.None);
        await using var planned = await s.Postgres!.Source.OpenConnectionAsync();
        // The status refresh's lock, on its generic plan as the refresh runs it, planned while the table holds one row.
        await Run(planned, "SET plan_cache_mode = force_generic_plan");
        await Run(planned, $"PREPARE lock_by_ids(text[]) AS {LockByIds}");
        await Run(planned, "EXECUTE lock_by_ids('{ntf_seed}')");
        var before = await PlanAsync(planned);
        // Test ids sort after every month's range, so they live in the default partition.
        before.ShouldContain("Seq Scan on notifications_default", customMessage: "the precondition: a plan built on a one-row partition scans it");

        await using (var writer = await s.Postgres.Source.OpenConnectionAsync())
        {
            await Run(writer, """
                INSERT INTO notifications SELECT (jsonb_populate_record(NULL::notifications, to_jsonb(n) || jsonb_build_object('id', n.id || '-' || g))).*
                FROM notifications n, generate_series(1, 5000) g
                """);
            await Run(writer, "SELECT pg_stat_force_next_flush()");
        }

        var statistics = s.Port<PostgresStatistics>();
        var analyzed = await AnalyzeOnceCountedAsync(s.Postgres, statistics);
        output.WriteLine($"analyzed: {string.Join(", ", analyzed)}");
        analyzed.ShouldContain("public.notifications_default", "the grown partition is analyzed");
        var after = await PlanAsync(planned);
        output.WriteLine(after);
        after.ShouldNotContain("Seq Scan on notifications_default", customMessage: "the cached plan was rebuilt on the grown partition's statistics");
        after.ShouldContain("on notifications_default_pkey");
        (await statistics.AnalyzeChangedAsync(CancellationToken.None)).ShouldBeEmpty("nothing changed since");
    }

    [Fact]
    public async Task AnalyzeChanged_FewRowsChanged_LeavesTablesAlone()
    {
        await using var s = await Stores.PostgresAsync();
        await s.Ingest.AcceptAsync([new IngestItem([.. Enumerable.Range(0, 50).Select(i => Notification($"ntf_{i}"))], null)], Now, CancellationToken.None);
        await using (var c = await s.Postgres!.Source.OpenConnectionAsync())
        {
            await Run(c, "SELECT pg_stat_force_next_flush()");
        }

        (await s.Port<PostgresStatistics>().AnalyzeChangedAsync(CancellationToken.None)).ShouldBeEmpty($"50 rows are below {PostgresStatistics.MinChanged}");
    }

    [Fact]
    public async Task AnalyzeChanged_RoleThatDoesNotOwnTheTables_LeavesThemAlone()
    {
        await using var s = await Stores.PostgresAsync();
        await s.Ingest.AcceptAsync([new IngestItem([Notification("ntf_seed")], null)], Now, CancellationToken.None);
        var role = "herald_t_stats_" + Guid.NewGuid().ToString("N")[..8];
        await using (var owner = await s.Postgres!.Source.OpenConnectionAsync())
        {
            await Run(owner, $"CREATE ROLE {role} LOGIN");
            await Run(owner, """
                INSERT INTO notifications SELECT (jsonb_populate_record(NULL::notifications, to_jsonb(n) || jsonb_build_object('id', n.id || '-' || g))).*
                FROM notifications n, generate_series(1, 5000) g
                """);
            await Run(owner, "SELECT pg_stat_force_next_flush()");
        }

        try
        {
            var connection = new NpgsqlConnectionStringBuilder(s.Postgres.Source.ConnectionString) { Username = role }.ToString();
            await using var other = new PostgresDatabase(new PostgresOptions { ConnectionString = connection });
            (await AnalyzeOnceCountedAsync(other, new PostgresStatistics(other))).ShouldBeEmpty("a table another role owns is not this role's to analyze");
            (await s.Port<PostgresStatistics>().AnalyzeChangedAsync(CancellationToken.None)).ShouldContain("public.notifications_default", "the owner's job takes it");
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await using var owner = await s.Postgres.Source.OpenConnectionAsync();
            await Run(owner, $"DROP ROLE IF EXISTS {role}");
        }
    }

    /// <summary>Waits until the statistics system counts the inserted rows (flushed after the writer's transaction), then analyzes.</summary>
    private static async Task<IReadOnlyList<string>> AnalyzeOnceCountedAsync(PostgresDatabase db, PostgresStatistics statistics)
    {
        await using var c = await db.Source.OpenConnectionAsync();
        for (var i = 0; i < 100; i++)
        {
            await using var read = new NpgsqlCommand("SELECT COALESCE(SUM(n_mod_since_analyze), 0) FROM pg_stat_user_tables WHERE relname LIKE 'notifications%'", c);
            if (Convert.ToInt64(await read.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture) >= 5_000)
            {
                break;
            }

            await Task.Delay(100);
        }

        return await statistics.AnalyzeChangedAsync(CancellationToken.None);
    }

    private static async Task<string> PlanAsync(NpgsqlConnection c)
    {
        await using var explain = new NpgsqlCommand("EXPLAIN EXECUTE lock_by_ids('{ntf_seed-7,ntf_seed-4000}')", c);
        var lines = new List<string>();
        await using var reader = await explain.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(0));
        }

        return string.Join('\n', lines);
    }

    private static async Task Run(NpgsqlConnection c, string sql)
    {
        await using var command = new NpgsqlCommand(sql, c);
        await command.ExecuteNonQueryAsync();
    }
}
