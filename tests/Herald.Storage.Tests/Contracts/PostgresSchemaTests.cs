using Herald.Storage.Postgres;
using Npgsql;

namespace Herald.Storage.Tests.Contracts;

/// <summary>Migrations under the advisory lock, and retention by dropping monthly partitions.</summary>
public sealed class PostgresSchemaTests
{
    [Fact]
    public async Task Processes_starting_together_apply_each_migration_once()
    {
        var connection = Herald.Testing.ExternalServices.NewDatabase("herald_mig");
        var databases = Enumerable.Range(0, 3).Select(_ => new PostgresDatabase(new PostgresOptions { ConnectionString = connection })).ToList();
        try
        {
            await Task.WhenAll(databases.Select(db => Task.Run(() => new PostgresStore(db).InitializeAsync(CancellationToken.None))));

            await using var c = new NpgsqlConnection(connection);
            await c.OpenAsync();
            var versions = new List<string>();
            await using (var cmd = new NpgsqlCommand("SELECT version FROM schema_migrations ORDER BY version", c))
            await using (var r = await cmd.ExecuteReaderAsync())
            {
                while (await r.ReadAsync())
                {
                    versions.Add(r.GetString(0));
                }
            }

            versions.ShouldBe(["001_initial", "002_in_flight_index", "003_trace_parent", "004_operational_endpoints", "005_workflows", "006_notification_search", "007_worker_nodes", "010_held_deliveries"]);
        }
        finally
        {
            foreach (var db in databases)
            {
                await db.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Retention_drops_whole_months_older_than_the_cutoff_and_keeps_the_rest()
    {
        var connection = Herald.Testing.ExternalServices.NewDatabase("herald_ret");
        await using var db = new PostgresDatabase(new PostgresOptions { ConnectionString = connection, Retention = TimeSpan.FromDays(40) });
        var store = new PostgresStore(db);
        await store.InitializeAsync(CancellationToken.None);
        await using var c = new NpgsqlConnection(connection);
        await c.OpenAsync();
        // A month far in the past, as if it had been created then.
        await new NpgsqlCommand("""
            CREATE TABLE notifications_202001 PARTITION OF notifications
              FOR VALUES FROM (herald_id_bound('ntf', '2020-01-01Z')) TO (herald_id_bound('ntf', '2020-02-01Z'))
            """, c).ExecuteNonQueryAsync();

        var dropped = await store.MaintainPartitionsAsync(TimeProvider.System.GetUtcNow(), CancellationToken.None);

        dropped.ShouldBeGreaterThanOrEqualTo(1);
        (await new NpgsqlCommand("SELECT to_regclass('notifications_202001') IS NULL", c).ExecuteScalarAsync()).ShouldBe(true);
        var thisMonth = "notifications_" + TimeProvider.System.GetUtcNow().ToString("yyyyMM", System.Globalization.CultureInfo.InvariantCulture);
        (await new NpgsqlCommand($"SELECT to_regclass('{thisMonth}') IS NOT NULL", c).ExecuteScalarAsync()).ShouldBe(true);
    }
}
