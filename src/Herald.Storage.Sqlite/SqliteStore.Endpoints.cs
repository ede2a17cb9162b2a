using Herald.Core.Domain;
using Herald.Core.Storage;
using Microsoft.Data.Sqlite;

namespace Herald.Storage.Sqlite;

public sealed partial class SqliteStore
{

    /// <summary>How long an endpoint may fail continuously before it is disabled (Herald:Webhooks:DisableAfter).</summary>
    public TimeSpan EndpointDisableAfter { get; set; } = TimeSpan.FromDays(5);

    public Task InsertEndpointAsync(WebhookEndpoint endpoint, CancellationToken ct) =>
        db.WriteAsync((c, tx) => c.Command($"INSERT INTO webhook_endpoints({EndpointRow.Columns}) VALUES ($id, $r, $u, $s, $e, $d, 1, NULL, NULL, $t)", tx)
            .With("$id", endpoint.Id).With("$r", endpoint.RecipientId).With("$u", endpoint.Url).With("$s", endpoint.Secret)
            .With("$e", StoreJson.Strings(endpoint.EventTypes)).With("$d", endpoint.Description).With("$t", endpoint.CreatedAt.Ms()).NonQuery(), ct);

    public async Task<WebhookEndpoint?> GetEndpointAsync(string id, CancellationToken ct)
    {
        await using var c = await db.OpenReadAsync(ct);
        return (await c.Command($"SELECT {EndpointRow.Columns} FROM webhook_endpoints WHERE id = $id").With("$id", id).ReadAllAsync(EndpointRow.Map, ct)).FirstOrDefault();
    }

    public async Task<IReadOnlyList<WebhookEndpoint>> GetEndpointsForRecipientAsync(string recipientId, CancellationToken ct)
    {
        await using var c = await db.OpenReadAsync(ct);
        return await c.Command($"SELECT {EndpointRow.Columns} FROM webhook_endpoints WHERE recipient_id = $r ORDER BY created_at, id").With("$r", recipientId).ReadAllAsync(EndpointRow.Map, ct);
    }

    public async Task<IReadOnlyList<WebhookEndpoint>> GetOperationalEndpointsAsync(CancellationToken ct)
    {
        await using var c = await db.OpenReadAsync(ct);
        return await c.Command($"SELECT {EndpointRow.Columns} FROM webhook_endpoints WHERE recipient_id IS NULL AND enabled = 1 ORDER BY created_at, id").ReadAllAsync(EndpointRow.Map, ct);
    }

    public Task<bool> DeleteEndpointAsync(string id, CancellationToken ct) =>
        db.WriteAsync((c, tx) => c.Command("DELETE FROM webhook_endpoints WHERE id = $id", tx).With("$id", id).NonQuery() > 0, ct);

    public Task<bool> EnableEndpointAsync(string id, CancellationToken ct) =>
        db.WriteAsync((c, tx) => c.Command("UPDATE webhook_endpoints SET enabled = 1, disabled_reason = NULL, failing_since = NULL WHERE id = $id", tx)
            .With("$id", id).NonQuery() > 0, ct);

    public Task<bool> DisableEndpointAsync(string id, string reason, CancellationToken ct) =>
        db.WriteAsync((c, tx) => c.Command("UPDATE webhook_endpoints SET enabled = 0, disabled_reason = $why WHERE id = $id", tx)
            .With("$id", id).With("$why", reason).NonQuery() > 0, ct);

    public async Task<IReadOnlyList<WebhookEndpoint>> ListEndpointsAsync(int limit, string? cursor, CancellationToken ct)
    {
        await using var c = await db.OpenReadAsync(ct);
        return await c.Command($"SELECT {EndpointRow.Columns} FROM webhook_endpoints WHERE $cur IS NULL OR id > $cur ORDER BY id LIMIT $n")
            .With("$cur", cursor).With("$n", limit).ReadAllAsync(EndpointRow.Map, ct);
    }

    private void ApplyEndpointResult(SqliteConnection c, SqliteTransaction tx, WebhookEndpointResult e, DateTimeOffset now)
    {
        if (e.Succeeded)
        {
            c.Command("UPDATE webhook_endpoints SET failing_since = NULL WHERE id = $id AND failing_since IS NOT NULL", tx).With("$id", e.EndpointId).NonQuery();
            return;
        }

        c.Command("UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, $now) WHERE id = $id", tx).With("$id", e.EndpointId).With("$now", now.Ms()).NonQuery();
        var disabled = c.Command("""
            UPDATE webhook_endpoints SET enabled = 0, disabled_reason = $r
            WHERE id = $id AND enabled = 1 AND ($now_disable = 1 OR failing_since <= $cutoff)
            """, tx).With("$id", e.EndpointId).With("$now_disable", e.DisableNow ? 1 : 0)
            .With("$r", e.DisableNow ? e.Reason : $"failing continuously since more than {EndpointDisableAfter.TotalHours:0} h; last: {e.Reason}")
            .With("$cutoff", (now - EndpointDisableAfter).Ms()).NonQuery();
        if (disabled > 0 && e.DisabledEvent is { } lifecycle)
        {
            using var insert = NotificationInsert(c, tx);
            BindNotification(insert, lifecycle, now);
            insert.ExecuteNonQuery();
        }
    }

}
