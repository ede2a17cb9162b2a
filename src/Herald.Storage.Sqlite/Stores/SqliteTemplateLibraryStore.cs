using Herald.Core.Domain;
using Herald.Core.Storage;

namespace Herald.Storage.Sqlite;

/// <summary>Layouts and partials, per environment (one process: the endpoints drop the library cache themselves).</summary>
internal sealed class SqliteTemplateLibraryStore(SqliteDatabase db) : ITemplateLibraryStore
{
    private const string LayoutColumns = "layout_id, description, html, text, updated_at";
    private const string PartialColumns = "name, source, updated_at";

    public Task<bool> PutLayoutAsync(string environmentId, StoredLayout layout, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(layout);
        return db.WriteAsync((c, tx) =>
        {
            var created = c.Command("SELECT 1 FROM template_layouts WHERE environment_id = $env AND layout_id = $id", tx)
                .With("$env", environmentId).With("$id", layout.LayoutId).Scalar() is null;
            c.Command("""
                INSERT INTO template_layouts(environment_id, layout_id, description, html, text, updated_at) VALUES ($env, $id, $d, $h, $t, $now)
                ON CONFLICT(environment_id, layout_id) DO UPDATE SET description = $d, html = $h, text = $t, updated_at = $now
                """, tx).With("$env", environmentId).With("$id", layout.LayoutId).With("$d", layout.Description).With("$h", layout.Html).With("$t", layout.Text)
                .With("$now", layout.UpdatedAt.Ms()).NonQuery();
            return created;
        }, ct);
    }

    public async Task<StoredLayout?> GetLayoutAsync(string environmentId, string layoutId, CancellationToken ct) =>
        (await QueryAsync($"SELECT {LayoutColumns} FROM template_layouts WHERE environment_id = $env AND layout_id = $id", environmentId, layoutId, MapLayout, ct)) is [var layout, ..] ? layout : null;

    public Task<IReadOnlyList<StoredLayout>> ListLayoutsAsync(string environmentId, CancellationToken ct) =>
        QueryAsync($"SELECT {LayoutColumns} FROM template_layouts WHERE environment_id = $env ORDER BY layout_id", environmentId, null, MapLayout, ct);

    public Task<bool> DeleteLayoutAsync(string environmentId, string layoutId, CancellationToken ct) =>
        db.WriteAsync((c, tx) => c.Command("DELETE FROM template_layouts WHERE environment_id = $env AND layout_id = $id", tx)
            .With("$env", environmentId).With("$id", layoutId).NonQuery() > 0, ct);

    public Task<bool> PutPartialAsync(string environmentId, StoredPartial snippet, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(snippet);
        return db.WriteAsync((c, tx) =>
        {
            var created = c.Command("SELECT 1 FROM template_partials WHERE environment_id = $env AND name = $id", tx)
                .With("$env", environmentId).With("$id", snippet.Name).Scalar() is null;
            c.Command("""
                INSERT INTO template_partials(environment_id, name, source, updated_at) VALUES ($env, $id, $s, $now)
                ON CONFLICT(environment_id, name) DO UPDATE SET source = $s, updated_at = $now
                """, tx).With("$env", environmentId).With("$id", snippet.Name).With("$s", snippet.Source).With("$now", snippet.UpdatedAt.Ms()).NonQuery();
            return created;
        }, ct);
    }

    public async Task<StoredPartial?> GetPartialAsync(string environmentId, string name, CancellationToken ct) =>
        (await QueryAsync($"SELECT {PartialColumns} FROM template_partials WHERE environment_id = $env AND name = $id", environmentId, name, MapPartial, ct)) is [var partial, ..] ? partial : null;

    public Task<IReadOnlyList<StoredPartial>> ListPartialsAsync(string environmentId, CancellationToken ct) =>
        QueryAsync($"SELECT {PartialColumns} FROM template_partials WHERE environment_id = $env ORDER BY name", environmentId, null, MapPartial, ct);

    public Task<bool> DeletePartialAsync(string environmentId, string name, CancellationToken ct) =>
        db.WriteAsync((c, tx) => c.Command("DELETE FROM template_partials WHERE environment_id = $env AND name = $id", tx)
            .With("$env", environmentId).With("$id", name).NonQuery() > 0, ct);

    private static StoredLayout MapLayout(System.Data.Common.DbDataReader r) => new(r.GetString(0), r.StringOrNull(1), r.GetString(2), r.StringOrNull(3), r.Time(4));

    private static StoredPartial MapPartial(System.Data.Common.DbDataReader r) => new(r.GetString(0), r.GetString(1), r.Time(2));

    private async Task<IReadOnlyList<T>> QueryAsync<T>(string sql, string environmentId, string? id, Func<System.Data.Common.DbDataReader, T> map, CancellationToken ct)
    {
        await using var c = await db.OpenReadAsync(ct);
        var command = c.Command(sql).With("$env", environmentId);
        if (id is not null)
        {
            command.With("$id", id);
        }

        return await command.ReadAllAsync(map, ct);
    }
}
