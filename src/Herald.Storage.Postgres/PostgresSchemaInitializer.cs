using Herald.Core.Storage;

namespace Herald.Storage.Postgres;

/// <summary>Brings the database to the current schema: the numbered migrations (<see cref="PostgresMigrator"/>).</summary>
internal sealed class PostgresSchemaInitializer(PostgresDatabase db) : IStoreInitializer
{
    public async Task InitializeAsync(CancellationToken ct) => await PostgresMigrator.MigrateAsync(db, ct);
}
