using Herald.Core.Domain;
using Herald.Core.Preferences;

namespace Herald.Core.Storage;

/// <summary>Creates the schema and settles anything a crash left behind. Called once at start.</summary>
public interface IStoreInitializer
{
    Task InitializeAsync(CancellationToken ct);
}

public interface ISettingsStore
{
    /// <summary>Returns the stored value, or stores and returns <paramref name="create"/>'s value (first writer wins).</summary>
    Task<string> GetOrAddSettingAsync(string key, Func<string> create, CancellationToken ct);

    /// <summary>
    /// Replaces the value of <paramref name="key"/> with <paramref name="value"/> only if it still holds
    /// <paramref name="expected"/> (compare-and-set, so two concurrent rotations cannot both think they won); false when
    /// it does not (or the key is missing). Every process hears of a replacement (cluster signal <c>settings</c>, key: the setting key).
    /// </summary>
    Task<bool> ReplaceSettingAsync(string key, string expected, string value, CancellationToken ct);
}

public interface IApiKeyStore
{
    Task<int> CountApiKeysAsync(CancellationToken ct);
    Task InsertApiKeyAsync(ApiKey key, CancellationToken ct);

    /// <summary>The key whose current or previous (rotated-out) secret has <paramref name="keyHash"/>, revoked and expired ones included: the caller decides.</summary>
    Task<ApiKey?> FindApiKeyAsync(string keyHash, CancellationToken ct);

    Task<ApiKey?> GetApiKeyAsync(string id, CancellationToken ct);

    /// <summary>Every key, oldest first.</summary>
    Task<IReadOnlyList<ApiKey>> ListApiKeysAsync(CancellationToken ct);

    /// <summary>Revokes the key (a second revoke keeps the first time); null when there is no such key. Every process hears of it (cluster signal).</summary>
    Task<ApiKey?> RevokeApiKeyAsync(string id, DateTimeOffset at, CancellationToken ct);

    /// <summary>
    /// Gives a key that is not revoked a new secret: the current hash becomes the previous one, accepted until
    /// <paramref name="previousUntil"/> (a previous secret of an earlier rotation is dropped). Null when there is no such
    /// unrevoked key. Every process hears of it (cluster signal).
    /// </summary>
    Task<ApiKey?> RotateApiKeyAsync(string id, string newHash, string newPrefix, DateTimeOffset previousUntil, CancellationToken ct);

    /// <summary>
    /// Sets the key's rate limits (null: the deployment's default), revoked keys included; null when there is no such key.
    /// Every process hears of it (cluster signal).
    /// </summary>
    Task<ApiKey?> SetApiKeyLimitsAsync(string id, int? requestsPerSecond, int? notificationsPerSecond, CancellationToken ct);

    /// <summary>Records that the key was used at <paramref name="at"/> (callers throttle this: it is not a per-request write).</summary>
    Task TouchApiKeyAsync(string id, DateTimeOffset at, CancellationToken ct);
}

/// <summary>A user as planning and erasure name one: a user id is unique within its environment only.</summary>
public readonly record struct UserKey(string EnvironmentId, string UserId);

/// <summary>
/// Recipient profiles, preferences and devices, each within one environment: reads take the environment first, writes
/// carry it on the record (<see cref="UserProfile.EnvironmentId"/>, <see cref="UserPreferences.EnvironmentId"/>,
/// <see cref="Device.EnvironmentId"/>), and nothing one environment does reaches another's user of the same id.
/// </summary>
public interface IUserStore
{
    Task UpsertUserAsync(UserProfile profile, CancellationToken ct);
    Task<UserProfile?> GetUserAsync(string environmentId, string userId, CancellationToken ct);
    Task SavePreferencesAsync(UserPreferences preferences, DateTimeOffset now, CancellationToken ct);
    Task<UserPreferences?> GetPreferencesAsync(string environmentId, string userId, CancellationToken ct);

    /// <summary>Profile and preference rules in one read, as planning needs them.</summary>
    Task<(UserProfile? Profile, IReadOnlyList<PreferenceRule> Rules)> GetRecipientAsync(string environmentId, string userId, CancellationToken ct);

    /// <summary>
    /// Registers a device, atomically and race-free: one owner per token and platform within the device's environment. A
    /// token the user already has keeps its id and gets <see cref="Device.LastSeenAt"/> (and a given app version)
    /// refreshed; a token another user of the environment holds moves to this user as a new device (new id, created now),
    /// so the previous owner's pushes no longer reach it: in the same transaction the previous owner's unsent push
    /// deliveries to it are cancelled, with a trace entry. Returns the stored device.
    /// </summary>
    Task<Device> AddDeviceAsync(Device device, CancellationToken ct);

    /// <summary>Deletes devices last seen before <paramref name="seenBefore"/>, in batches, in every environment; returns how many.</summary>
    Task<int> PruneDevicesAsync(DateTimeOffset seenBefore, CancellationToken ct);

    Task<bool> DeleteDeviceAsync(string environmentId, string userId, string deviceId, CancellationToken ct);
    Task<IReadOnlyList<Device>> GetDevicesAsync(string environmentId, string userId, CancellationToken ct);

    /// <summary>
    /// <see cref="GetRecipientAsync"/> for a planning batch (which may mix environments), keyed by environment and user
    /// (every key present; unknown users have no profile). A store that can read them in one statement should; the
    /// default reads them one by one.
    /// </summary>
    async Task<IReadOnlyDictionary<UserKey, (UserProfile? Profile, IReadOnlyList<PreferenceRule> Rules)>> GetRecipientsAsync(IReadOnlyCollection<UserKey> users, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(users);
        var result = new Dictionary<UserKey, (UserProfile?, IReadOnlyList<PreferenceRule>)>();
        foreach (var key in users)
        {
            result[key] = await GetRecipientAsync(key.EnvironmentId, key.UserId, ct);
        }

        return result;
    }

    /// <summary><see cref="GetDevicesAsync(string, string, CancellationToken)"/> for a planning batch, keyed by environment and user (every key present).</summary>
    async Task<IReadOnlyDictionary<UserKey, IReadOnlyList<Device>>> GetDevicesAsync(IReadOnlyCollection<UserKey> users, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(users);
        var result = new Dictionary<UserKey, IReadOnlyList<Device>>();
        foreach (var key in users)
        {
            result[key] = await GetDevicesAsync(key.EnvironmentId, key.UserId, ct);
        }

        return result;
    }
}

/// <summary>Template versions of one environment: every method takes it first; the same template id in another environment is another template.</summary>
public interface ITemplateStore
{
    /// <summary>Stores a new draft version (max + 1 within the environment) and returns it.</summary>
    Task<int> AddTemplateVersionAsync(string environmentId, string templateId, string? description, string definition, DateTimeOffset now, CancellationToken ct);
    Task<StoredTemplate?> GetTemplateVersionAsync(string environmentId, string templateId, int version, CancellationToken ct);
    Task<StoredTemplate?> GetLatestPublishedAsync(string environmentId, string templateId, CancellationToken ct);
    Task<IReadOnlyList<StoredTemplate>> GetTemplateVersionsAsync(string environmentId, string templateId, CancellationToken ct);
    Task<IReadOnlyList<StoredTemplate>> ListLatestTemplatesAsync(string environmentId, CancellationToken ct);

    /// <summary>Publishes a draft. False when the version does not exist; true also when already published.</summary>
    Task<bool> PublishTemplateAsync(string environmentId, string templateId, int version, DateTimeOffset now, CancellationToken ct);
}

/// <summary>
/// Layouts and partials of one environment (the template library): every method takes it first. A write replaces the row
/// and, on a store shared by several processes, tells every process's library cache (<see cref="Pipeline.Cluster.ClusterTopics.TemplateLibrary"/>) once it commits.
/// </summary>
public interface ITemplateLibraryStore
{
    /// <summary>Creates or replaces the layout; true when it was created.</summary>
    Task<bool> PutLayoutAsync(string environmentId, StoredLayout layout, CancellationToken ct);
    Task<StoredLayout?> GetLayoutAsync(string environmentId, string layoutId, CancellationToken ct);
    Task<IReadOnlyList<StoredLayout>> ListLayoutsAsync(string environmentId, CancellationToken ct);
    Task<bool> DeleteLayoutAsync(string environmentId, string layoutId, CancellationToken ct);

    /// <summary>Creates or replaces the partial; true when it was created.</summary>
    Task<bool> PutPartialAsync(string environmentId, StoredPartial snippet, CancellationToken ct);
    Task<StoredPartial?> GetPartialAsync(string environmentId, string name, CancellationToken ct);
    Task<IReadOnlyList<StoredPartial>> ListPartialsAsync(string environmentId, CancellationToken ct);
    Task<bool> DeletePartialAsync(string environmentId, string name, CancellationToken ct);
}
