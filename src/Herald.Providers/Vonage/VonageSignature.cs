using System.Security.Cryptography;
using System.Text;

namespace Herald.Providers.Vonage;

/// <summary>
/// Vonage's signed SMS webhooks (https://developer.vonage.com/getting-started/concepts/signing-messages): every
/// parameter but <c>sig</c>, sorted by name, concatenated as <c>&amp;name=value</c> with any <c>&amp;</c> or <c>=</c>
/// in names and values replaced by <c>_</c>, then HMAC-keyed with the account's signature secret and hex-encoded
/// (upper case). Only the HMAC-SHA256 and HMAC-SHA512 methods are supported; the legacy MD5 variants are not.
/// </summary>
internal static class VonageSignature
{
    public static readonly string[] Methods = ["sha256", "sha512"];

    public static string Compute(string secret, string method, IEnumerable<KeyValuePair<string, string>> parameters) =>
        Convert.ToHexString(Hash(secret, method, parameters));

    public static bool IsValid(string secret, string method, IEnumerable<KeyValuePair<string, string>> parameters, string signature)
    {
        byte[] expected;
        try
        {
            expected = Convert.FromHexString(signature);
        }
        catch (FormatException)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Hash(secret, method, parameters), expected);
    }

    private static byte[] Hash(string secret, string method, IEnumerable<KeyValuePair<string, string>> parameters)
    {
        var data = new StringBuilder();
        foreach (var (key, value) in parameters.Where(p => p.Key != "sig").OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            data.Append('&').Append(Clean(key)).Append('=').Append(Clean(value));
        }

        var (k, d) = (Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(data.ToString()));
        return method == "sha512" ? HMACSHA512.HashData(k, d) : HMACSHA256.HashData(k, d);
    }

    private static string Clean(string s) => s.Replace('&', '_').Replace('=', '_');
}
