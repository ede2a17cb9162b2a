using Herald.Core.Domain;
using Herald.Core.Preferences;
using Herald.Core.Storage;

namespace Herald.Storage.Postgres;

/// <summary>
/// Users, their preferences and devices (a push token registered by another user moves to them, and the previous
/// owner's unsent pushes to it are cancelled).
/// </summary>
internal sealed class PostgresUserStore(PostgresDatabase db) : IUserStore
{
    private const int PruneBatch = 1_000;
    private const string DeviceMovedReason = "the push token was registered by another user before this was sent; not sent to it";

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
        var rows = await c.Command($"SELECT {ProfileRow.Columns} FROM users WHERE user_id = @id").With("id", userId)
            .ReadAllAsync(ProfileRow.Map, ct);
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
        var rows = await c.Command($"SELECT {ProfileRow.Columns}, preferences FROM users WHERE user_id = @id").With("id", userId)
            .ReadAllAsync(r => (Profile: ProfileRow.Map(r), Rules: r.StringOrNull(6) is { } json ? StoreJson.Rules(json) : []), ct);
        return rows.Count == 0 ? (null, []) : (rows[0].Profile, rows[0].Rules);
    }

    public Task<Device> AddDeviceAsync(Device device, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(device);
        // One statement on the (token, platform) key: a concurrent registration of the same token waits on the row lock
        // and then updates the winner's row, so however the registrations interleave the token ends with one owner. The
        // SET expressions read the row as it was, so a move takes the new id and creation time and a refresh keeps them.
        return db.WriteAsync(async (c, tx) =>
        {
            // Locked first, so that the owner read here is the one this registration takes the token from.
            var previous = await c.Command("SELECT user_id FROM devices WHERE token = @t AND platform = @p FOR UPDATE", tx)
                .With("t", device.Token).With("p", device.Platform).ExecuteScalarAsync(ct) as string;
            var stored = (await c.Command($"""
                INSERT INTO devices AS d(id, user_id, token, platform, app_version, created_at, last_seen_at) VALUES (@id, @u, @t, @p, @v, @c, @s)
                ON CONFLICT (token, platform) DO UPDATE SET
                    id = CASE WHEN d.user_id = excluded.user_id THEN d.id ELSE excluded.id END,
                    created_at = CASE WHEN d.user_id = excluded.user_id THEN d.created_at ELSE excluded.created_at END,
                    user_id = excluded.user_id,
                    app_version = COALESCE(excluded.app_version, d.app_version),
                    last_seen_at = GREATEST(d.last_seen_at, excluded.last_seen_at)
                RETURNING {DeviceRow.Columns}
                """, tx).With("id", device.Id).With("u", device.UserId).With("t", device.Token).With("p", device.Platform)
                .With("v", device.AppVersion).With("c", device.CreatedAt.Ms()).With("s", device.LastSeenAt.Ms()).ReadAllAsync(DeviceRow.Map, ct))[0];
            if (previous is not null && previous != device.UserId)
            {
                // The previous owner's pushes still waiting for this token (quiet hours, retries) would reach the new owner.
                var cancelled = await c.Command($"""
                    UPDATE deliveries SET status = 'cancelled', last_error = @why, lease_until = NULL, lease_owner = NULL, updated_at = @now
                    WHERE recipient_id = @old AND channel = @push AND target = @t AND platform = @p AND status IN {DeliveryStatus.Sql.Claimable}
                    RETURNING notification_id
                    """, tx).With("why", DeviceMovedReason).With("now", device.LastSeenAt.Ms()).With("old", previous).With("push", (int)Channel.Push)
                    .With("t", device.Token).With("p", device.Platform).ReadAllAsync(r => r.GetString(0), ct);
                var ids = cancelled.Distinct(StringComparer.Ordinal).ToList();
                await PgWrites.InsertTraceAsync(c, tx, [.. ids.Select(id => new TraceEntry(id, device.LastSeenAt, "api", Channel.Push.ToWire(), "cancelled", DeviceMovedReason))], ct);
                await PgWrites.RefreshNotificationsAsync(c, tx, ids, device.LastSeenAt, ct);
            }

            return stored;
        }, ct);
    }

    public async Task<int> PruneDevicesAsync(DateTimeOffset seenBefore, CancellationToken ct)
    {
        var total = 0;
        while (true)
        {
            // The outer condition is checked again on a row a registration refreshed meanwhile, which then stays.
            var deleted = await db.WriteAsync(async (c, tx) => await c.Command("""
                DELETE FROM devices WHERE last_seen_at < @before
                  AND id IN (SELECT id FROM devices WHERE last_seen_at < @before ORDER BY last_seen_at LIMIT @n)
                """, tx).With("before", seenBefore.Ms()).With("n", PruneBatch).ExecuteNonQueryAsync(ct), ct);
            total += deleted;
            if (deleted < PruneBatch)
            {
                return total;
            }
        }
    }

    public Task<bool> DeleteDeviceAsync(string userId, string deviceId, CancellationToken ct) =>
        db.WriteAsync(async (c, tx) => await c.Command("DELETE FROM devices WHERE user_id = @u AND id = @id", tx)
            .With("u", userId).With("id", deviceId).ExecuteNonQueryAsync(ct) > 0, ct);

    public async Task<IReadOnlyList<Device>> GetDevicesAsync(string userId, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.Command($"SELECT {DeviceRow.Columns} FROM devices WHERE user_id = @u ORDER BY created_at, id COLLATE \"C\"")
            .With("u", userId).ReadAllAsync(DeviceRow.Map, ct);
    }

    public async Task<IReadOnlyDictionary<string, (UserProfile? Profile, IReadOnlyList<PreferenceRule> Rules)>> GetRecipientsAsync(IReadOnlyCollection<string> userIds,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(userIds);
        var result = userIds.Distinct(StringComparer.Ordinal).ToDictionary(id => id, _ => ((UserProfile?)null, (IReadOnlyList<PreferenceRule>)[]), StringComparer.Ordinal);
        await using var c = await db.OpenAsync(ct);
        var rows = await c.Command($"SELECT {ProfileRow.Columns}, preferences FROM users WHERE user_id = ANY(@ids)")
            .With("ids", result.Keys.ToArray()).ReadAllAsync(r => (Profile: ProfileRow.Map(r), Rules: r.StringOrNull(6) is { } json ? StoreJson.Rules(json) : []), ct);
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
        var devices = await c.Command($"SELECT {DeviceRow.Columns} FROM devices WHERE user_id = ANY(@u) ORDER BY created_at, id COLLATE \"C\"")
            .With("u", userIds.Distinct(StringComparer.Ordinal).ToArray()).ReadAllAsync(DeviceRow.Map, ct);
        return userIds.Distinct(StringComparer.Ordinal).ToDictionary(id => id, id => (IReadOnlyList<Device>)[.. devices.Where(d => d.UserId == id)], StringComparer.Ordinal);
    }
}
