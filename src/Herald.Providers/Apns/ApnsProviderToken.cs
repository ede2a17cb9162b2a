using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Herald.Providers.Abstractions;

namespace Herald.Providers.Apns;

/// <summary>
/// The APNs provider authentication token: an ES256 JWT ({"alg":"ES256","kid":KeyId} / {"iss":TeamId,"iat":now}) signed
/// with the team's .p8 key. APNs refuses tokens older than an hour and throttles ones renewed more often than every
/// 20 minutes, so one token is reused for <c>lifetime</c> (20–60 min) and then replaced.
/// </summary>
internal sealed class ApnsProviderToken(string teamId, string keyId, ECParameters key, TimeSpan lifetime, TimeProvider time)
{
    public static readonly TimeSpan MinLifetime = TimeSpan.FromMinutes(20);
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromMinutes(60);

    private readonly Lock _gate = new();
    private string? _token;
    private DateTimeOffset _issuedAt;

    /// <summary>The cached token, or a fresh one when there is none or it has lived its lifetime.</summary>
    public string Current()
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            if (_token is null || now - _issuedAt >= lifetime)
            {
                _token = Sign(teamId, keyId, key, now);
                _issuedAt = now;
            }

            return _token;
        }
    }

    /// <summary>Forgets <paramref name="token"/> after APNs refused it, so the next send signs a new one.</summary>
    public void Drop(string token)
    {
        lock (_gate)
        {
            if (_token == token)
            {
                _token = null;
            }
        }
    }

    /// <summary>Reads a PKCS#8 (.p8) P-256 private key, PEM or bare base64; throws naming <paramref name="setting"/>.</summary>
    public static ECParameters ReadKey(string text, string setting)
    {
        try
        {
            using var ecdsa = ECDsa.Create();
            if (text.Contains("-----BEGIN", StringComparison.Ordinal))
            {
                ecdsa.ImportFromPem(text);
            }
            else
            {
                ecdsa.ImportPkcs8PrivateKey(Convert.FromBase64String(text.Trim()), out _);
            }

            if (ecdsa.KeySize != 256)
            {
                throw new ProviderConfigurationException($"{setting} must be a P-256 (ES256) key, as Apple issues, not {ecdsa.KeySize} bits");
            }

            return ecdsa.ExportParameters(includePrivateParameters: true);
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException or FormatException)
        {
            throw new ProviderConfigurationException($"{setting} is not a PKCS#8 EC private key (.p8): {ex.Message}");
        }
    }

    public static string Sign(string teamId, string keyId, ECParameters key, DateTimeOffset issuedAt)
    {
        var header = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(new JsonObject { ["alg"] = "ES256", ["kid"] = keyId }.ToJsonString()));
        var claims = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(new JsonObject { ["iss"] = teamId, ["iat"] = issuedAt.ToUnixTimeSeconds() }.ToJsonString()));
        var input = $"{header}.{claims}";
        using var ecdsa = ECDsa.Create(key);
        var signature = ecdsa.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return $"{input}.{Base64Url.EncodeToString(signature)}";
    }
}
