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
            await Task.WhenAll(databases.Select(db => Task.Run(() => new PostgresSchemaInitializer(db).InitializeAsync(CancellationToken.None))));

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

            versions.ShouldBe(["001_initial", "002_in_flight_index", "003_trace_parent", "004_operational_endpoints", "005_workflows", "006_notification_search", "007_worker_nodes", "008_retention_keeps_pending", "009_device_owner", "010_held_deliveries", "011_delivery_lookups", "012_delivery_confirmations", "013_callback_receipts", "014_delivery_dedup_window", "015_throttled_order", "016_unconfirmed_email_sms", "017_api_keys_lifecycle", "018_audit_log", "019_api_key_limits", "020_environments", "021_environments_users", "022_environments_content", "023_delivery_environment", "024_template_library", "025_delivery_content_index"]);
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
    public async Task Migration009_TokenHeldByTwoUsers_KeepsTheLatestRegistrationAsTheOwner()
    {
        var connection = Herald.Testing.ExternalServices.NewDatabase("herald_mig9");
        await using var db = new PostgresDatabase(new PostgresOptions { ConnectionString = connection });
        var initializer = new PostgresSchemaInitializer(db);
        var store = new PostgresUserStore(db);
        await initializer.InitializeAsync(CancellationToken.None);
        await using var c = new NpgsqlConnection(connection);
        await c.OpenAsync();
        // The devices table as migrations 001-007 left it, holding a handed-down phone's token under two users (009 and 021 run on it again).
        await new NpgsqlCommand("""
            DROP TABLE devices;
            CREATE TABLE devices(id text PRIMARY KEY, user_id text NOT NULL, token text NOT NULL, platform text NOT NULL, app_version text, created_at bigint NOT NULL,
              UNIQUE(user_id, token));
            INSERT INTO devices VALUES ('dev_first', 'u1', 'tok-handed-down', 'android', '1.0', 1000), ('dev_second', 'u2', 'tok-handed-down', 'android', '1.1', 2000),
              ('dev_own', 'u1', 'tok-own', 'ios', NULL, 1500);
            DELETE FROM schema_migrations WHERE version IN ('009_device_owner', '021_environments_users');
            """, c).ExecuteNonQueryAsync();

        await initializer.InitializeAsync(CancellationToken.None);

        var u1 = await store.GetDevicesAsync(Herald.Core.Domain.Environments.Default, "u1", CancellationToken.None);
        u1.ShouldHaveSingleItem().Id.ShouldBe("dev_own");
        u1[0].LastSeenAt.ShouldBe(DateTimeOffset.FromUnixTimeMilliseconds(1500));
        (await store.GetDevicesAsync(Herald.Core.Domain.Environments.Default, "u2", CancellationToken.None)).ShouldHaveSingleItem().Id.ShouldBe("dev_second");
        var moved = await store.AddDeviceAsync(new Herald.Core.Domain.Device("dev_third", "u3", "tok-handed-down", "android", null, DateTimeOffset.UnixEpoch.AddSeconds(3),
            DateTimeOffset.UnixEpoch.AddSeconds(3)), CancellationToken.None);
        moved.UserId.ShouldBe("u3");
        (await store.GetDevicesAsync(Herald.Core.Domain.Environments.Default, "u2", CancellationToken.None)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Retention_drops_whole_months_older_than_the_cutoff_and_keeps_the_rest()
    {
        var connection = Herald.Testing.ExternalServices.NewDatabase("herald_ret");
        await using var db = new PostgresDatabase(new PostgresOptions { ConnectionString = connection });
        var store = new PostgresRetentionStore(db);
        await new PostgresSchemaInitializer(db).InitializeAsync(CancellationToken.None);
        await using var c = new NpgsqlConnection(connection);
        await c.OpenAsync();
        // A month far in the past, as if it had been created then.
        await new NpgsqlCommand("""
            CREATE TABLE notifications_202001 PARTITION OF notifications
              FOR VALUES FROM (herald_id_bound('ntf', '2020-01-01Z')) TO (herald_id_bound('ntf', '2020-02-01Z'))
            """, c).ExecuteNonQueryAsync();

        var now = TimeProvider.System.GetUtcNow();
        var removed = await store.PurgeExpiredAsync(new Herald.Core.Storage.RetentionCutoffs(now.AddDays(-40), now.AddDays(-40), 100), CancellationToken.None);

        removed.PartitionsDropped.ShouldBeGreaterThanOrEqualTo(1);
        (await new NpgsqlCommand("SELECT to_regclass('notifications_202001') IS NULL", c).ExecuteScalarAsync()).ShouldBe(true);
        var thisMonth = "notifications_" + now.ToString("yyyyMM", System.Globalization.CultureInfo.InvariantCulture);
        (await new NpgsqlCommand($"SELECT to_regclass('{thisMonth}') IS NOT NULL", c).ExecuteScalarAsync()).ShouldBe(true);
    }

    [Fact]
    public async Task EnsurePartitions_MonthWithRowsInTheDefaultPartition_IsLeftToTheDefaultPartition()
    {
        var connection = Herald.Testing.ExternalServices.NewDatabase("herald_ens");
        await using var db = new PostgresDatabase(new PostgresOptions { ConnectionString = connection });
        var store = new PostgresRetentionStore(db);
        await new PostgresSchemaInitializer(db).InitializeAsync(CancellationToken.None);
        await using var c = new NpgsqlConnection(connection);
        await c.OpenAsync();
        // Next month's partition is gone and a row of that month was carried over into the default partition.
        var next = TimeProvider.System.GetUtcNow().AddMonths(1);
        var name = "notifications_" + next.ToString("yyyyMM", System.Globalization.CultureInfo.InvariantCulture);
        await new NpgsqlCommand($"DROP TABLE {name}", c).ExecuteNonQueryAsync();
        var id = Herald.Core.Pipeline.Ids.New("ntf", new DateTimeOffset(next.Year, next.Month, 2, 0, 0, 0, TimeSpan.Zero));
        await new NpgsqlCommand($"""
            INSERT INTO notifications(id, event_type, recipient_id, priority, status, template_id, data, due_at, created_at, updated_at)
            VALUES ('{id}', 'e', 'u', 1, 'scheduled', 't', '{"{"}{"}"}', 0, 0, 0)
            """, c).ExecuteNonQueryAsync();

        await store.EnsurePartitionsAsync(CancellationToken.None);

        (await new NpgsqlCommand($"SELECT to_regclass('{name}') IS NULL", c).ExecuteScalarAsync()).ShouldBe(true);
        (await new NpgsqlCommand($"SELECT tableoid::regclass::text FROM notifications WHERE id = '{id}'", c).ExecuteScalarAsync()).ShouldBe("notifications_default");
    }
}
