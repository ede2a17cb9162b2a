using Herald.Core.Storage;

namespace Herald.Storage.Postgres;

/// <summary>
/// The distributed store: every store port over PostgreSQL. The ports are split over partial files by area, like the
/// SQLite store (PostgresStore.Users.cs, PostgresStore.Dispatch.cs, ...).
/// </summary>
public sealed partial class PostgresStore(PostgresDatabase db) : IStoreInitializer
{
    /// <summary>How long a webhook endpoint may fail before it is disabled (Herald:Webhooks:DisableAfter).</summary>
    public TimeSpan EndpointDisableAfter { get; init; } = TimeSpan.FromDays(5);

    public async Task InitializeAsync(CancellationToken ct) => await PostgresMigrator.MigrateAsync(db, ct);

    /// <summary>Creates the monthly partitions around now (retention, which drops old ones, is <see cref="PurgeExpiredAsync"/>).</summary>
    public async Task EnsurePartitionsAsync(CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        await c.Command("SELECT herald_ensure_partitions(1, 2)").ExecuteNonQueryAsync(ct);
    }
}
