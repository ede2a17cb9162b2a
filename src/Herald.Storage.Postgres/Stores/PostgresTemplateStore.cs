using Herald.Core.Domain;
using Herald.Core.Pipeline.Cluster;
using Herald.Core.Storage;
using Herald.Core.Templates;

namespace Herald.Storage.Postgres;

/// <summary>Template versions and which one is published, per environment.</summary>
internal sealed class PostgresTemplateStore(PostgresDatabase db) : ITemplateStore
{
    public Task<int> AddTemplateVersionAsync(string environmentId, string templateId, string? description, string definition, DateTimeOffset now, CancellationToken ct) =>
        db.WriteAsync(async (c, tx) =>
        {
            // Versions are max + 1 per template: concurrent adds to one template take turns on a transaction lock.
            await c.Command("SELECT pg_advisory_xact_lock(hashtextextended('herald.template:' || @env || chr(31) || @id, 0))", tx)
                .With("env", environmentId).With("id", templateId).ExecuteNonQueryAsync(ct);
            var version = await c.Command("""
                INSERT INTO templates(environment_id, template_id, version, published, description, definition, created_at)
                SELECT @env, @id, COALESCE(MAX(version), 0) + 1, false, @d, @def, @t FROM templates WHERE environment_id = @env AND template_id = @id
                RETURNING version
                """, tx).With("env", environmentId).With("id", templateId).With("d", description).With("def", definition).With("t", now.Ms()).ExecuteScalarAsync(ct);
            return (int)version!;
        }, ct);

    public async Task<StoredTemplate?> GetTemplateVersionAsync(string environmentId, string templateId, int version, CancellationToken ct) =>
        FirstOrNull(await QueryTemplatesAsync($"SELECT {TemplateRow.Columns} FROM templates WHERE environment_id = @env AND template_id = @id AND version = @v",
            environmentId, templateId, version, ct));

    public async Task<StoredTemplate?> GetLatestPublishedAsync(string environmentId, string templateId, CancellationToken ct) =>
        FirstOrNull(await QueryTemplatesAsync($"SELECT {TemplateRow.Columns} FROM templates WHERE environment_id = @env AND template_id = @id AND published ORDER BY version DESC LIMIT 1",
            environmentId, templateId, null, ct));

    public Task<IReadOnlyList<StoredTemplate>> GetTemplateVersionsAsync(string environmentId, string templateId, CancellationToken ct) =>
        QueryTemplatesAsync($"SELECT {TemplateRow.Columns} FROM templates WHERE environment_id = @env AND template_id = @id ORDER BY version", environmentId, templateId, null, ct);

    public Task<IReadOnlyList<StoredTemplate>> ListLatestTemplatesAsync(string environmentId, CancellationToken ct) =>
        QueryTemplatesAsync($"""
            SELECT {TemplateRow.Columns} FROM templates t
            WHERE environment_id = @env AND version = (SELECT MAX(version) FROM templates x WHERE x.environment_id = t.environment_id AND x.template_id = t.template_id)
            ORDER BY template_id COLLATE "C"
            """, environmentId, null, null, ct);

    public Task<bool> PublishTemplateAsync(string environmentId, string templateId, int version, DateTimeOffset now, CancellationToken ct) =>
        db.WriteAsync(async (c, tx) =>
        {
            // Publishing an already published version keeps its first published_at.
            var exists = await c.Command("SELECT published FROM templates WHERE environment_id = @env AND template_id = @id AND version = @v FOR UPDATE", tx)
                .With("env", environmentId).With("id", templateId).With("v", version).ExecuteScalarAsync(ct);
            if (exists is null)
            {
                return false;
            }

            await c.Command("UPDATE templates SET published = true, published_at = @t WHERE environment_id = @env AND template_id = @id AND version = @v AND NOT published", tx)
                .With("env", environmentId).With("id", templateId).With("v", version).With("t", now.Ms()).ExecuteNonQueryAsync(ct);
            // Every node's catalog drops its latest version of the template once this commits.
            PostgresDatabase.SignalOnCommit(tx, ClusterTopics.Template, [TemplateCatalog.SignalKey(environmentId, templateId)]);
            return true;
        }, ct);

    private async Task<IReadOnlyList<StoredTemplate>> QueryTemplatesAsync(string sql, string environmentId, string? templateId, int? version, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        await using var command = c.Command(sql).With("env", environmentId);
        if (templateId is not null)
        {
            command.With("id", templateId);
        }

        if (version is not null)
        {
            command.With("v", version);
        }

        return await command.ReadAllAsync(TemplateRow.Map, ct);
    }

    private static StoredTemplate? FirstOrNull(IReadOnlyList<StoredTemplate> rows) => rows.Count == 0 ? null : rows[0];
}
