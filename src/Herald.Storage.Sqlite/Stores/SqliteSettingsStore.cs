using Herald.Core.Domain;
using Herald.Core.Storage;

namespace Herald.Storage.Sqlite;

/// <summary>Settings (key, value pairs made once) and API keys.</summary>
internal sealed class SqliteSettingsStore(SqliteDatabase db) : ISettingsStore, IApiKeyStore
{
    public Task<string> GetOrAddSettingAsync(string key, Func<string> create, CancellationToken ct) =>
        db.WriteAsync((c, tx) =>
        {
            var existing = c.Command("SELECT value FROM settings WHERE key = $k", tx).With("$k", key).Scalar() as string;
            if (existing is not null)
            {
                return existing;
            }

            var value = create();
            c.Command("INSERT INTO settings(key, value) VALUES ($k, $v)", tx).With("$k", key).With("$v", value).NonQuery();
            return value;
        }, ct);

    // One process owns a SQLite file: the caller updates its own cache, no signal is needed.
    public Task<bool> ReplaceSettingAsync(string key, string expected, string value, CancellationToken ct) =>
        db.WriteAsync((c, tx) => c.Command("UPDATE settings SET value = $v WHERE key = $k AND value = $e", tx)
            .With("$k", key).With("$e", expected).With("$v", value).NonQuery() == 1, ct);

    public async Task<int> CountApiKeysAsync(CancellationToken ct)
    {
        await using var c = await db.OpenReadAsync(ct);
        return Convert.ToInt32(await c.Command("SELECT COUNT(*) FROM api_keys").ScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
    }

    public Task InsertApiKeyAsync(ApiKey key, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(key);
        return db.WriteAsync((c, tx) => c.Command($"INSERT INTO api_keys({ApiKeyRow.Columns}) VALUES ($id, $h, $s, $t, $n, $p, $e, NULL, NULL, NULL, NULL, $rps, $nps, $env)", tx)
            .With("$id", key.Id).With("$h", key.KeyHash).With("$s", string.Join(',', key.Scopes)).With("$t", key.CreatedAt.Ms())
            .With("$n", key.Name).With("$p", key.Prefix).With("$e", key.ExpiresAt.Ms()).With("$rps", key.RequestsPerSecond).With("$nps", key.NotificationsPerSecond)
            .With("$env", key.EnvironmentId)
            .NonQuery(), ct);
    }

    public async Task<ApiKey?> FindApiKeyAsync(string keyHash, CancellationToken ct)
    {
        await using var c = await db.OpenReadAsync(ct);
        var rows = await c.Command($"SELECT {ApiKeyRow.Columns} FROM api_keys WHERE key_hash = $h OR previous_hash = $h").With("$h", keyHash)
            .ReadAllAsync(ApiKeyRow.Map, ct);
        return rows.FirstOrDefault();
    }

    public async Task<ApiKey?> GetApiKeyAsync(string id, CancellationToken ct)
    {
        await using var c = await db.OpenReadAsync(ct);
        return (await c.Command($"SELECT {ApiKeyRow.Columns} FROM api_keys WHERE id = $id").With("$id", id).ReadAllAsync(ApiKeyRow.Map, ct)).FirstOrDefault();
    }

    public async Task<IReadOnlyList<ApiKey>> ListApiKeysAsync(CancellationToken ct)
    {
        await using var c = await db.OpenReadAsync(ct);
        return await c.Command($"SELECT {ApiKeyRow.Columns} FROM api_keys ORDER BY created_at, id").ReadAllAsync(ApiKeyRow.Map, ct);
    }

    // One process owns a SQLite file: the caller drops its own cache entry, no signal is needed.
    public Task<ApiKey?> RevokeApiKeyAsync(string id, DateTimeOffset at, CancellationToken ct) =>
        db.WriteAsync((c, tx) => c.Command($"UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $at) WHERE id = $id RETURNING {ApiKeyRow.Columns}", tx)
            .With("$id", id).With("$at", at.Ms()).ReadAll(ApiKeyRow.Map).FirstOrDefault(), ct);

    public Task<ApiKey?> RotateApiKeyAsync(string id, string newHash, string newPrefix, DateTimeOffset previousUntil, CancellationToken ct) =>
        db.WriteAsync((c, tx) => c.Command($"""
            UPDATE api_keys SET previous_hash = key_hash, previous_expires_at = $until, key_hash = $h, prefix = $p
            WHERE id = $id AND revoked_at IS NULL RETURNING {ApiKeyRow.Columns}
            """, tx).With("$id", id).With("$h", newHash).With("$p", newPrefix).With("$until", previousUntil.Ms()).ReadAll(ApiKeyRow.Map).FirstOrDefault(), ct);

    public Task<ApiKey?> SetApiKeyLimitsAsync(string id, int? requestsPerSecond, int? notificationsPerSecond, CancellationToken ct) =>
        db.WriteAsync((c, tx) => c.Command($"UPDATE api_keys SET requests_per_second = $rps, notifications_per_second = $nps WHERE id = $id RETURNING {ApiKeyRow.Columns}", tx)
            .With("$id", id).With("$rps", requestsPerSecond).With("$nps", notificationsPerSecond).ReadAll(ApiKeyRow.Map).FirstOrDefault(), ct);

    public Task TouchApiKeyAsync(string id, DateTimeOffset at, CancellationToken ct) =>
        db.WriteAsync((c, tx) => c.Command("UPDATE api_keys SET last_used_at = MAX(COALESCE(last_used_at, 0), $at) WHERE id = $id", tx)
            .With("$id", id).With("$at", at.Ms()).NonQuery(), ct);
}
