using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using System.Text;
using Herald.Core.Domain;
using Herald.Core.Observability;
using Herald.Core.Pipeline.Cluster;
using Herald.Core.Storage;

namespace Herald.Server.Api;

/// <summary>
/// API keys: only SHA-256 hashes are stored. Look-ups are cached per hash for at most <see cref="CacheAge"/>; a revoke or
/// rotate drops the key's entries on every process at once (a cluster signal on PostgreSQL, this process's own call on
/// SQLite), the age bound covers a signal that was lost.
/// </summary>
internal sealed partial class ApiKeys : IDisposable
{
    public const string NotificationsSend = "notifications:send";
    public const string NotificationsRead = "notifications:read";

    /// <summary>Rendered content (bodies, payloads, feed items read with a key) and unmasked addresses; notifications:read alone shows them masked or absent.</summary>
    public const string ContentRead = "content:read";
    public const string UsersWrite = "users:write";
    public const string TemplatesWrite = "templates:write";
    public const string Admin = "admin";

    /// <summary>What a new secret starts with, so a leaked one is recognisable (secret scanners, logs).</summary>
    public const string SecretPrefix = "hk_";

    /// <summary>How long a cached key is trusted without reading the store again (the safety net behind the revocation signal).</summary>
    public static readonly TimeSpan CacheAge = TimeSpan.FromSeconds(30);

    /// <summary>Last use is written at most this often per key and process.</summary>
    public static readonly TimeSpan TouchInterval = TimeSpan.FromMinutes(1);

    /// <summary>Every scope a new key may hold.</summary>
    public static readonly IReadOnlyList<string> Scopes = [NotificationsSend, NotificationsRead, ContentRead, UsersWrite, TemplatesWrite, Admin];

    /// <summary>Scope names of earlier releases, still held by stored keys: each means its new name.</summary>
    public static readonly IReadOnlyDictionary<string, string> Aliases = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["send"] = NotificationsSend,
        ["read"] = NotificationsRead,
    };

    private readonly IApiKeyStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger<ApiKeys> _logger;
    private readonly IDisposable _subscription;
    private readonly ConcurrentDictionary<string, Cached> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _touched = new(StringComparer.Ordinal);
    private readonly Counter<long> _lookups;

    public ApiKeys(IApiKeyStore store, TimeProvider time, HeraldMetrics metrics, IClusterSignals signals, ILogger<ApiKeys> logger)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(signals);
        (_store, _time, _logger) = (store, time, logger);
        _lookups = metrics.Meter.CreateCounter<long>("herald.auth.key_lookups",
            description: "API keys looked up in the store (a key not cached in this process, or cached too long, or a wrong one).");
        _subscription = signals.Subscribe(ClusterTopics.ApiKeys, Drop);
    }

    public static string Hash(string key) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    public static string Generate() => SecretPrefix + Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();

    /// <summary>What a list shows of a secret: the prefix and four more characters.</summary>
    public static string PrefixOf(string secret) => secret[..Math.Min(secret.Length, SecretPrefix.Length + 4)];

    /// <summary>The scopes with earlier releases' names replaced by today's.</summary>
    public static IReadOnlyList<string> Normalize(IEnumerable<string> scopes) =>
        [.. scopes.Select(s => Aliases.TryGetValue(s, out var now) ? now : s).Distinct(StringComparer.Ordinal)];

    /// <summary>The scope names not known (today's or an alias), for a 400 answer.</summary>
    public static string? Unknown(IEnumerable<string> scopes) => scopes.FirstOrDefault(s => !Scopes.Contains(s) && !Aliases.ContainsKey(s));

    /// <summary>The key of <paramref name="hash"/> when this process read it from the store less than <see cref="CacheAge"/> ago: no store read.</summary>
    public ApiKey? FindCached(string hash) =>
        _cache.TryGetValue(hash, out var cached) && _time.GetUtcNow() - cached.ReadAt < CacheAge ? cached.Key : null;

    /// <summary>
    /// Whether this process verified the key of <paramref name="hash"/> before, however long ago: such a key is re-read
    /// past the failure limiter (it is not a guess), as a cached one always passed it.
    /// </summary>
    public bool IsKnown(string hash) => _cache.ContainsKey(hash);

    public Task<ApiKey?> FindAsync(string secret, CancellationToken ct) => FindByHashAsync(Hash(secret), ct);

    /// <summary>The key of <paramref name="hash"/>: from this process's cache while young enough, else from the store.</summary>
    public async Task<ApiKey?> FindByHashAsync(string hash, CancellationToken ct)
    {
        if (FindCached(hash) is { } cached)
        {
            return cached;
        }

        _lookups.Add(1);
        var readAt = _time.GetUtcNow();
        var found = await _store.FindApiKeyAsync(hash, ct);
        if (found is not null)
        {
            // Returned from the local, not read back: a revocation signal may drop the entry in between.
            var normalized = found with { Scopes = Normalize(found.Scopes) };
            _cache[hash] = new Cached(normalized, readAt);
            return normalized;
        }

        _cache.TryRemove(hash, out _);
        return null;
    }

    /// <summary>Why <paramref name="key"/>, found by a secret hashing to <paramref name="hash"/>, is refused now; null when it is accepted.</summary>
    public string? Refusal(ApiKey key, string hash)
    {
        ArgumentNullException.ThrowIfNull(key);
        var now = _time.GetUtcNow();
        if (key.RevokedAt is not null)
        {
            return "the API key is not valid: it was revoked";
        }

        if (key.ExpiresAt <= now)
        {
            return "the API key is not valid: it expired";
        }

        if (key.KeyHash != hash && !(key.PreviousExpiresAt > now))
        {
            return "the API key is not valid: it was rotated and the old secret's overlap has ended";
        }

        return null;
    }

    /// <summary>Records the key's use, at most once per <see cref="TouchInterval"/> per key in this process; the write runs in the background.</summary>
    public void Touch(ApiKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var now = _time.GetUtcNow();
        if (_touched.TryGetValue(key.Id, out var last) && now - last < TouchInterval)
        {
            return;
        }

        _touched[key.Id] = now;
        _ = TouchAsync(key.Id, now);
    }

    private async Task TouchAsync(string id, DateTimeOffset at)
    {
        try
        {
            await _store.TouchApiKeyAsync(id, at, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Last use is informative: a failed write must not fail the request that used the key. It is tried again next minute.
            _touched.TryRemove(id, out _);
            LogTouchFailed(_logger, ex);
        }
    }

    /// <summary>Stores a key made of <paramref name="secret"/> (scopes checked by the caller or given by the host).</summary>
    /// <exception cref="ArgumentException">A scope is not one of <see cref="Scopes"/> or an alias.</exception>
    public async Task<ApiKey> CreateAsync(string secret, IReadOnlyList<string> scopes, CancellationToken ct, string name = "", DateTimeOffset? expiresAt = null,
        int? requestsPerSecond = null, int? notificationsPerSecond = null, string environmentId = Core.Domain.Environments.Default)
    {
        ArgumentNullException.ThrowIfNull(secret);
        ArgumentNullException.ThrowIfNull(scopes);
        if (Unknown(scopes) is { } unknown)
        {
            throw new ArgumentException($"unknown scope '{unknown}'; expected {string.Join(", ", Scopes)}", nameof(scopes));
        }

        var now = _time.GetUtcNow();
        var key = new ApiKey("key_" + Guid.CreateVersion7(now).ToString("N"), Hash(secret), Normalize(scopes), now)
        {
            Name = name, Prefix = PrefixOf(secret), ExpiresAt = expiresAt, RequestsPerSecond = requestsPerSecond, NotificationsPerSecond = notificationsPerSecond,
            EnvironmentId = environmentId,
        };
        await _store.InsertApiKeyAsync(key, ct);
        return key;
    }

    public async Task<ApiKey?> RevokeAsync(string id, CancellationToken ct)
    {
        var revoked = await _store.RevokeApiKeyAsync(id, _time.GetUtcNow(), ct);
        Drop(id);
        return revoked;
    }

    /// <summary>Sets the key's rate limits (null: the deployment's default); every process reads the key again (cluster signal).</summary>
    public async Task<ApiKey?> SetLimitsAsync(string id, int? requestsPerSecond, int? notificationsPerSecond, CancellationToken ct)
    {
        var changed = await _store.SetApiKeyLimitsAsync(id, requestsPerSecond, notificationsPerSecond, ct);
        Drop(id);
        return changed;
    }

    public async Task<ApiKey?> RotateAsync(string id, string newSecret, TimeSpan overlap, CancellationToken ct)
    {
        var rotated = await _store.RotateApiKeyAsync(id, Hash(newSecret), PrefixOf(newSecret), _time.GetUtcNow() + overlap, ct);
        Drop(id);
        return rotated;
    }

    /// <summary>admin implies every scope; content:read implies notifications:read (it is reading, with the content).</summary>
    public static bool Allows(IReadOnlyCollection<string> scopes, string scope)
    {
        ArgumentNullException.ThrowIfNull(scopes);
        return scopes.Contains(Admin) || scopes.Contains(scope) || (scope == NotificationsRead && scopes.Contains(ContentRead));
    }

    public void Dispose() => _subscription.Dispose();

    /// <summary>Forgets the key <paramref name="id"/> (null: every key), so the next request reads the store.</summary>
    private void Drop(string? id)
    {
        foreach (var (hash, cached) in _cache)
        {
            if (id is null || cached.Key.Id == id)
            {
                _cache.TryRemove(hash, out _);
            }
        }
    }

    [LoggerMessage(EventId = 1006, Level = LogLevel.Warning, Message = "Could not record an API key's last use; retried on its next use after a minute")]
    private static partial void LogTouchFailed(ILogger logger, Exception ex);

    private sealed record Cached(ApiKey Key, DateTimeOffset ReadAt);
}
