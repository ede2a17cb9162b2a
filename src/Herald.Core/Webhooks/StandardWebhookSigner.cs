using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Herald.Core.Webhooks;

/// <summary>
/// Symmetric (HMAC-SHA256, <c>v1</c>) signatures per Standard Webhooks 1.0:
/// <c>v1,base64(HMAC-SHA256(key, msgId + "." + timestamp + "." + payload))</c>, where the key is the
/// base64-decoded secret without its <c>whsec_</c> prefix.
/// </summary>
public static class StandardWebhookSigner
{
    private const string SecretPrefix = "whsec_";
    private const string Version = "v1";
    private const int SecretBytes = 24;

    /// <summary>Returns the <c>webhook-signature</c> header value for one message.</summary>
    /// <exception cref="FormatException">The secret is not base64 (after the optional <c>whsec_</c> prefix).</exception>
    public static string Sign(string secret, string messageId, long timestamp, string payload) =>
        Version + "," + Convert.ToBase64String(ComputeHash(secret, messageId, timestamp, payload));

    /// <summary>
    /// True when <paramref name="timestamp"/> lies within <paramref name="toleranceSeconds"/> of
    /// <paramref name="nowUnixSeconds"/> and any <c>v1</c> signature in the space-delimited
    /// <paramref name="signatureHeader"/> matches (compared in constant time).
    /// </summary>
    /// <exception cref="FormatException">The secret is not base64 (after the optional <c>whsec_</c> prefix).</exception>
    public static bool Verify(
        string secret,
        string messageId,
        long timestamp,
        string payload,
        string signatureHeader,
        long nowUnixSeconds,
        int toleranceSeconds = 300)
    {
        ArgumentNullException.ThrowIfNull(signatureHeader);
        if (timestamp < nowUnixSeconds - toleranceSeconds || timestamp > nowUnixSeconds + toleranceSeconds)
        {
            return false;
        }

        byte[] expected = ComputeHash(secret, messageId, timestamp, payload);
        Span<byte> candidate = stackalloc byte[HMACSHA256.HashSizeInBytes];
        foreach (string entry in signatureHeader.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            int comma = entry.IndexOf(',', StringComparison.Ordinal);
            if (comma < 0 || !entry.AsSpan(0, comma).SequenceEqual(Version))
            {
                continue;
            }

            // A signature that does not decode to exactly one HMAC-SHA256 cannot match; skip it.
            if (Convert.TryFromBase64String(entry[(comma + 1)..], candidate, out int written)
                && written == candidate.Length
                && CryptographicOperations.FixedTimeEquals(expected, candidate))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A new secret: <c>whsec_</c> followed by base64 of 24 cryptographically random bytes.</summary>
    public static string GenerateSecret() =>
        SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(SecretBytes));

    private static byte[] ComputeHash(string secret, string messageId, long timestamp, string payload)
    {
        ArgumentNullException.ThrowIfNull(secret);
        ArgumentNullException.ThrowIfNull(messageId);
        ArgumentNullException.ThrowIfNull(payload);

        string encodedKey = secret.StartsWith(SecretPrefix, StringComparison.Ordinal) ? secret[SecretPrefix.Length..] : secret;
        byte[] key = Convert.FromBase64String(encodedKey);
        string content = string.Create(CultureInfo.InvariantCulture, $"{messageId}.{timestamp}.{payload}");
        return HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(content));
    }
}
