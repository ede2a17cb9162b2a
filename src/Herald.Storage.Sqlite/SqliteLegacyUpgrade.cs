using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Herald.Storage.Sqlite;

/// <summary>
/// The first half of migration <c>001_baseline</c>: brings the tables of a file made before SQLite had numbered
/// migrations (it has no <c>schema_migrations</c>) to the shape <c>001_baseline.sql</c> creates, which then adds the
/// tables and indexes such a file lacks. On a new file every check finds nothing to do. These are the ad-hoc upgrades
/// earlier builds ran at every start; they are frozen here: later changes are new numbered migrations, not more steps.
/// </summary>
internal static class SqliteLegacyUpgrade
{
    // Columns added after a table was first released, for files created before (001_baseline.sql has them for new files).
    // In the order 001_baseline.sql declares them; ADD COLUMN appends, so a file that lacked a column declared before
    // others it had (deliveries.dedup_ms, before confirm_*) ends with the same columns in another order.
    private static readonly (string Table, string Column, string Type)[] AddedColumns =
    [
        ("notifications", "trace_parent", "TEXT"),
        ("deliveries", "trace_parent", "TEXT"),
        ("notifications", "options", "TEXT"),
        ("notifications", "campaign_id", "TEXT"),
        ("deliveries", "expires_at", "INTEGER"),
        ("deliveries", "condition", "TEXT"),
        ("deliveries", "lookups", "INTEGER NOT NULL DEFAULT 0"),
        ("deliveries", "dedup_ms", "INTEGER"),
        ("deliveries", "confirm_lookups", "INTEGER NOT NULL DEFAULT 0"),
        ("deliveries", "confirm_due", "INTEGER"),
        ("deliveries", "confirm_ended", "INTEGER"),
        ("deliveries", "throttled", "INTEGER NOT NULL DEFAULT 0"),
    ];

    public static void Apply(SqliteConnection c, SqliteTransaction tx)
    {
        // CREATE TABLE IF NOT EXISTS leaves an existing table as it was, so its missing columns are added here.
        foreach (var (table, column, type) in AddedColumns)
        {
            if (Count(c, tx, $"SELECT COUNT(*) FROM pragma_table_info('{table}') WHERE name = '{column}'") == 0
                && Count(c, tx, $"SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '{table}'") == 1)
            {
                Execute(c, tx, $"ALTER TABLE {table} ADD COLUMN {column} {type}");
            }
        }

        // recipient_id became nullable (operational endpoints); SQLite cannot drop NOT NULL, so an older table is
        // rebuilt with its rows (its indexes are made again by 001_baseline.sql).
        if (Count(c, tx, "SELECT COUNT(*) FROM pragma_table_info('webhook_endpoints') WHERE name = 'recipient_id' AND \"notnull\" = 1") == 1)
        {
            Execute(c, tx, """
                CREATE TABLE webhook_endpoints_nullable(
                  id TEXT PRIMARY KEY, recipient_id TEXT, url TEXT NOT NULL, secret TEXT NOT NULL, event_types TEXT NOT NULL, description TEXT,
                  enabled INTEGER NOT NULL, disabled_reason TEXT, failing_since INTEGER, created_at INTEGER NOT NULL);
                INSERT INTO webhook_endpoints_nullable SELECT id, recipient_id, url, secret, event_types, description, enabled, disabled_reason, failing_since, created_at
                  FROM webhook_endpoints;
                DROP TABLE webhook_endpoints;
                ALTER TABLE webhook_endpoints_nullable RENAME TO webhook_endpoints;
                """);
        }

        // Devices became one owner per token and platform, with last_seen_at; an older table is rebuilt keeping, of a
        // token several users hold, the latest registration (the phone's current owner).
        if (Count(c, tx, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'devices'") == 1
            && Count(c, tx, "SELECT COUNT(*) FROM pragma_table_info('devices') WHERE name = 'last_seen_at'") == 0)
        {
            Execute(c, tx, """
                CREATE TABLE devices_owned(id TEXT PRIMARY KEY, user_id TEXT NOT NULL, token TEXT NOT NULL, platform TEXT NOT NULL, app_version TEXT,
                  created_at INTEGER NOT NULL, last_seen_at INTEGER NOT NULL, UNIQUE(token, platform));
                INSERT INTO devices_owned SELECT id, user_id, token, platform, app_version, created_at, created_at FROM devices d
                  WHERE NOT EXISTS (SELECT 1 FROM devices n WHERE n.token = d.token AND n.platform = d.platform
                    AND (n.created_at > d.created_at OR (n.created_at = d.created_at AND n.id > d.id)));
                DROP TABLE devices;
                ALTER TABLE devices_owned RENAME TO devices;
                """);
        }

        // The unconfirmed index once held every channel's sent rows (nothing ever confirms an in-app item): dropped here,
        // made again for email and SMS by 001_baseline.sql.
        using (var index = SqliteMigrator.Plain(c, tx, "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'ix_deliveries_unconfirmed'"))
        {
            if (index.ExecuteScalar() is string sql && !sql.Contains("channel IN", StringComparison.Ordinal))
            {
                Execute(c, tx, "DROP INDEX ix_deliveries_unconfirmed");
            }
        }
    }

    private static long Count(SqliteConnection c, SqliteTransaction tx, string sql)
    {
        using var command = SqliteMigrator.Plain(c, tx, sql);
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    private static void Execute(SqliteConnection c, SqliteTransaction tx, string sql)
    {
        using var command = SqliteMigrator.Plain(c, tx, sql);
        command.ExecuteNonQuery();
    }
}
