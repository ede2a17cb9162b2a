using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Herald.Core.Domain;
using Herald.Core.Storage;

namespace Herald.Server.Api;

/// <summary>API keys: only a SHA-256 hash is stored; look-ups are cached per hash (keys never change scope once made).</summary>
internal sealed class ApiKeys(IApiKeyStore store, TimeProvider time)
{
    public const string Send = "send";
    public const string ReadScope = "read";
    public const string Admin = "admin";

    private readonly ConcurrentDictionary<string, ApiKey> _cache = new(StringComparer.Ordinal);

    public static string Hash(string key) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    public static string Generate() => "hk_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();

    public async Task<ApiKey?> FindAsync(string key, CancellationToken ct)
    {
        var hash = Hash(key);
        if (_cache.TryGetValue(hash, out var cached))
        {
            return cached;
        }

        var found = await store.FindApiKeyAsync(hash, ct);
        if (found is not null)
        {
            _cache[hash] = found;
        }

        return found;
    }

    public Task CreateAsync(string key, IReadOnlyList<string> scopes, CancellationToken ct) =>
        store.InsertApiKeyAsync(new ApiKey("key_" + Guid.CreateVersion7(time.GetUtcNow()).ToString("N"), Hash(key), scopes, time.GetUtcNow()), ct);

    public static bool Allows(ApiKey key, string scope) => key.Scopes.Contains(Admin) || key.Scopes.Contains(scope);
}
