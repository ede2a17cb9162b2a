using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Herald.Server.Tests.Infrastructure;

/// <summary>Mints JWTs the way a customer's backend would, without Herald's code: base64url, HMAC-SHA256, string concatenation.</summary>
public static class TestJwt
{
    public static string Mint(JsonObject claims, string secret, string header = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}") =>
        Mint(claims, Encoding.UTF8.GetBytes(secret), header);

    public static string Mint(JsonObject claims, byte[] key, string header = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}")
    {
        ArgumentNullException.ThrowIfNull(claims);
        var input = B64(Encoding.UTF8.GetBytes(header)) + "." + B64(Encoding.UTF8.GetBytes(claims.ToJsonString()));
        return input + "." + B64(HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(input)));
    }

    /// <summary>The claims of a token (not verified).</summary>
    public static JsonNode Claims(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        var part = token.Split('.')[1].Replace('-', '+').Replace('_', '/');
        return JsonNode.Parse(Convert.FromBase64String(part.PadRight(part.Length + ((4 - (part.Length % 4)) % 4), '=')))!;
    }

    /// <summary>Seconds since the Unix epoch, <paramref name="from"/> now.</summary>
    public static long At(TimeSpan from) => TimeProvider.System.GetUtcNow().Add(from).ToUnixTimeSeconds();

    private static string B64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
