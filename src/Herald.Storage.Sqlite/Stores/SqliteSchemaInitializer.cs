using Herald.Core.Storage;

namespace Herald.Storage.Sqlite;

/// <summary>Creates the schema of the embedded file, and brings a file made by an earlier build up to it (numbered migrations).</summary>
internal sealed class SqliteSchemaInitializer(SqliteDatabase db) : IStoreInitializer
{
    public Task InitializeAsync(CancellationToken ct) => SqliteMigrator.MigrateAsync(db, ct);
}
