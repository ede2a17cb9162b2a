using System.Buffers;
using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Herald.Core.Observability;
using Microsoft.Extensions.Options;

namespace Herald.Server.Api;

/// <summary>What a valid subscriber token or stream ticket says: whose it is, of which environment, until when, and what it may do.</summary>
internal sealed record SubscriberGrant(string UserId, string Environment, DateTimeOffset ExpiresAt, IReadOnlyList<string> Scopes);

/// <summary>A check's outcome: the grant, or why the credential is refused (the 401 problem's detail).</summary>
internal sealed record SubscriberCheck(SubscriberGrant? Grant, string? Refusal)
{
    public static SubscriberCheck Refused(string why) => new(null, why);
}

/// <summary>
/// Subscriber tokens: JWTs (HS256, <see cref="Hs256Jws"/>) with <c>sub</c> (the user id), <c>env</c> (the environment;
/// absent means the default), <c>exp</c>, optional <c>nbf</c> and <c>scope</c> (space-separated <see cref="SubscriberScopes"/>;
/// absent means all), signed with the environment's secret (<see cref="SubscriberSecrets"/>). Minted here or by the
/// customer's backend. Also stream tickets (the same shape, a derived key, <see cref="SubscriberTokenOptions.TicketLifetime"/>)
/// and, while <see cref="SubscriberTokenOptions.AcceptLegacy"/>, the hex HMAC tokens of earlier releases.
/// </summary>
internal sealed partial class SubscriberTokens
{
    private readonly Hosting.HeraldSecrets _legacy;
    private readonly SubscriberSecrets _secrets;
    private readonly TimeProvider _time;
    private readonly SubscriberTokenOptions _options;
    private readonly ILogger<SubscriberTokens> _logger;
    private readonly Counter<long> _legacyUses;
    private long _lastLegacyWarning = long.MinValue;

    public SubscriberTokens(Hosting.HeraldSecrets legacy, SubscriberSecrets secrets, TimeProvider time, IOptions<SubscriberTokenOptions> options,
        HeraldMetrics metrics, ILogger<SubscriberTokens> logger)
    {
        ArgumentNullException.ThrowIfNull(legacy);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(metrics);
        (_secrets, _time, _options, _logger) = (secrets, time, options.Value, logger);
        // Read at use: the legacy secret is resolved from the store after the container is built.
        _legacy = legacy;
        _legacyUses = metrics.Meter.CreateCounter<long>("herald.auth.legacy_subscriber_tokens",
            description: "Deprecated subscriber credentials accepted, by kind (hex: a never-expiring HMAC token; query: any token in ?token=).");
    }

    public SubscriberTokenOptions Options => _options;

    /// <summary>A token for <paramref name="userId"/> of <paramref name="environment"/>, valid for <paramref name="lifetime"/>; empty <paramref name="scopes"/> means all.</summary>
    public async Task<(string Token, DateTimeOffset ExpiresAt)> MintAsync(string userId, string environment, TimeSpan lifetime, IReadOnlyList<string> scopes, CancellationToken ct)
    {
        var secret = await _secrets.GetAsync(environment, ct);
        var now = _time.GetUtcNow();
        var expires = DateTimeOffset.FromUnixTimeSeconds((now + lifetime).ToUnixTimeSeconds());
        return (Hs256Jws.Sign(Payload(userId, environment, now, expires, scopes), secret.Key), expires);
    }

    /// <summary>A stream ticket for the holder of <paramref name="grant"/>: the same user and environment, <see cref="SubscriberTokenOptions.TicketLifetime"/>, never past the token's own expiry.</summary>
    public async Task<(string Ticket, DateTimeOffset ExpiresAt)> MintTicketAsync(SubscriberGrant grant, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(grant);
        var secret = await _secrets.GetAsync(grant.Environment, ct);
        var now = _time.GetUtcNow();
        var until = now + _options.TicketLifetime;
        var expires = DateTimeOffset.FromUnixTimeSeconds((until < grant.ExpiresAt ? until : grant.ExpiresAt).ToUnixTimeSeconds());
        return (Hs256Jws.Sign(Payload(grant.UserId, grant.Environment, now, expires, [SubscriberScopes.FeedRead]), secret.TicketKey), expires);
    }

    /// <summary>Checks a token against the route's user (<paramref name="routeUser"/>; null on routes without one).</summary>
    public async Task<SubscriberCheck> CheckAsync(string token, string? routeUser, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (Hs256Jws.Parse(token) is not { } parts)
        {
            return CheckLegacy(token, routeUser);
        }

        return await CheckSignedAsync(parts, routeUser, ticket: false, ct);
    }

    /// <summary>Checks a stream ticket against the route's user.</summary>
    public async Task<SubscriberCheck> CheckTicketAsync(string ticket, string? routeUser, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        return Hs256Jws.Parse(ticket) is { } parts
            ? await CheckSignedAsync(parts, routeUser, ticket: true, ct)
            : SubscriberCheck.Refused("the stream ticket is malformed; ask for one with POST …/feed/stream-ticket");
    }

    /// <summary>Counts (and at most once a minute logs) a deprecated credential that was accepted.</summary>
    public void NoteLegacyUse(string kind)
    {
        _legacyUses.Add(1, new KeyValuePair<string, object?>("kind", kind));
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var last = Interlocked.Read(ref _lastLegacyWarning);
        if (now - last >= 60_000 && Interlocked.CompareExchange(ref _lastLegacyWarning, now, last) == last)
        {
            LogLegacyUse(_logger, kind);
        }
    }

    /// <summary>The legacy token of <paramref name="userId"/>: hex HMAC-SHA256 of the user id under <c>Herald:Security:SubscriberSecret</c>.</summary>
    public string LegacyFor(string userId) => Convert.ToHexStringLower(HMACSHA256.HashData(_legacy.SubscriberSecret, Encoding.UTF8.GetBytes(userId)));

    private SubscriberCheck CheckLegacy(string token, string? routeUser)
    {
        const string Malformed = "the subscriber token is malformed: expected a JWT (HS256) minted with the environment's subscriber secret";
        if (token.Length != 64 || !token.All(char.IsAsciiHexDigit))
        {
            return SubscriberCheck.Refused(Malformed);
        }

        if (!_options.AcceptLegacy)
        {
            return SubscriberCheck.Refused("the subscriber token is a legacy (never-expiring) token, no longer accepted: mint an expiring one (POST /api/v1/users/{user_id}/subscriber-token)");
        }

        var valid = routeUser is not null && CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(LegacyFor(routeUser)), Encoding.ASCII.GetBytes(token.ToLowerInvariant()));
        if (!valid)
        {
            return SubscriberCheck.Refused("the subscriber token is not valid for this user");
        }

        NoteLegacyUse("hex");
        return new SubscriberCheck(new SubscriberGrant(routeUser!, Herald.Core.Domain.Environments.Default, DateTimeOffset.MaxValue, SubscriberScopes.Legacy), null);
    }

    private async Task<SubscriberCheck> CheckSignedAsync(Hs256Jws.Parts parts, string? routeUser, bool ticket, CancellationToken ct)
    {
        var what = ticket ? "stream ticket" : "subscriber token";
        if (Claims.Read(parts.Payload) is not { } claims)
        {
            return SubscriberCheck.Refused($"the {what} is malformed: its claims must be a JSON object with 'sub' (a string), 'exp' (a number), and optionally 'env', 'nbf', 'scope'");
        }

        var environment = claims.Environment ?? Herald.Core.Domain.Environments.Default;
        if (!await _secrets.ExistsAsync(environment, ct))
        {
            // Said the same way as a wrong signature: an unknown environment gets no hint that it is one.
            return SubscriberCheck.Refused($"the {what}'s signature is not valid for its environment");
        }

        var secret = await _secrets.GetAsync(environment, ct);
        if (!Hs256Jws.Verify(parts, ticket ? secret.TicketKey : secret.Key))
        {
            return SubscriberCheck.Refused($"the {what}'s signature is not valid for its environment (a token of another environment, a tampered one, or one signed before the secret was rotated)");
        }

        var now = _time.GetUtcNow();
        var expires = DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Clamp(claims.ExpiresAt * 1000, 0, DateTimeOffset.MaxValue.ToUnixTimeMilliseconds()));
        if (expires + _options.ClockSkew <= now)
        {
            return SubscriberCheck.Refused(ticket ? "the stream ticket expired: ask for a new one" : "the subscriber token expired: mint a new one");
        }

        if (expires > now + _options.MaxLifetime + _options.ClockSkew)
        {
            return SubscriberCheck.Refused($"the {what} expires too far ahead: at most {SubscriberTokenOptions.SectionName}:MaxLifetime ({_options.MaxLifetime}) from now");
        }

        if (claims.NotBefore is { } nbf && DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Clamp(nbf * 1000, 0, 253402300799000)) - _options.ClockSkew > now)
        {
            return SubscriberCheck.Refused($"the {what} is not valid yet (nbf)");
        }

        if (routeUser is not null && !string.Equals(claims.Subject, routeUser, StringComparison.Ordinal))
        {
            return SubscriberCheck.Refused($"the {what} is not valid for this user");
        }

        IReadOnlyList<string> scopes = SubscriberScopes.All;
        if (claims.Scope is { } scope)
        {
            var named = scope.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (named.Length == 0 || SubscriberScopes.Unknown(named) is not null)
            {
                return SubscriberCheck.Refused($"the {what}'s 'scope' must be space-separated names among {string.Join(", ", SubscriberScopes.All)} (or be left out for all)");
            }

            scopes = [.. named.Distinct(StringComparer.Ordinal)];
        }

        return new SubscriberCheck(new SubscriberGrant(claims.Subject, environment, expires, scopes), null);
    }

    private static byte[] Payload(string userId, string environment, DateTimeOffset issued, DateTimeOffset expires, IReadOnlyList<string> scopes)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("sub", userId);
            json.WriteString("env", environment);
            json.WriteNumber("iat", issued.ToUnixTimeSeconds());
            json.WriteNumber("exp", expires.ToUnixTimeSeconds());
            if (scopes.Count > 0)
            {
                json.WriteString("scope", string.Join(' ', scopes));
            }

            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning,
        Message = "A deprecated subscriber credential was accepted ({Kind}); mint expiring tokens and use stream tickets, then set Herald:SubscriberTokens:AcceptLegacy=false (logged at most once a minute)")]
    private static partial void LogLegacyUse(ILogger logger, string kind);

    /// <summary>The registered and Herald claims of a token's payload; other claims (iss, jti, iat, …) are the minter's and ignored.</summary>
    private sealed record Claims(string Subject, string? Environment, double ExpiresAt, double? NotBefore, string? Scope)
    {
        public static Claims? Read(byte[] payload)
        {
            try
            {
                using var json = JsonDocument.Parse(payload);
                var root = json.RootElement;
                if (root.ValueKind != JsonValueKind.Object
                    || !root.TryGetProperty("sub", out var sub) || sub.ValueKind != JsonValueKind.String || sub.GetString() is not { Length: > 0 } subject
                    || !root.TryGetProperty("exp", out var exp) || exp.ValueKind != JsonValueKind.Number)
                {
                    return null;
                }

                string? environment = null;
                if (root.TryGetProperty("env", out var env) && (env.ValueKind != JsonValueKind.String || (environment = env.GetString()) is not { Length: > 0 }))
                {
                    return null;
                }

                double? notBefore = null;
                if (root.TryGetProperty("nbf", out var nbf))
                {
                    if (nbf.ValueKind != JsonValueKind.Number)
                    {
                        return null;
                    }

                    notBefore = nbf.GetDouble();
                }

                string? scope = null;
                if (root.TryGetProperty("scope", out var s) && (s.ValueKind != JsonValueKind.String || (scope = s.GetString()) is null))
                {
                    return null;
                }

                return new Claims(subject, environment, exp.GetDouble(), notBefore, scope);
            }
            catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException or ArgumentException)
            {
                // Not JSON, not UTF-8, a number beyond double, an escaped lone surrogate: all just malformed.
                return null;
            }
        }
    }
}
