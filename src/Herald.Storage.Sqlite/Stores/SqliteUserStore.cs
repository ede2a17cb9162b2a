using Herald.Core.Domain;
using Herald.Core.Preferences;
using Herald.Core.Storage;
using static Herald.Storage.Sqlite.SqliteRows;

namespace Herald.Storage.Sqlite;

/// <summary>Recipient profiles, preferences and push devices, each keyed by environment and user.</summary>
internal sealed class SqliteUserStore(SqliteDatabase db) : IUserStore
{
    private const int PruneBatch = 1_000;
    private const string DeviceMovedReason = "the push token was registered by another user before this was sent; not sent to it";

    public Task UpsertUserAsync(UserProfile profile, CancellationToken ct) =>
        db.WriteAsync((c, tx) => c.Command("""
            INSERT INTO users(environment_id, user_id, email, phone, locale, timezone, updated_at) VALUES ($env, $id, $e, $p, $l, $tz, $t)
            ON CONFLICT(environment_id, user_id) DO UPDATE SET email = $e, phone = $p, locale = $l, timezone = $tz, updated_at = $t
            """, tx).With("$env", profile.EnvironmentId).With("$id", profile.UserId).With("$e", profile.Email).With("$p", profile.Phone).With("$l", profile.Locale)
            .With("$tz", profile.TimeZone).With("$t", profile.UpdatedAt.Ms()).NonQuery(), ct);

    public async Task<UserProfile?> GetUserAsync(string environmentId, string userId, CancellationToken ct)
    {
        await using var c = await db.OpenReadAsync(ct);
        var rows = await c.Command($"SELECT {ProfileRow.Columns} FROM users WHERE environment_id = $env AND user_id = $id").With("$env", environmentId).With("$id", userId)
            .ReadAllAsync(ProfileRow.Map, ct);
        return rows.FirstOrDefault();
    }

    public Task SavePreferencesAsync(UserPreferences preferences, DateTimeOffset now, CancellationToken ct) =>
        db.WriteAsync((c, tx) => c.Command("""
            INSERT INTO users(environment_id, user_id, preferences, updated_at) VALUES ($env, $id, $p, $t)
            ON CONFLICT(environment_id, user_id) DO UPDATE SET preferences = $p
            """, tx).With("$env", preferences.EnvironmentId).With("$id", preferences.UserId).With("$p", StoreJson.Rules(preferences.Rules)).With("$t", now.Ms()).NonQuery(), ct);

    public async Task<UserPreferences?> GetPreferencesAsync(string environmentId, string userId, CancellationToken ct)
    {
        await using var c = await db.OpenReadAsync(ct);
        var json = await c.Command("SELECT preferences FROM users WHERE environment_id = $env AND user_id = $id").With("$env", environmentId).With("$id", userId)
            .ScalarAsync(ct) as string;
        return json is null ? null : new UserPreferences(userId, StoreJson.Rules(json), environmentId);
    }

    public async Task<(UserProfile? Profile, IReadOnlyList<PreferenceRule> Rules)> GetRecipientAsync(string environmentId, string userId, CancellationToken ct)
    {
        await using var c = await db.OpenReadAsync(ct);
        var rows = await c.Command($"SELECT {ProfileRow.Columns}, preferences FROM users WHERE environment_id = $env AND user_id = $id")
            .With("$env", environmentId).With("$id", userId)
            .ReadAllAsync(r => (ProfileRow.Map(r), r.StringOrNull(ProfileRow.Next) is { } json ? StoreJson.Rules(json) : []), ct);
        return rows.Count == 0 ? (null, []) : (rows[0].Item1, rows[0].Item2);
    }

    // The single writer serializes registrations, so the upsert on (environment, token, platform) leaves one owner however they race.
    // The SET expressions read the row as it was: a move takes the new id and creation time, a refresh keeps them.
    public Task<Device> AddDeviceAsync(Device device, CancellationToken ct) =>
        db.WriteAsync((c, tx) =>
        {
            var previous = c.Command("SELECT user_id FROM devices WHERE environment_id = $env AND token = $t AND platform = $p", tx)
                .With("$env", device.EnvironmentId).With("$t", device.Token).With("$p", device.Platform).Scalar() as string;
            var stored = c.Command($"""
                INSERT INTO devices(id, environment_id, user_id, token, platform, app_version, created_at, last_seen_at) VALUES ($id, $env, $u, $t, $p, $v, $c, $s)
                ON CONFLICT(environment_id, token, platform) DO UPDATE SET
                    id = CASE WHEN devices.user_id = excluded.user_id THEN devices.id ELSE excluded.id END,
                    created_at = CASE WHEN devices.user_id = excluded.user_id THEN devices.created_at ELSE excluded.created_at END,
                    user_id = excluded.user_id,
                    app_version = COALESCE(excluded.app_version, devices.app_version),
                    last_seen_at = MAX(devices.last_seen_at, excluded.last_seen_at)
                RETURNING {DeviceRow.Columns}
                """, tx).With("$id", device.Id).With("$env", device.EnvironmentId).With("$u", device.UserId).With("$t", device.Token).With("$p", device.Platform)
                .With("$v", device.AppVersion).With("$c", device.CreatedAt.Ms()).With("$s", device.LastSeenAt.Ms()).ReadAll(DeviceRow.Map)[0];
            if (previous is not null && previous != device.UserId)
            {
                // The previous owner's pushes still waiting for this token (quiet hours, retries) would reach the new owner.
                // Only this environment's: a user of the same id elsewhere has its own devices.
                var cancelled = c.Command($"""
                    UPDATE deliveries SET status = 'cancelled', last_error = $why, lease_until = NULL, lease_owner = NULL, updated_at = $now
                    WHERE environment_id = $env AND recipient_id = $old AND channel = $push AND target = $t AND platform = $p AND status IN {DeliveryStatus.Sql.Claimable}
                    RETURNING notification_id
                    """, tx).With("$why", DeviceMovedReason).With("$now", device.LastSeenAt.Ms()).With("$env", device.EnvironmentId).With("$old", previous).With("$push", (int)Channel.Push)
                    .With("$t", device.Token).With("$p", device.Platform).ReadAll(r => r.GetString(0));
                foreach (var notificationId in cancelled.Distinct(StringComparer.Ordinal))
                {
                    using var trace = TraceInsert(c, tx, new TraceEntry(notificationId, device.LastSeenAt, "api", Channel.Push.ToWire(), "cancelled", DeviceMovedReason));
                    trace.ExecuteNonQuery();
                    RefreshNotificationStatus(c, tx, notificationId, device.LastSeenAt);
                }
            }

            return stored;
        }, ct);

    public async Task<int> PruneDevicesAsync(DateTimeOffset seenBefore, CancellationToken ct)
    {
        var total = 0;
        while (true)
        {
            // Small batches: each holds the single writer only briefly.
            var deleted = await db.WriteAsync((c, tx) => c.Command("""
                DELETE FROM devices WHERE id IN (SELECT id FROM devices WHERE last_seen_at < $before ORDER BY last_seen_at LIMIT $n)
                """, tx).With("$before", seenBefore.Ms()).With("$n", PruneBatch).NonQuery(), ct);
            total += deleted;
            if (deleted < PruneBatch)
            {
                return total;
            }
        }
    }

    public Task<bool> DeleteDeviceAsync(string environmentId, string userId, string deviceId, CancellationToken ct) =>
        db.WriteAsync((c, tx) => c.Command("DELETE FROM devices WHERE environment_id = $env AND user_id = $u AND id = $id", tx)
            .With("$env", environmentId).With("$u", userId).With("$id", deviceId).NonQuery() > 0, ct);

    public async Task<IReadOnlyList<Device>> GetDevicesAsync(string environmentId, string userId, CancellationToken ct)
    {
        await using var c = await db.OpenReadAsync(ct);
        return await c.Command($"SELECT {DeviceRow.Columns} FROM devices WHERE environment_id = $env AND user_id = $u ORDER BY created_at, id")
            .With("$env", environmentId).With("$u", userId).ReadAllAsync(DeviceRow.Map, ct);
    }
}
