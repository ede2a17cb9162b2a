using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using System.Text;
using Herald.Core.Domain;
using Herald.Core.Observability;
using Herald.Core.Storage;

namespace Herald.Server.Api;

/// <summary>API keys: only a SHA-256 hash is stored; look-ups are cached per hash (keys never change scope once made).</summary>
internal sealed class ApiKeys(IApiKeyStore store, TimeProvider time, HeraldMetrics metrics)
{
    public const string Send = "send";
    public const string ReadScope = "read";

    /// <summary>Rendered content (bodies, payloads, feed items read with a key) and unmasked addresses; read alone shows them masked or absent.</summary>
    public const string ContentRead = "content:read";
    public const string Admin = "admin";

    /// <summary>Every scope a key may hold.</summary>
    public static readonly IReadOnlySet<string> Scopes = new HashSet<string>(StringComparer.Ordinal) { Send, ReadScope, ContentRead, Admin };

    private readonly ConcurrentDictionary<string, ApiKey> _cache = new(StringComparer.Ordinal);
    private readonly Counter<long> _lookups = metrics.Meter.CreateCounter<long>("herald.auth.key_lookups",
        description: "API keys looked up in the store (a key not yet cached in this process, or a wrong one).");

    public static string Hash(string key) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    public static string Generate() => "hk_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();

    /// <summary>The key when this process already knows it: no store read.</summary>
    public ApiKey? FindCached(string key) => _cache.TryGetValue(Hash(key), out var cached) ? cached : null;

    public async Task<ApiKey?> FindAsync(string key, CancellationToken ct)
    {
        var hash = Hash(key);
        if (_cache.TryGetValue(hash, out var cached))
        {
            return cached;
        }

        _lookups.Add(1);
        var found = await store.FindApiKeyAsync(hash, ct);
        if (found is not null)
        {
            _cache[hash] = found;
        }

        return found;
    }

    /// <exception cref="ArgumentException">A scope is not one of <see cref="Scopes"/>.</exception>
    public Task CreateAsync(string key, IReadOnlyList<string> scopes, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(scopes);
        if (scopes.FirstOrDefault(s => !Scopes.Contains(s)) is { } unknown)
        {
            throw new ArgumentException($"unknown scope '{unknown}'; expected {string.Join(", ", Scopes)}", nameof(scopes));
        }

        return store.InsertApiKeyAsync(new ApiKey("key_" + Guid.CreateVersion7(time.GetUtcNow()).ToString("N"), Hash(key), scopes, time.GetUtcNow()), ct);
    }

    /// <summary>admin implies every scope; content:read implies read (it is read with the content).</summary>
    public static bool Allows(ApiKey key, string scope) =>
        key.Scopes.Contains(Admin) || key.Scopes.Contains(scope) || (scope == ReadScope && key.Scopes.Contains(ContentRead));
}
