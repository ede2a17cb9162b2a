using Herald.Core.Domain;
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

    public async Task<int> CountApiKeysAsync(CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return Convert.ToInt32(await c.Command("SELECT COUNT(*) FROM api_keys").ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
    }

    public Task InsertApiKeyAsync(ApiKey key, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(key);
        return db.WriteAsync((c, tx) => c.Command("INSERT INTO api_keys(id, key_hash, scopes, created_at) VALUES (@id, @h, @s, @t)", tx)
            .With("id", key.Id).With("h", key.KeyHash).With("s", string.Join(',', key.Scopes)).With("t", key.CreatedAt.Ms())
            .ExecuteNonQueryAsync(ct), ct);
    }

    public async Task<ApiKey?> FindApiKeyAsync(string keyHash, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        var rows = await c.Command("SELECT id, key_hash, scopes, created_at FROM api_keys WHERE key_hash = @h").With("h", keyHash)
            .ReadAllAsync(r => new ApiKey(r.GetString(0), r.GetString(1), r.GetString(2).Split(','), r.Time(3)), ct);
        return rows.FirstOrDefault();
    }
}
