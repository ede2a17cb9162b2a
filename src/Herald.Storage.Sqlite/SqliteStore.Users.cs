using Herald.Core.Domain;
using Herald.Core.Preferences;
using Herald.Core.Storage;

namespace Herald.Storage.Sqlite;

public sealed partial class SqliteStore
{
    public Task UpsertUserAsync(UserProfile profile, CancellationToken ct) =>
        db.WriteAsync((c, tx) => c.Command("""
            INSERT INTO users(user_id, email, phone, locale, timezone, updated_at) VALUES ($id, $e, $p, $l, $tz, $t)
            ON CONFLICT(user_id) DO UPDATE SET email = $e, phone = $p, locale = $l, timezone = $tz, updated_at = $t
            """, tx).With("$id", profile.UserId).With("$e", profile.Email).With("$p", profile.Phone).With("$l", profile.Locale)
            .With("$tz", profile.TimeZone).With("$t", profile.UpdatedAt.Ms()).NonQuery(), ct);

    public async Task<UserProfile?> GetUserAsync(string userId, CancellationToken ct)
    {
        await using var c = await db.OpenReadAsync(ct);
        var rows = await c.Command("SELECT user_id, email, phone, locale, timezone, updated_at FROM users WHERE user_id = $id").With("$id", userId)
            .ReadAllAsync(r => new UserProfile(r.GetString(0), r.StringOrNull(1), r.StringOrNull(2), r.StringOrNull(3), r.StringOrNull(4), r.Time(5)), ct);
        return rows.FirstOrDefault();
    }

    public Task SavePreferencesAsync(UserPreferences preferences, DateTimeOffset now, CancellationToken ct) =>
        db.WriteAsync((c, tx) => c.Command("""
            INSERT INTO users(user_id, preferences, updated_at) VALUES ($id, $p, $t)
            ON CONFLICT(user_id) DO UPDATE SET preferences = $p
            """, tx).With("$id", preferences.UserId).With("$p", StoreJson.Rules(preferences.Rules)).With("$t", now.Ms()).NonQuery(), ct);

    public async Task<UserPreferences?> GetPreferencesAsync(string userId, CancellationToken ct)
    {
        await using var c = await db.OpenReadAsync(ct);
        var json = await c.Command("SELECT preferences FROM users WHERE user_id = $id").With("$id", userId).ScalarAsync(ct) as string;
        return json is null ? null : new UserPreferences(userId, StoreJson.Rules(json));
    }

    public async Task<(UserProfile? Profile, IReadOnlyList<PreferenceRule> Rules)> GetRecipientAsync(string userId, CancellationToken ct)
    {
        await using var c = await db.OpenReadAsync(ct);
        var rows = await c.Command("SELECT user_id, email, phone, locale, timezone, updated_at, preferences FROM users WHERE user_id = $id").With("$id", userId)
            .ReadAllAsync(r => (new UserProfile(r.GetString(0), r.StringOrNull(1), r.StringOrNull(2), r.StringOrNull(3), r.StringOrNull(4), r.Time(5)),
                r.StringOrNull(6) is { } json ? StoreJson.Rules(json) : []), ct);
        return rows.Count == 0 ? (null, []) : (rows[0].Item1, rows[0].Item2);
    }

    public Task<Device> AddDeviceAsync(Device device, CancellationToken ct) =>
        db.WriteAsync((c, tx) =>
        {
            var existing = c.Command("SELECT id, user_id, token, platform, app_version, created_at FROM devices WHERE user_id = $u AND token = $t", tx)
                .With("$u", device.UserId).With("$t", device.Token).ReadAll(MapDevice).FirstOrDefault();
            if (existing is not null)
            {
                return existing;
            }

            c.Command("INSERT INTO devices(id, user_id, token, platform, app_version, created_at) VALUES ($id, $u, $t, $p, $v, $c)", tx)
                .With("$id", device.Id).With("$u", device.UserId).With("$t", device.Token).With("$p", device.Platform)
                .With("$v", device.AppVersion).With("$c", device.CreatedAt.Ms()).NonQuery();
            return device;
        }, ct);

    public Task<bool> DeleteDeviceAsync(string userId, string deviceId, CancellationToken ct) =>
        db.WriteAsync((c, tx) => c.Command("DELETE FROM devices WHERE user_id = $u AND id = $id", tx).With("$u", userId).With("$id", deviceId).NonQuery() > 0, ct);

    public async Task<IReadOnlyList<Device>> GetDevicesAsync(string userId, CancellationToken ct)
    {
        await using var c = await db.OpenReadAsync(ct);
        return await c.Command("SELECT id, user_id, token, platform, app_version, created_at FROM devices WHERE user_id = $u ORDER BY created_at, id")
            .With("$u", userId).ReadAllAsync(MapDevice, ct);
    }

    private static Device MapDevice(Microsoft.Data.Sqlite.SqliteDataReader r) =>
        new(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.StringOrNull(4), r.Time(5));
}
