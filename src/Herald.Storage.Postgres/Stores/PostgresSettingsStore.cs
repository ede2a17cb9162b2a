using Herald.Core.Domain;
using Herald.Core.Pipeline.Cluster;
using Herald.Core.Storage;

namespace Herald.Storage.Postgres;

/// <summary>Settings and API keys: the small tables the server reads at start and on each request.</summary>
internal sealed class PostgresSettingsStore(PostgresDatabase db) : ISettingsStore, IApiKeyStore
{
    public Task<string> GetOrAddSettingAsync(string key, Func<string> create, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(create);
        return db.WriteAsync(async (c, tx) =>
        {
            if (await c.Command("SELECT value FROM settings WHERE key = @k", tx).With("k", key).ExecuteScalarAsync(ct) is string existing)
            {
                return existing;
            }

            // Another process may be adding the same key: the insert waits for it, and then its value wins.
            var value = create();
            var inserted = await c.Command("INSERT INTO settings(key, value) VALUES (@k, @v) ON CONFLICT (key) DO NOTHING RETURNING value", tx)
                .With("k", key).With("v", value).ExecuteScalarAsync(ct) as string;
            return inserted ?? (string)(await c.Command("SELECT value FROM settings WHERE key = @k", tx).With("k", key).ExecuteScalarAsync(ct))!;
        }, ct);
    }

    public Task<bool> ReplaceSettingAsync(string key, string expected, string value, CancellationToken ct) =>
        db.WriteAsync(async (c, tx) =>
        {
            var replaced = await c.Command("UPDATE settings SET value = @v WHERE key = @k AND value = @e", tx)
                .With("k", key).With("e", expected).With("v", value).ExecuteNonQueryAsync(ct) == 1;
            if (replaced)
            {
                PostgresDatabase.SignalOnCommit(tx, ClusterTopics.Settings, [key]);
            }

            return replaced;
        }, ct);

    public async Task<int> CountApiKeysAsync(CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return Convert.ToInt32(await c.Command("SELECT COUNT(*) FROM api_keys").ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
    }

    public Task InsertApiKeyAsync(ApiKey key, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(key);
        return db.WriteAsync((c, tx) => c.Command($"INSERT INTO api_keys({ApiKeyRow.Columns}) VALUES (@id, @h, @s, @t, @n, @p, @e, NULL, NULL, NULL, NULL, @rps, @nps, @env)", tx)
            .With("id", key.Id).With("h", key.KeyHash).With("s", string.Join(',', key.Scopes)).With("t", key.CreatedAt.Ms())
            .With("n", key.Name).With("p", key.Prefix).With("e", key.ExpiresAt.Ms()).With("rps", key.RequestsPerSecond).With("nps", key.NotificationsPerSecond)
            .With("env", key.EnvironmentId)
            .ExecuteNonQueryAsync(ct), ct);
    }

    public async Task<ApiKey?> FindApiKeyAsync(string keyHash, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        var rows = await c.Command($"SELECT {ApiKeyRow.Columns} FROM api_keys WHERE key_hash = @h OR previous_hash = @h").With("h", keyHash)
            .ReadAllAsync(ApiKeyRow.Map, ct);
        return rows.FirstOrDefault();
    }

    public async Task<ApiKey?> GetApiKeyAsync(string id, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return (await c.Command($"SELECT {ApiKeyRow.Columns} FROM api_keys WHERE id = @id").With("id", id).ReadAllAsync(ApiKeyRow.Map, ct)).FirstOrDefault();
    }

    public async Task<IReadOnlyList<ApiKey>> ListApiKeysAsync(CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.Command($"SELECT {ApiKeyRow.Columns} FROM api_keys ORDER BY created_at, id").ReadAllAsync(ApiKeyRow.Map, ct);
    }

    public Task<ApiKey?> RevokeApiKeyAsync(string id, DateTimeOffset at, CancellationToken ct) =>
        db.WriteAsync(async (c, tx) =>
        {
            var rows = await c.Command($"UPDATE api_keys SET revoked_at = COALESCE(revoked_at, @at) WHERE id = @id RETURNING {ApiKeyRow.Columns}", tx)
                .With("id", id).With("at", at.Ms()).ReadAllAsync(ApiKeyRow.Map, ct);
            PostgresDatabase.SignalOnCommit(tx, ClusterTopics.ApiKeys, rows.Select(k => k.Id));
            return rows.FirstOrDefault();
        }, ct);

    public Task<ApiKey?> RotateApiKeyAsync(string id, string newHash, string newPrefix, DateTimeOffset previousUntil, CancellationToken ct) =>
        db.WriteAsync(async (c, tx) =>
        {
            var rows = await c.Command($"""
                UPDATE api_keys SET previous_hash = key_hash, previous_expires_at = @until, key_hash = @h, prefix = @p
                WHERE id = @id AND revoked_at IS NULL RETURNING {ApiKeyRow.Columns}
                """, tx).With("id", id).With("h", newHash).With("p", newPrefix).With("until", previousUntil.Ms()).ReadAllAsync(ApiKeyRow.Map, ct);
            PostgresDatabase.SignalOnCommit(tx, ClusterTopics.ApiKeys, rows.Select(k => k.Id));
            return rows.FirstOrDefault();
        }, ct);

    public Task<ApiKey?> SetApiKeyLimitsAsync(string id, int? requestsPerSecond, int? notificationsPerSecond, CancellationToken ct) =>
        db.WriteAsync(async (c, tx) =>
        {
            var rows = await c.Command($"UPDATE api_keys SET requests_per_second = @rps, notifications_per_second = @nps WHERE id = @id RETURNING {ApiKeyRow.Columns}", tx)
                .With("id", id).With("rps", requestsPerSecond).With("nps", notificationsPerSecond).ReadAllAsync(ApiKeyRow.Map, ct);
            PostgresDatabase.SignalOnCommit(tx, ClusterTopics.ApiKeys, rows.Select(k => k.Id));
            return rows.FirstOrDefault();
        }, ct);

    public Task TouchApiKeyAsync(string id, DateTimeOffset at, CancellationToken ct) =>
        db.WriteAsync((c, tx) => c.Command("UPDATE api_keys SET last_used_at = GREATEST(COALESCE(last_used_at, 0), @at) WHERE id = @id", tx)
            .With("id", id).With("at", at.Ms()).ExecuteNonQueryAsync(ct), ct);
}
