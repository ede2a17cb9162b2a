using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Herald.Providers.WebPush;

/// <summary>
/// VAPID (RFC 8292): an ES256 JWT naming the push service's origin (<c>aud</c>), an expiry (<c>exp</c>, 12 h; push services
/// refuse more than 24 h) and a contact (<c>sub</c>), sent as <c>Authorization: vapid t=&lt;jwt&gt;, k=&lt;public key&gt;</c>.
/// One token per audience is reused until less than an hour of it is left, so a push service sees few distinct tokens.
/// </summary>
internal sealed class VapidSigner
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(12);

    private static readonly TimeSpan RenewBefore = TimeSpan.FromHours(1);
    private static readonly string Header = WebPushBase64.Encode("""{"typ":"JWT","alg":"ES256"}"""u8);

    private readonly ECParameters _privateKey;
    private readonly string _subject;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, (string Jwt, DateTimeOffset Expires)> _tokens = new(StringComparer.Ordinal);

    private VapidSigner(ECParameters privateKey, string publicKey, string subject, TimeProvider time)
    {
        _privateKey = privateKey;
        PublicKey = publicKey;
        _subject = subject;
        _time = time;
    }

    /// <summary>The application server key as sent in <c>k</c>: base64url of the 65-byte uncompressed point.</summary>
    public string PublicKey { get; }

    /// <summary>Checks the key pair and subject; the error names what is wrong (for a configuration exception).</summary>
    public static VapidSigner? TryCreate(string publicKey, string privateKey, string subject, TimeProvider time, out string error)
    {
        ArgumentNullException.ThrowIfNull(subject);
        var q = WebPushBase64.TryDecode(publicKey);
        var d = WebPushBase64.TryDecode(privateKey);
        error = "";
        if (q is not { Length: WebPushEncryption.KeyLength } || q[0] != 0x04)
        {
            error = "VapidPublicKey must be the base64url uncompressed P-256 point (65 bytes starting with 0x04)";
        }
        else if (d is not { Length: 32 })
        {
            error = "VapidPrivateKey must be the base64url 32-byte P-256 private scalar";
        }
        else if (!subject.StartsWith("mailto:", StringComparison.Ordinal) && !subject.StartsWith("https:", StringComparison.Ordinal))
        {
            error = "Subject must be a mailto: or https: URI (RFC 8292 §2.1)";
        }
        else if (!Matches(q, d, out var key))
        {
            error = "VapidPublicKey is not the public key of VapidPrivateKey";
        }
        else
        {
            return new VapidSigner(key, WebPushBase64.Encode(q), subject, time);
        }

        return null;
    }

    /// <summary>The push service's origin, which is the JWT's audience (RFC 8292 §2): scheme, host, and a non-default port.</summary>
    public static string Audience(Uri endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return $"{endpoint.Scheme}://{endpoint.Authority}";
    }

    /// <summary>The <c>Authorization</c> header value for a request to <paramref name="endpoint"/> (RFC 8292 §3).</summary>
    public string AuthorizationHeader(Uri endpoint) => $"vapid t={Token(Audience(endpoint))}, k={PublicKey}";

    /// <summary>A valid token for the audience: the cached one while more than an hour of it is left, else a new one.</summary>
    public string Token(string audience)
    {
        var now = _time.GetUtcNow();
        if (_tokens.TryGetValue(audience, out var cached) && cached.Expires - now > RenewBefore)
        {
            return cached.Jwt;
        }

        var expires = now + Lifetime;
        var claims = new JsonObject { ["aud"] = audience, ["exp"] = expires.ToUnixTimeSeconds(), ["sub"] = _subject };
        var signingInput = $"{Header}.{WebPushBase64.Encode(Encoding.UTF8.GetBytes(claims.ToJsonString()))}";
        using var ecdsa = ECDsa.Create(_privateKey);
        // .NET signs in the IEEE P1363 form (r ‖ s, 64 bytes), which is what JWS ES256 requires (RFC 7518 §3.4).
        var signature = ecdsa.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256);
        var jwt = $"{signingInput}.{WebPushBase64.Encode(signature)}";
        if (_tokens.Count > 1_000)
        {
            // Audiences are push services, a handful in practice; a flood of odd origins must not grow this without end.
            _tokens.Clear();
        }

        _tokens[audience] = (jwt, expires);
        return jwt;
    }

    private static bool Matches(byte[] q, byte[] d, out ECParameters key)
    {
        key = new ECParameters { Curve = ECCurve.NamedCurves.nistP256, D = d };
        try
        {
            // Importing the scalar alone makes the platform compute its public point, which must be the configured one.
            using var ecdsa = ECDsa.Create(key);
            key = ecdsa.ExportParameters(true);
            return key.Q.X!.AsSpan().SequenceEqual(q.AsSpan(1, 32)) && key.Q.Y!.AsSpan().SequenceEqual(q.AsSpan(33));
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}
