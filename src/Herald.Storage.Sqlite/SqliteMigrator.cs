using System.Reflection;
using Microsoft.Data.Sqlite;

namespace Herald.Storage.Sqlite;

/// <summary>
/// Applies the embedded <c>Migrations/NNN_name.sql</c> files in order, each once, each in its own write transaction
/// with its version recorded in <c>schema_migrations</c> (as <c>PostgresMigrator</c> does). One process opens a file,
/// so there is no lock beyond the write transaction; the transaction reads the recorded versions itself, so two
/// databases over one file still apply each migration once (the second finds it recorded).
/// </summary>
/// <remarks>
/// <c>001_baseline</c> is the schema as it stood when SQLite got numbered migrations, written <c>IF NOT EXISTS</c>: a file
/// made before then has tables but no record, and <see cref="SqliteLegacyUpgrade"/> first brings those tables to that
/// shape in the same transaction. Every later change is a new numbered file; a released one is never edited.
/// </remarks>
internal static class SqliteMigrator
{
    private const string ResourcePrefix = "Herald.Storage.Sqlite.Migrations.";

    /// <summary>The embedded migrations' versions (file names without <c>.sql</c>), in the order they apply.</summary>
    public static IReadOnlyList<string> Versions { get; } = Assembly.GetExecutingAssembly().GetManifestResourceNames()
        .Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
        .Select(n => n[ResourcePrefix.Length..^".sql".Length])
        .Order(StringComparer.Ordinal)
        .ToArray();

    /// <summary>Steps SQL cannot express (SQLite's ALTER TABLE cannot change a column), run before their migration's SQL.</summary>
    private static readonly Dictionary<string, Action<SqliteConnection, SqliteTransaction>> CodeBefore = new(StringComparer.Ordinal)
    {
        ["001_baseline"] = SqliteLegacyUpgrade.Apply,
    };

    /// <summary>Brings the file to the latest version; returns the versions applied now (none when it was current).</summary>
    /// <exception cref="InvalidOperationException">The file records a version this build does not know (a newer Herald wrote it).</exception>
    public static async Task<IReadOnlyList<string>> MigrateAsync(SqliteDatabase db, CancellationToken ct)
    {
        var applied = new List<string>();
        foreach (var version in Versions)
        {
            var sql = await ReadAsync(version, ct);
            var ran = await db.WriteAsync((c, tx) =>
            {
                Execute(c, tx, "CREATE TABLE IF NOT EXISTS schema_migrations(version TEXT PRIMARY KEY, applied_at INTEGER NOT NULL DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)))");
                var recorded = Recorded(c, tx);
                RefuseNewer(c, recorded);
                if (recorded.Contains(version))
                {
                    return false;
                }

                if (CodeBefore.TryGetValue(version, out var code))
                {
                    code(c, tx);
                }

                Execute(c, tx, sql);
                using var record = Plain(c, tx, "INSERT INTO schema_migrations(version) VALUES ($v)");
                record.Parameters.AddWithValue("$v", version);
                record.ExecuteNonQuery();
                return true;
            }, ct);
            if (ran)
            {
                applied.Add(version);
            }
        }

        return applied;
    }

    private static HashSet<string> Recorded(SqliteConnection c, SqliteTransaction tx)
    {
        using var select = Plain(c, tx, "SELECT version FROM schema_migrations");
        using var reader = select.ExecuteReader();
        var versions = new HashSet<string>(StringComparer.Ordinal);
        while (reader.Read())
        {
            versions.Add(reader.GetString(0));
        }

        return versions;
    }

    /// <summary>
    /// An older build must not run on a file a newer one has migrated: its SQL would miss columns and constraints the
    /// newer schema relies on, and writing to it could lose data the newer build then misreads.
    /// </summary>
    private static void RefuseNewer(SqliteConnection c, HashSet<string> recorded)
    {
        var unknown = recorded.Where(v => !Versions.Contains(v, StringComparer.Ordinal)).Order(StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
        {
            throw new InvalidOperationException(
                $"The SQLite file '{c.DataSource}' records schema migration(s) {string.Join(", ", unknown)}, which this build of Herald does not know " +
                $"(its latest is {Versions[^1]}): a newer Herald has upgraded this file. Run that release or a newer one against it.");
        }
    }

    private static void Execute(SqliteConnection c, SqliteTransaction tx, string sql)
    {
        using var command = Plain(c, tx, sql);
        command.ExecuteNonQuery();
    }

    /// <summary>A command outside the writer's statement cache: migrations run once per start, the cache is for the hot path.</summary>
    internal static SqliteCommand Plain(SqliteConnection c, SqliteTransaction tx, string sql)
    {
        var command = c.CreateCommand();
        command.CommandText = sql;
        command.Transaction = tx;
        return command;
    }

    private static async Task<string> ReadAsync(string version, CancellationToken ct)
    {
        await using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(ResourcePrefix + version + ".sql")!;
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync(ct);
    }
}
