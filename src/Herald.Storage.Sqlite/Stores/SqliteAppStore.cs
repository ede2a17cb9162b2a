using Herald.Core.Domain;
using Herald.Core.Storage;

namespace Herald.Storage.Sqlite;

/// <summary>Apps and their environments (migration 005).</summary>
internal sealed class SqliteAppStore(SqliteDatabase db) : IAppStore, IEnvironmentDirectory
{
    public async Task<bool> CreateAppAsync(App app, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(app);
        return await db.WriteAsync((c, tx) => c.Command("INSERT INTO apps(id, name, created_at) VALUES ($id, $n, $t) ON CONFLICT DO NOTHING", tx)
            .With("$id", app.Id).With("$n", app.Name).With("$t", app.CreatedAt.Ms()).NonQuery(), ct) == 1;
    }

    public async Task<App?> GetAppAsync(string id, CancellationToken ct)
    {
        await using var c = await db.OpenReadAsync(ct);
        return (await c.Command($"SELECT {AppRow.Columns} FROM apps WHERE id = $id").With("$id", id).ReadAllAsync(AppRow.Map, ct)).FirstOrDefault();
    }

    public async Task<IReadOnlyList<App>> ListAppsAsync(CancellationToken ct)
    {
        await using var c = await db.OpenReadAsync(ct);
        return await c.Command($"SELECT {AppRow.Columns} FROM apps ORDER BY created_at, id").ReadAllAsync(AppRow.Map, ct);
    }

    public async Task<bool> CreateEnvironmentAsync(AppEnvironment environment, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return await db.WriteAsync((c, tx) => c.Command("""
            INSERT INTO environments(id, app_id, name, created_at) SELECT $id, $app, $n, $t WHERE EXISTS (SELECT 1 FROM apps WHERE id = $app)
            ON CONFLICT DO NOTHING
            """, tx).With("$id", environment.Id).With("$app", environment.AppId).With("$n", environment.Name).With("$t", environment.CreatedAt.Ms()).NonQuery(), ct) == 1;
    }

    public async Task<AppEnvironment?> GetEnvironmentAsync(string id, CancellationToken ct)
    {
        await using var c = await db.OpenReadAsync(ct);
        return (await c.Command($"SELECT {EnvironmentRow.Columns} FROM environments WHERE id = $id").With("$id", id).ReadAllAsync(EnvironmentRow.Map, ct)).FirstOrDefault();
    }

    public async Task<IReadOnlyList<AppEnvironment>> ListEnvironmentsAsync(string? appId, CancellationToken ct)
    {
        await using var c = await db.OpenReadAsync(ct);
        return await c.Command($"SELECT {EnvironmentRow.Columns} FROM environments WHERE $app IS NULL OR app_id = $app ORDER BY created_at, id")
            .With("$app", appId).ReadAllAsync(EnvironmentRow.Map, ct);
    }

    public async Task<bool> ExistsAsync(string environmentId, CancellationToken ct) => await GetEnvironmentAsync(environmentId, ct) is not null;
}
