using Herald.Core.Domain;
using Herald.Core.Preferences;
using Herald.Core.Storage;

namespace Herald.Storage.Postgres;

/// <summary>
/// Users, their preferences and devices, each keyed by environment and user (a push token registered by another user
/// of the same environment moves to them, and the previous owner's unsent pushes to it are cancelled).
/// </summary>
internal sealed class PostgresUserStore(PostgresDatabase db) : IUserStore
{
    private const int PruneBatch = 1_000;
    private static readonly string ProfileColumnsOfU = Qualified("u", ProfileRow.Columns);
    private static readonly string DeviceColumnsOfD = Qualified("d", DeviceRow.Columns);
    private const string DeviceMovedReason = "the push token was registered by another user before this was sent; not sent to it";

    public Task UpsertUserAsync(UserProfile profile, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(profile);
        return db.WriteAsync((c, tx) => c.Command("""
            INSERT INTO users(environment_id, user_id, email, phone, locale, timezone, updated_at) VALUES (@env, @id, @e, @p, @l, @tz, @t)
            ON CONFLICT (environment_id, user_id) DO UPDATE SET email = excluded.email, phone = excluded.phone, locale = excluded.locale,
                timezone = excluded.timezone, updated_at = excluded.updated_at
            """, tx).With("env", profile.EnvironmentId).With("id", profile.UserId).With("e", profile.Email).With("p", profile.Phone).With("l", profile.Locale)
            .With("tz", profile.TimeZone).With("t", profile.UpdatedAt.Ms()).ExecuteNonQueryAsync(ct), ct);
    }

    public async Task<UserProfile?> GetUserAsync(string environmentId, string userId, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        var rows = await c.Command($"SELECT {ProfileRow.Columns} FROM users WHERE environment_id = @env AND user_id = @id").With("env", environmentId).With("id", userId)
            .ReadAllAsync(ProfileRow.Map, ct);
        return rows.FirstOrDefault();
    }

    public Task SavePreferencesAsync(UserPreferences preferences, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(preferences);
        // Like the SQLite store: saving preferences creates a bare user row but leaves an existing row's updated_at alone.
        return db.WriteAsync((c, tx) => c.Command("""
            INSERT INTO users(environment_id, user_id, preferences, updated_at) VALUES (@env, @id, @p, @t)
            ON CONFLICT (environment_id, user_id) DO UPDATE SET preferences = excluded.preferences
            """, tx).With("env", preferences.EnvironmentId).With("id", preferences.UserId).With("p", StoreJson.Rules(preferences.Rules)).With("t", now.Ms()).ExecuteNonQueryAsync(ct), ct);
    }

    public async Task<UserPreferences?> GetPreferencesAsync(string environmentId, string userId, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        var json = await c.Command("SELECT preferences FROM users WHERE environment_id = @env AND user_id = @id").With("env", environmentId).With("id", userId)
            .ExecuteScalarAsync(ct) as string;
        return json is null ? null : new UserPreferences(userId, StoreJson.Rules(json), environmentId);
    }

    public async Task<(UserProfile? Profile, IReadOnlyList<PreferenceRule> Rules)> GetRecipientAsync(string environmentId, string userId, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        var rows = await c.Command($"SELECT {ProfileRow.Columns}, preferences FROM users WHERE environment_id = @env AND user_id = @id").With("env", environmentId).With("id", userId)
            .ReadAllAsync(r => (Profile: ProfileRow.Map(r), Rules: r.StringOrNull(ProfileRow.Next) is { } json ? StoreJson.Rules(json) : []), ct);
        return rows.Count == 0 ? (null, []) : (rows[0].Profile, rows[0].Rules);
    }

    public Task<Device> AddDeviceAsync(Device device, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(device);
        // One statement on the (environment, token, platform) key: a concurrent registration of the same token waits on the row lock
        // and then updates the winner's row, so however the registrations interleave the token ends with one owner. The
        // SET expressions read the row as it was, so a move takes the new id and creation time and a refresh keeps them.
        return db.WriteAsync(async (c, tx) =>
        {
            // Locked first, so that the owner read here is the one this registration takes the token from.
            var previous = await c.Command("SELECT user_id FROM devices WHERE environment_id = @env AND token = @t AND platform = @p FOR UPDATE", tx)
                .With("env", device.EnvironmentId).With("t", device.Token).With("p", device.Platform).ExecuteScalarAsync(ct) as string;
            var stored = (await c.Command($"""
                INSERT INTO devices AS d(id, environment_id, user_id, token, platform, app_version, created_at, last_seen_at) VALUES (@id, @env, @u, @t, @p, @v, @c, @s)
                ON CONFLICT (environment_id, token, platform) DO UPDATE SET
                    id = CASE WHEN d.user_id = excluded.user_id THEN d.id ELSE excluded.id END,
                    created_at = CASE WHEN d.user_id = excluded.user_id THEN d.created_at ELSE excluded.created_at END,
                    user_id = excluded.user_id,
                    app_version = COALESCE(excluded.app_version, d.app_version),
                    last_seen_at = GREATEST(d.last_seen_at, excluded.last_seen_at)
                RETURNING {DeviceRow.Columns}
                """, tx).With("id", device.Id).With("env", device.EnvironmentId).With("u", device.UserId).With("t", device.Token).With("p", device.Platform)
                .With("v", device.AppVersion).With("c", device.CreatedAt.Ms()).With("s", device.LastSeenAt.Ms()).ReadAllAsync(DeviceRow.Map, ct))[0];
            if (previous is not null && previous != device.UserId)
            {
                // The previous owner's pushes still waiting for this token (quiet hours, retries) would reach the new owner.
                // Only this environment's: a user of the same id elsewhere has its own devices.
                var cancelled = await c.Command($"""
                    UPDATE deliveries SET status = 'cancelled', last_error = @why, lease_until = NULL, lease_owner = NULL, updated_at = @now
                    WHERE environment_id = @env AND recipient_id = @old AND channel = @push AND target = @t AND platform = @p AND status IN {DeliveryStatus.Sql.Claimable}
                    RETURNING notification_id
                    """, tx).With("why", DeviceMovedReason).With("now", device.LastSeenAt.Ms()).With("env", device.EnvironmentId).With("old", previous).With("push", (int)Channel.Push)
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

    public Task<bool> DeleteDeviceAsync(string environmentId, string userId, string deviceId, CancellationToken ct) =>
        db.WriteAsync(async (c, tx) => await c.Command("DELETE FROM devices WHERE environment_id = @env AND user_id = @u AND id = @id", tx)
            .With("env", environmentId).With("u", userId).With("id", deviceId).ExecuteNonQueryAsync(ct) > 0, ct);

    public async Task<IReadOnlyList<Device>> GetDevicesAsync(string environmentId, string userId, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.Command($"SELECT {DeviceRow.Columns} FROM devices WHERE environment_id = @env AND user_id = @u ORDER BY created_at, id COLLATE \"C\"")
            .With("env", environmentId).With("u", userId).ReadAllAsync(DeviceRow.Map, ct);
    }

    /// <remarks>
    /// One statement for the batch: the (environment, user) pairs travel as two parallel arrays, unnested together and
    /// joined on the primary key, so a batch mixing environments still reads each user of its own environment only.
    /// </remarks>
    public async Task<IReadOnlyDictionary<UserKey, (UserProfile? Profile, IReadOnlyList<PreferenceRule> Rules)>> GetRecipientsAsync(IReadOnlyCollection<UserKey> users,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(users);
        var result = users.Distinct().ToDictionary(key => key, _ => ((UserProfile?)null, (IReadOnlyList<PreferenceRule>)[]));
        await using var c = await db.OpenAsync(ct);
        var rows = await c.Command($"""
            SELECT {ProfileColumnsOfU}, u.preferences FROM users u
            JOIN unnest(@envs::text[], @ids::text[]) AS k(environment_id, user_id) ON u.environment_id = k.environment_id AND u.user_id = k.user_id
            """).With("envs", result.Keys.Select(k => k.EnvironmentId).ToArray()).With("ids", result.Keys.Select(k => k.UserId).ToArray())
            .ReadAllAsync(r => (Profile: ProfileRow.Map(r), Rules: r.StringOrNull(ProfileRow.Next) is { } json ? StoreJson.Rules(json) : []), ct);
        foreach (var (profile, rules) in rows)
        {
            result[new UserKey(profile.EnvironmentId, profile.UserId)] = (profile, rules);
        }

        return result;
    }

    public async Task<IReadOnlyDictionary<UserKey, IReadOnlyList<Device>>> GetDevicesAsync(IReadOnlyCollection<UserKey> users, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(users);
        var keys = users.Distinct().ToList();
        await using var c = await db.OpenAsync(ct);
        var devices = await c.Command($"""
            SELECT {DeviceColumnsOfD} FROM devices d
            JOIN unnest(@envs::text[], @ids::text[]) AS k(environment_id, user_id) ON d.environment_id = k.environment_id AND d.user_id = k.user_id
            ORDER BY d.created_at, d.id COLLATE "C"
            """).With("envs", keys.Select(k => k.EnvironmentId).ToArray()).With("ids", keys.Select(k => k.UserId).ToArray()).ReadAllAsync(DeviceRow.Map, ct);
        var byUser = devices.ToLookup(d => new UserKey(d.EnvironmentId, d.UserId));
        return keys.ToDictionary(key => key, key => (IReadOnlyList<Device>)[.. byUser[key]]);
    }

    /// <summary>A column list with each column prefixed by a table alias, for a join whose other side has columns of the same names.</summary>
    private static string Qualified(string alias, string columns) =>
        string.Join(", ", columns.Split(", ").Select(column => alias + "." + column));
}
