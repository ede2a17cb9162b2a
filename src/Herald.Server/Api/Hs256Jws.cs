using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Herald.Server.Api;

/// <summary>
/// The compact JWS serialization (RFC 7515 §7.1) with exactly one algorithm, HS256 (HMAC-SHA256, RFC 7518 §3.2): what
/// a JWT library in any language writes for <c>sign(payload, secret, "HS256")</c>. It knows nothing of claims.
/// </summary>
/// <remarks>
/// Hand-rolled rather than Microsoft.IdentityModel.JsonWebTokens because the whole job is ~60 lines and a verifier that
/// knows one algorithm cannot be talked into another: no <c>alg: none</c>, no RSA/HMAC confusion, no <c>jku</c>/<c>kid</c>
/// fetching, no JWE. Tested against the RFC 7515 A.1 / RFC 7519 §3.1 example.
/// </remarks>
internal static class Hs256Jws
{
    /// <summary>Longest token read (a Herald token is ~250 characters); longer ones are refused before any decoding.</summary>
    public const int MaxLength = 4096;

    private static readonly byte[] Header = Encoding.UTF8.GetBytes(Base64Url.EncodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}"u8));

    /// <summary>A verified-or-not token taken apart: its payload (UTF-8 JSON), the bytes signed and the signature.</summary>
    internal sealed record Parts(byte[] Payload, byte[] SigningInput, byte[] Signature);

    public static string Sign(ReadOnlySpan<byte> payload, ReadOnlySpan<byte> key)
    {
        var signingInput = new byte[Header.Length + 1 + Base64Url.GetEncodedLength(payload.Length)];
        Header.CopyTo(signingInput, 0);
        signingInput[Header.Length] = (byte)'.';
        Base64Url.EncodeToUtf8(payload, signingInput.AsSpan(Header.Length + 1));
        return Encoding.ASCII.GetString(signingInput) + "." + Base64Url.EncodeToString(HMACSHA256.HashData(key, signingInput));
    }

    /// <summary>
    /// The parts of a compact JWS whose header says HS256 (and nothing this verifier would have to understand), or null
    /// when the text is not one: wrong part count, not base64url, padding, a header that is not such a JSON object.
    /// </summary>
    public static Parts? Parse(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (token.Length is 0 or > MaxLength)
        {
            return null;
        }

        var first = token.IndexOf('.', StringComparison.Ordinal);
        var second = first < 0 ? -1 : token.IndexOf('.', first + 1);
        if (first <= 0 || second <= first + 1 || second == token.Length - 1 || token.IndexOf('.', second + 1) >= 0)
        {
            return null;
        }

        var header = Decode(token.AsSpan(0, first));
        var payload = Decode(token.AsSpan(first + 1, second - first - 1));
        var signature = Decode(token.AsSpan(second + 1));
        if (header is null || payload is null || signature is not { Length: 32 } || !IsHs256Header(header))
        {
            return null;
        }

        return new Parts(payload, Encoding.ASCII.GetBytes(token[..second]), signature);
    }

    /// <summary>Whether <paramref name="parts"/> were signed with <paramref name="key"/> (compared in fixed time).</summary>
    public static bool Verify(Parts parts, ReadOnlySpan<byte> key)
    {
        ArgumentNullException.ThrowIfNull(parts);
        return CryptographicOperations.FixedTimeEquals(HMACSHA256.HashData(key, parts.SigningInput), parts.Signature);
    }

    private static byte[]? Decode(ReadOnlySpan<char> part)
    {
        // RFC 7515 §2: base64url without padding; anything else (padding, '+', '/', spaces, NUL) is not a JWS.
        foreach (var c in part)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not '-' and not '_')
            {
                return null;
            }
        }

        try
        {
            return Base64Url.DecodeFromChars(part);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>A JSON object whose <c>alg</c> is HS256, whose <c>typ</c> (optional) is JWT, and with no <c>crit</c> (RFC 7515 §4.1.11: unknown critical extensions must be refused).</summary>
    private static bool IsHs256Header(byte[] header)
    {
        try
        {
            using var json = JsonDocument.Parse(header);
            var root = json.RootElement;
            return root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("alg", out var alg) && alg.ValueKind == JsonValueKind.String && alg.ValueEquals("HS256")
                && (!root.TryGetProperty("typ", out var typ) || (typ.ValueKind == JsonValueKind.String && string.Equals(typ.GetString(), "JWT", StringComparison.OrdinalIgnoreCase)))
                && !root.TryGetProperty("crit", out _);
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
