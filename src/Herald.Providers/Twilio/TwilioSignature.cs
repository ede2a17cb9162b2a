using System.Security.Cryptography;
using System.Text;

namespace Herald.Providers.Twilio;

/// <summary>
/// Twilio's webhook signature (<c>X-Twilio-Signature</c>): base64 of HMAC-SHA1 keyed with the account's auth token over
/// the full URL Twilio called followed by every POST parameter, sorted by name, as name + value with no separators.
/// </summary>
internal static class TwilioSignature
{
    public static string Compute(string authToken, string url, IEnumerable<KeyValuePair<string, string>> parameters) =>
        Convert.ToBase64String(Hash(authToken, url, parameters));

    /// <summary>
    /// True when <paramref name="signature"/> matches. The URL is tried as received and with the scheme's default port
    /// written out, because Twilio signs the URL exactly as it was configured and either form may reach us.
    /// </summary>
    public static bool IsValid(string authToken, Uri url, IReadOnlyList<KeyValuePair<string, string>> parameters, string signature)
    {
        byte[] expected;
        try
        {
            expected = Convert.FromBase64String(signature);
        }
        catch (FormatException)
        {
            return false;
        }

        foreach (var candidate in Candidates(url))
        {
            if (CryptographicOperations.FixedTimeEquals(Hash(authToken, candidate, parameters), expected))
            {
                return true;
            }
        }

        return false;
    }

    private static HashSet<string> Candidates(Uri url)
    {
        var candidates = new HashSet<string>(StringComparer.Ordinal) { url.OriginalString, url.AbsoluteUri };
        if (url.IsDefaultPort)
        {
            candidates.Add($"{url.Scheme}://{url.Authority}:{url.Port}{url.PathAndQuery}");
        }

        return candidates;
    }

    private static byte[] Hash(string authToken, string url, IEnumerable<KeyValuePair<string, string>> parameters)
    {
        var data = new StringBuilder(url);
        foreach (var (key, value) in parameters.OrderBy(p => p.Key, StringComparer.Ordinal).ThenBy(p => p.Value, StringComparer.Ordinal))
        {
            data.Append(key).Append(value);
        }

#pragma warning disable CA5350 // Twilio defines the signature as HMAC-SHA1; we verify it, we do not choose it.
        return HMACSHA1.HashData(Encoding.UTF8.GetBytes(authToken), Encoding.UTF8.GetBytes(data.ToString()));
#pragma warning restore CA5350
    }
}
