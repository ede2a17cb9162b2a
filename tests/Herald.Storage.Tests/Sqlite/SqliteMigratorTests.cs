using Herald.Storage.Sqlite;
using Microsoft.Data.Sqlite;

namespace Herald.Storage.Tests.Sqlite;

/// <summary>Numbered migrations on SQLite: recorded once each, idempotent, and a file of a newer build refused.</summary>
public sealed class SqliteMigratorTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), "herald-migrator-tests", Guid.NewGuid().ToString("N") + ".db");

    public SqliteMigratorTests() => Directory.CreateDirectory(Path.GetDirectoryName(_path)!);

    private SqliteOptions Options => new() { Path = _path, Synchronous = "NORMAL" };

    [Fact]
    public async Task MigrateAsync_NewFile_AppliesAndRecordsEveryMigrationUpToTheLatest()
    {
        await using var db = new SqliteDatabase(Options);

        var applied = await SqliteMigrator.MigrateAsync(db, CancellationToken.None);

        SqliteMigrator.Versions[0].ShouldBe("001_baseline");
        applied.ShouldBe(SqliteMigrator.Versions);
        (await RecordedAsync()).ShouldBe(SqliteMigrator.Versions);
    }

    [Fact]
    public async Task InitializeAsync_SecondTime_AppliesNothingAndLeavesTheSchema()
    {
        await using var db = new SqliteDatabase(Options);
        await new SqliteSchemaInitializer(db).InitializeAsync(CancellationToken.None);
        var schema = await SqliteSchemaSnapshot.ReadAsync(_path);
        var recorded = await RecordedAsync();

        (await SqliteMigrator.MigrateAsync(db, CancellationToken.None)).ShouldBeEmpty();
        await new SqliteSchemaInitializer(db).InitializeAsync(CancellationToken.None);

        (await SqliteSchemaSnapshot.ReadAsync(_path)).ShouldBe(schema);
        (await RecordedAsync()).ShouldBe(recorded);
    }

    [Fact]
    public async Task MigrateAsync_TwoDatabasesOverOneFile_ApplyEachMigrationOnce()
    {
        await using var first = new SqliteDatabase(Options);
        await using var second = new SqliteDatabase(Options);

        var applied = await Task.WhenAll(
            Task.Run(() => SqliteMigrator.MigrateAsync(first, CancellationToken.None)),
            Task.Run(() => SqliteMigrator.MigrateAsync(second, CancellationToken.None))).WaitAsync(TimeSpan.FromSeconds(30));

        applied.SelectMany(a => a).Order(StringComparer.Ordinal).ShouldBe(SqliteMigrator.Versions);
        (await RecordedAsync()).ShouldBe(SqliteMigrator.Versions);
    }

    [Fact]
    public async Task InitializeAsync_FileOfANewerBuild_RefusedNamingTheUnknownVersion()
    {
        await using (var db = new SqliteDatabase(Options))
        {
            await new SqliteSchemaInitializer(db).InitializeAsync(CancellationToken.None);
        }

        await ExecuteAsync("INSERT INTO schema_migrations(version) VALUES ('999_from_the_future')");

        await using (var db = new SqliteDatabase(Options))
        {
            var refused = await Should.ThrowAsync<InvalidOperationException>(() => new SqliteSchemaInitializer(db).InitializeAsync(CancellationToken.None));
            refused.Message.ShouldContain("999_from_the_future");
            refused.Message.ShouldContain("newer Herald");
        }
    }

    [Fact]
    public async Task InitializeAsync_NewFileOfANewerBuild_RefusedBeforeCreatingAnything()
    {
        await ExecuteAsync("CREATE TABLE schema_migrations(version TEXT PRIMARY KEY, applied_at INTEGER NOT NULL DEFAULT 0); INSERT INTO schema_migrations(version) VALUES ('999_from_the_future')");

        await using (var db = new SqliteDatabase(Options))
        {
            await Should.ThrowAsync<InvalidOperationException>(() => new SqliteSchemaInitializer(db).InitializeAsync(CancellationToken.None));
        }

        (await SqliteSchemaSnapshot.ReadAsync(_path)).Count(l => l.StartsWith("table ", StringComparison.Ordinal)).ShouldBe(1);
    }

    private async Task<List<string>> RecordedAsync()
    {
        await using var c = new SqliteConnection($"Data Source={_path};Pooling=False");
        await c.OpenAsync();
        await using var select = c.CreateCommand();
        select.CommandText = "SELECT version FROM schema_migrations ORDER BY version";
        await using var r = await select.ExecuteReaderAsync();
        var versions = new List<string>();
        while (await r.ReadAsync())
        {
            versions.Add(r.GetString(0));
        }

        return versions;
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var c = new SqliteConnection($"Data Source={_path};Pooling=False");
        await c.OpenAsync();
        await using var command = c.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    public void Dispose()
    {
        foreach (var f in new[] { _path, _path + "-wal", _path + "-shm" })
        {
            try
            {
                File.Delete(f);
            }
            catch (IOException)
            {
                // Left for the OS temp cleanup.
            }
        }
    }
}
