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

    public async Task<int> CountApiKeysAsync(CancellationToken ct)
    {
        await using var c = await db.OpenReadAsync(ct);
        return Convert.ToInt32(await c.Command("SELECT COUNT(*) FROM api_keys").ScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
    }

    public Task InsertApiKeyAsync(ApiKey key, CancellationToken ct) =>
        db.WriteAsync((c, tx) => c.Command("INSERT INTO api_keys(id, key_hash, scopes, created_at) VALUES ($id, $h, $s, $t)", tx)
            .With("$id", key.Id).With("$h", key.KeyHash).With("$s", string.Join(',', key.Scopes)).With("$t", key.CreatedAt.Ms())
            .NonQuery(), ct);

    public async Task<ApiKey?> FindApiKeyAsync(string keyHash, CancellationToken ct)
    {
        await using var c = await db.OpenReadAsync(ct);
        var rows = await c.Command("SELECT id, key_hash, scopes, created_at FROM api_keys WHERE key_hash = $h").With("$h", keyHash)
            .ReadAllAsync(r => new ApiKey(r.GetString(0), r.GetString(1), r.GetString(2).Split(','), r.Time(3)), ct);
        return rows.FirstOrDefault();
    }
}
