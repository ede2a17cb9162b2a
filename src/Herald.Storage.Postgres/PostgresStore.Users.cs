using Herald.Core.Domain;
using Herald.Core.Preferences;
using Herald.Core.Storage;
using Npgsql;

namespace Herald.Storage.Postgres;

public sealed partial class PostgresStore : IUserStore
{
    private const string DeviceColumns = "id, user_id, token, platform, app_version, created_at";

    public Task UpsertUserAsync(UserProfile profile, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(profile);
        return db.WriteAsync((c, tx) => c.Command("""
            INSERT INTO users(user_id, email, phone, locale, timezone, updated_at) VALUES (@id, @e, @p, @l, @tz, @t)
            ON CONFLICT (user_id) DO UPDATE SET email = excluded.email, phone = excluded.phone, locale = excluded.locale,
                timezone = excluded.timezone, updated_at = excluded.updated_at
            """, tx).With("id", profile.UserId).With("e", profile.Email).With("p", profile.Phone).With("l", profile.Locale)
            .With("tz", profile.TimeZone).With("t", profile.UpdatedAt.Ms()).ExecuteNonQueryAsync(ct), ct);
    }

    public async Task<UserProfile?> GetUserAsync(string userId, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        var rows = await c.Command("SELECT user_id, email, phone, locale, timezone, updated_at FROM users WHERE user_id = @id").With("id", userId)
            .ReadAllAsync(MapProfile, ct);
        return rows.FirstOrDefault();
    }

    public Task SavePreferencesAsync(UserPreferences preferences, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(preferences);
        // Like the SQLite store: saving preferences creates a bare user row but leaves an existing row's updated_at alone.
        return db.WriteAsync((c, tx) => c.Command("""
            INSERT INTO users(user_id, preferences, updated_at) VALUES (@id, @p, @t)
            ON CONFLICT (user_id) DO UPDATE SET preferences = excluded.preferences
            """, tx).With("id", preferences.UserId).With("p", StoreJson.Rules(preferences.Rules)).With("t", now.Ms()).ExecuteNonQueryAsync(ct), ct);
    }

    public async Task<UserPreferences?> GetPreferencesAsync(string userId, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        var json = await c.Command("SELECT preferences FROM users WHERE user_id = @id").With("id", userId).ExecuteScalarAsync(ct) as string;
        return json is null ? null : new UserPreferences(userId, StoreJson.Rules(json));
    }

    public async Task<(UserProfile? Profile, IReadOnlyList<PreferenceRule> Rules)> GetRecipientAsync(string userId, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        var rows = await c.Command("SELECT user_id, email, phone, locale, timezone, updated_at, preferences FROM users WHERE user_id = @id").With("id", userId)
            .ReadAllAsync(r => (Profile: MapProfile(r), Rules: r.StringOrNull(6) is { } json ? StoreJson.Rules(json) : []), ct);
        return rows.Count == 0 ? (null, []) : (rows[0].Profile, rows[0].Rules);
    }

    public Task<Device> AddDeviceAsync(Device device, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(device);
        return db.WriteAsync(async (c, tx) =>
        {
            // A concurrent add of the same token waits on the unique key, then finds the winner's row.
            var inserted = await c.Command($"""
                INSERT INTO devices(id, user_id, token, platform, app_version, created_at) VALUES (@id, @u, @t, @p, @v, @c)
                ON CONFLICT (user_id, token) DO NOTHING RETURNING {DeviceColumns}
                """, tx).With("id", device.Id).With("u", device.UserId).With("t", device.Token).With("p", device.Platform)
                .With("v", device.AppVersion).With("c", device.CreatedAt.Ms()).ReadAllAsync(MapDevice, ct);
            if (inserted.Count > 0)
            {
                return inserted[0];
            }

            var existing = await c.Command($"SELECT {DeviceColumns} FROM devices WHERE user_id = @u AND token = @t", tx)
                .With("u", device.UserId).With("t", device.Token).ReadAllAsync(MapDevice, ct);
            return existing[0];
        }, ct);
    }

    public Task<bool> DeleteDeviceAsync(string userId, string deviceId, CancellationToken ct) =>
        db.WriteAsync(async (c, tx) => await c.Command("DELETE FROM devices WHERE user_id = @u AND id = @id", tx)
            .With("u", userId).With("id", deviceId).ExecuteNonQueryAsync(ct) > 0, ct);

    public async Task<IReadOnlyList<Device>> GetDevicesAsync(string userId, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.Command($"SELECT {DeviceColumns} FROM devices WHERE user_id = @u ORDER BY created_at, id COLLATE \"C\"")
            .With("u", userId).ReadAllAsync(MapDevice, ct);
    }

    public async Task<IReadOnlyDictionary<string, (UserProfile? Profile, IReadOnlyList<PreferenceRule> Rules)>> GetRecipientsAsync(IReadOnlyCollection<string> userIds,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(userIds);
        var result = userIds.Distinct(StringComparer.Ordinal).ToDictionary(id => id, _ => ((UserProfile?)null, (IReadOnlyList<PreferenceRule>)[]), StringComparer.Ordinal);
        await using var c = await db.OpenAsync(ct);
        var rows = await c.Command("SELECT user_id, email, phone, locale, timezone, updated_at, preferences FROM users WHERE user_id = ANY(@ids)")
            .With("ids", result.Keys.ToArray()).ReadAllAsync(r => (Profile: MapProfile(r), Rules: r.StringOrNull(6) is { } json ? StoreJson.Rules(json) : []), ct);
        foreach (var (profile, rules) in rows)
        {
            result[profile.UserId] = (profile, rules);
        }

        return result;
    }

    public async Task<IReadOnlyDictionary<string, IReadOnlyList<Device>>> GetDevicesAsync(IReadOnlyCollection<string> userIds, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(userIds);
        await using var c = await db.OpenAsync(ct);
        var devices = await c.Command($"SELECT {DeviceColumns} FROM devices WHERE user_id = ANY(@u) ORDER BY created_at, id COLLATE \"C\"")
            .With("u", userIds.Distinct(StringComparer.Ordinal).ToArray()).ReadAllAsync(MapDevice, ct);
        return userIds.Distinct(StringComparer.Ordinal).ToDictionary(id => id, id => (IReadOnlyList<Device>)[.. devices.Where(d => d.UserId == id)], StringComparer.Ordinal);
    }

    private static UserProfile MapProfile(NpgsqlDataReader r) =>
        new(r.GetString(0), r.StringOrNull(1), r.StringOrNull(2), r.StringOrNull(3), r.StringOrNull(4), r.Time(5));

    private static Device MapDevice(NpgsqlDataReader r) =>
        new(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.StringOrNull(4), r.Time(5));
}
