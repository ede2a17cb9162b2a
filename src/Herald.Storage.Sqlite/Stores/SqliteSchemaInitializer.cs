using System.Reflection;
using Herald.Core.Storage;

namespace Herald.Storage.Sqlite;

/// <summary>Creates the schema of the embedded file, and brings a file made by an earlier build up to it.</summary>
internal sealed class SqliteSchemaInitializer(SqliteDatabase db) : IStoreInitializer
{
    // Columns added after a table was first released, for files created before (Schema.sql has them for new files).
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

    public async Task InitializeAsync(CancellationToken ct)
    {
        await using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Herald.Storage.Sqlite.Schema.sql")!;
        using var reader = new StreamReader(stream);
        var schema = await reader.ReadToEndAsync(ct);
        await db.WriteAsync((c, tx) =>
        {
            // Files made before a column existed get it here (CREATE TABLE IF NOT EXISTS leaves their tables as they were).
            foreach (var (table, column, type) in AddedColumns)
            {
                if (Convert.ToInt64(c.Command($"SELECT COUNT(*) FROM pragma_table_info('{table}') WHERE name = '{column}'", tx).Scalar(), System.Globalization.CultureInfo.InvariantCulture) == 0
                    && Convert.ToInt64(c.Command($"SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '{table}'", tx).Scalar(), System.Globalization.CultureInfo.InvariantCulture) == 1)
                {
                    c.Command($"ALTER TABLE {table} ADD COLUMN {column} {type}", tx).NonQuery();
                }
            }

            // recipient_id became nullable (operational endpoints); SQLite cannot drop NOT NULL, so an older table is
            // rebuilt with its rows (its indexes are made again by the schema below).
            if (Convert.ToInt64(c.Command("SELECT COUNT(*) FROM pragma_table_info('webhook_endpoints') WHERE name = 'recipient_id' AND \"notnull\" = 1", tx).Scalar(),
                System.Globalization.CultureInfo.InvariantCulture) == 1)
            {
                c.Command("""
                    CREATE TABLE webhook_endpoints_nullable(
                      id TEXT PRIMARY KEY, recipient_id TEXT, url TEXT NOT NULL, secret TEXT NOT NULL, event_types TEXT NOT NULL, description TEXT,
                      enabled INTEGER NOT NULL, disabled_reason TEXT, failing_since INTEGER, created_at INTEGER NOT NULL);
                    INSERT INTO webhook_endpoints_nullable SELECT id, recipient_id, url, secret, event_types, description, enabled, disabled_reason, failing_since, created_at
                      FROM webhook_endpoints;
                    DROP TABLE webhook_endpoints;
                    ALTER TABLE webhook_endpoints_nullable RENAME TO webhook_endpoints;
                    """, tx).NonQuery();
            }

            // Devices became one owner per token and platform, with last_seen_at; an older table is rebuilt keeping, of a
            // token several users hold, the latest registration (the phone's current owner).
            if (Convert.ToInt64(c.Command("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'devices'", tx).Scalar(), System.Globalization.CultureInfo.InvariantCulture) == 1
                && Convert.ToInt64(c.Command("SELECT COUNT(*) FROM pragma_table_info('devices') WHERE name = 'last_seen_at'", tx).Scalar(), System.Globalization.CultureInfo.InvariantCulture) == 0)
            {
                c.Command("""
                    CREATE TABLE devices_owned(id TEXT PRIMARY KEY, user_id TEXT NOT NULL, token TEXT NOT NULL, platform TEXT NOT NULL, app_version TEXT,
                      created_at INTEGER NOT NULL, last_seen_at INTEGER NOT NULL, UNIQUE(token, platform));
                    INSERT INTO devices_owned SELECT id, user_id, token, platform, app_version, created_at, created_at FROM devices d
                      WHERE NOT EXISTS (SELECT 1 FROM devices n WHERE n.token = d.token AND n.platform = d.platform
                        AND (n.created_at > d.created_at OR (n.created_at = d.created_at AND n.id > d.id)));
                    DROP TABLE devices;
                    ALTER TABLE devices_owned RENAME TO devices;
                    """, tx).NonQuery();
            }

            // The unconfirmed index once held every channel's sent rows (nothing ever confirms an in-app item): remade for email and SMS.
            if (c.Command("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'ix_deliveries_unconfirmed'", tx).Scalar() is string index
                && !index.Contains("channel IN", StringComparison.Ordinal))
            {
                c.Command("DROP INDEX ix_deliveries_unconfirmed", tx).NonQuery();
            }

            c.Command(schema, tx).NonQuery();
        }, ct);
    }
}
