using Herald.Core.Domain;
using Herald.Core.Pipeline.Cluster;
using Herald.Core.Storage;

namespace Herald.Storage.Postgres;

/// <summary>Template versions and which one is published.</summary>
internal sealed class PostgresTemplateStore(PostgresDatabase db) : ITemplateStore
{
    public Task<int> AddTemplateVersionAsync(string templateId, string? description, string definition, DateTimeOffset now, CancellationToken ct) =>
        db.WriteAsync(async (c, tx) =>
        {
            // Versions are max + 1 per template: concurrent adds to one template take turns on a transaction lock.
            await c.Command("SELECT pg_advisory_xact_lock(hashtextextended('herald.template:' || @id, 0))", tx).With("id", templateId).ExecuteNonQueryAsync(ct);
            var version = await c.Command("""
                INSERT INTO templates(template_id, version, published, description, definition, created_at)
                SELECT @id, COALESCE(MAX(version), 0) + 1, false, @d, @def, @t FROM templates WHERE template_id = @id
                RETURNING version
                """, tx).With("id", templateId).With("d", description).With("def", definition).With("t", now.Ms()).ExecuteScalarAsync(ct);
            return (int)version!;
        }, ct);

    public async Task<StoredTemplate?> GetTemplateVersionAsync(string templateId, int version, CancellationToken ct) =>
        FirstOrNull(await QueryTemplatesAsync($"SELECT {TemplateRow.Columns} FROM templates WHERE template_id = @id AND version = @v", templateId, version, ct));

    public async Task<StoredTemplate?> GetLatestPublishedAsync(string templateId, CancellationToken ct) =>
        FirstOrNull(await QueryTemplatesAsync($"SELECT {TemplateRow.Columns} FROM templates WHERE template_id = @id AND published ORDER BY version DESC LIMIT 1", templateId, null, ct));

    public Task<IReadOnlyList<StoredTemplate>> GetTemplateVersionsAsync(string templateId, CancellationToken ct) =>
        QueryTemplatesAsync($"SELECT {TemplateRow.Columns} FROM templates WHERE template_id = @id ORDER BY version", templateId, null, ct);

    public Task<IReadOnlyList<StoredTemplate>> ListLatestTemplatesAsync(CancellationToken ct) =>
        QueryTemplatesAsync($"""
            SELECT {TemplateRow.Columns} FROM templates t
            WHERE version = (SELECT MAX(version) FROM templates x WHERE x.template_id = t.template_id) ORDER BY template_id COLLATE "C"
            """, null, null, ct);

    public Task<bool> PublishTemplateAsync(string templateId, int version, DateTimeOffset now, CancellationToken ct) =>
        db.WriteAsync(async (c, tx) =>
        {
            // Publishing an already published version keeps its first published_at.
            var exists = await c.Command("SELECT published FROM templates WHERE template_id = @id AND version = @v FOR UPDATE", tx)
                .With("id", templateId).With("v", version).ExecuteScalarAsync(ct);
            if (exists is null)
            {
                return false;
            }

            await c.Command("UPDATE templates SET published = true, published_at = @t WHERE template_id = @id AND version = @v AND NOT published", tx)
                .With("id", templateId).With("v", version).With("t", now.Ms()).ExecuteNonQueryAsync(ct);
            // Every node's catalog drops its latest version of the template once this commits.
            PostgresDatabase.SignalOnCommit(tx, ClusterTopics.Template, [templateId]);
            return true;
        }, ct);

    private async Task<IReadOnlyList<StoredTemplate>> QueryTemplatesAsync(string sql, string? templateId, int? version, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        await using var command = c.Command(sql);
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
