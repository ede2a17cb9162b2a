using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Herald.Core.Pipeline.Cluster;
using Herald.Core.Storage;

namespace Herald.Server.Api;

/// <summary>
/// The per-environment secret subscriber tokens are signed with (HS256; the key is the UTF-8 bytes of the secret as
/// shown, so a customer's JWT library takes the string as it is). Made on first use and kept in the settings store under
/// <c>subscriber_token_secret:&lt;environment&gt;</c>; an admin reads or rotates it through the API.
/// </summary>
/// <remarks>
/// Cached per process for at most <see cref="CacheAge"/>; a rotation replaces the stored value with a compare-and-set and
/// every process drops its copy at once (the store's <c>settings</c> signal on PostgreSQL, this process's own call on
/// SQLite), so tokens of the old secret are refused everywhere within a second, and within the age bound if a signal is lost.
/// </remarks>
internal sealed class SubscriberSecrets : IDisposable
{
    public const string SecretPrefix = "hts_";
    public const string SettingPrefix = "subscriber_token_secret:";

    public static readonly TimeSpan CacheAge = TimeSpan.FromSeconds(30);

    private static readonly byte[] TicketLabel = "herald stream ticket v1"u8.ToArray();

    private readonly ISettingsStore _store;
    private readonly IAppStore _apps;
    private readonly TimeProvider _time;
    private readonly IDisposable _subscription;
    private readonly ConcurrentDictionary<string, Cached> _cache = new(StringComparer.Ordinal);

    public SubscriberSecrets(ISettingsStore store, IAppStore apps, TimeProvider time, IClusterSignals signals)
    {
        ArgumentNullException.ThrowIfNull(signals);
        (_store, _apps, _time) = (store, apps, time);
        _subscription = signals.Subscribe(ClusterTopics.Settings, key =>
        {
            if (key is null)
            {
                _cache.Clear();
            }
            else if (key.StartsWith(SettingPrefix, StringComparison.Ordinal))
            {
                _cache.TryRemove(key[SettingPrefix.Length..], out _);
            }
        });
    }

    /// <summary>
    /// Whether <paramref name="environment"/> exists. A token naming another is refused before its secret is read, so made-up
    /// names cannot create secrets. One whose secret this process holds exists (environments are never deleted); another
    /// costs a read of the environments table (a made-up one also counts as a failed authentication of the address).
    /// </summary>
    public async ValueTask<bool> ExistsAsync(string environment, CancellationToken ct) =>
        environment == Herald.Core.Domain.Environments.Default || _cache.ContainsKey(environment) || await _apps.GetEnvironmentAsync(environment, ct) is not null;

    public static string Generate() => SecretPrefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    /// <summary>The environment's secret, made and stored on first use.</summary>
    public async ValueTask<SubscriberSecret> GetAsync(string environment, CancellationToken ct)
    {
        if (_cache.TryGetValue(environment, out var cached) && _time.GetUtcNow() - cached.ReadAt < CacheAge)
        {
            return cached.Secret;
        }

        var readAt = _time.GetUtcNow();
        var secret = new SubscriberSecret(await _store.GetOrAddSettingAsync(SettingPrefix + environment, Generate, ct));
        _cache[environment] = new Cached(secret, readAt);
        return secret;
    }

    /// <summary>Gives the environment a new secret: every token and ticket signed with the old one is refused from now on.</summary>
    public async Task<SubscriberSecret> RotateAsync(string environment, CancellationToken ct)
    {
        // Compare-and-set: a concurrent rotation that won makes this one read the winner's value and rotate again.
        while (true)
        {
            var current = await _store.GetOrAddSettingAsync(SettingPrefix + environment, Generate, ct);
            var next = Generate();
            if (await _store.ReplaceSettingAsync(SettingPrefix + environment, current, next, ct))
            {
                var secret = new SubscriberSecret(next);
                _cache[environment] = new Cached(secret, _time.GetUtcNow());
                return secret;
            }
        }
    }

    public void Dispose() => _subscription.Dispose();

    private sealed record Cached(SubscriberSecret Secret, DateTimeOffset ReadAt);

    /// <summary>A secret as shown to admins, its signing key, and the key of stream tickets derived from it.</summary>
    internal sealed class SubscriberSecret(string value)
    {
        public string Value { get; } = value;

        public byte[] Key { get; } = Encoding.UTF8.GetBytes(value);

        /// <summary>
        /// Tickets are signed with a key derived from the secret (HMAC of a label), never the secret itself, so a ticket
        /// never verifies as a token nor a token as a ticket; rotating the secret rotates it too.
        /// </summary>
        public byte[] TicketKey { get; } = HMACSHA256.HashData(Encoding.UTF8.GetBytes(value), TicketLabel);
    }
}
