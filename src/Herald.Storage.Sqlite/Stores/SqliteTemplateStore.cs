using Herald.Core.Domain;
using Herald.Core.Storage;

namespace Herald.Storage.Sqlite;

/// <summary>Template versions, their publication and the latest of each, per environment.</summary>
internal sealed class SqliteTemplateStore(SqliteDatabase db) : ITemplateStore
{
    public Task<int> AddTemplateVersionAsync(string environmentId, string templateId, string? description, string definition, DateTimeOffset now, CancellationToken ct) =>
        db.WriteAsync((c, tx) =>
        {
            var version = Convert.ToInt32(c.Command("SELECT COALESCE(MAX(version), 0) + 1 FROM templates WHERE environment_id = $env AND template_id = $id", tx)
                .With("$env", environmentId).With("$id", templateId).Scalar(), System.Globalization.CultureInfo.InvariantCulture);
            c.Command("INSERT INTO templates(environment_id, template_id, version, published, description, definition, created_at) VALUES ($env, $id, $v, 0, $d, $def, $t)", tx)
                .With("$env", environmentId).With("$id", templateId).With("$v", version).With("$d", description).With("$def", definition).With("$t", now.Ms()).NonQuery();
            return version;
        }, ct);

    public async Task<StoredTemplate?> GetTemplateVersionAsync(string environmentId, string templateId, int version, CancellationToken ct) =>
        Single(await QueryTemplates($"SELECT {TemplateRow.Columns} FROM templates WHERE environment_id = $env AND template_id = $id AND version = $v", environmentId, templateId, version, ct));

    public async Task<StoredTemplate?> GetLatestPublishedAsync(string environmentId, string templateId, CancellationToken ct) =>
        Single(await QueryTemplates($"SELECT {TemplateRow.Columns} FROM templates WHERE environment_id = $env AND template_id = $id AND published = 1 ORDER BY version DESC LIMIT 1",
            environmentId, templateId, null, ct));

    public Task<IReadOnlyList<StoredTemplate>> GetTemplateVersionsAsync(string environmentId, string templateId, CancellationToken ct) =>
        QueryTemplates($"SELECT {TemplateRow.Columns} FROM templates WHERE environment_id = $env AND template_id = $id ORDER BY version", environmentId, templateId, null, ct);

    public Task<IReadOnlyList<StoredTemplate>> ListLatestTemplatesAsync(string environmentId, CancellationToken ct) =>
        QueryTemplates($"""
            SELECT {TemplateRow.Columns} FROM templates t
            WHERE environment_id = $env AND version = (SELECT MAX(version) FROM templates x WHERE x.environment_id = t.environment_id AND x.template_id = t.template_id)
            ORDER BY template_id
            """, environmentId, null, null, ct);

    public Task<bool> PublishTemplateAsync(string environmentId, string templateId, int version, DateTimeOffset now, CancellationToken ct) =>
        db.WriteAsync((c, tx) =>
        {
            var exists = c.Command("SELECT published FROM templates WHERE environment_id = $env AND template_id = $id AND version = $v", tx)
                .With("$env", environmentId).With("$id", templateId).With("$v", version).Scalar();
            if (exists is null)
            {
                return false;
            }

            c.Command("UPDATE templates SET published = 1, published_at = $t WHERE environment_id = $env AND template_id = $id AND version = $v AND published = 0", tx)
                .With("$env", environmentId).With("$id", templateId).With("$v", version).With("$t", now.Ms()).NonQuery();
            return true;
        }, ct);

    private async Task<IReadOnlyList<StoredTemplate>> QueryTemplates(string sql, string environmentId, string? templateId, int? version, CancellationToken ct)
    {
        await using var c = await db.OpenReadAsync(ct);
        var command = c.Command(sql).With("$env", environmentId);
        if (templateId is not null)
        {
            command.With("$id", templateId);
        }

        if (version is not null)
        {
            command.With("$v", version);
        }

        return await command.ReadAllAsync(TemplateRow.Map, ct);
    }

    private static StoredTemplate? Single(IReadOnlyList<StoredTemplate> rows) => rows.Count == 0 ? null : rows[0];
}
