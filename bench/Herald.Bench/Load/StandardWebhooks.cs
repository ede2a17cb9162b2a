using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Herald.Bench.Load;

/// <summary>
/// The receiving side of Standard Webhooks 1.0 symmetric signatures, written here from the spec rather than borrowed from
/// Herald's signer, so that the benchmark checks Herald instead of agreeing with it: the signed content is
/// <c>webhook-id + "." + webhook-timestamp + "." + body</c> (the body byte for byte as received), the key is the
/// base64-decoded secret without its <c>whsec_</c> prefix, and <c>webhook-signature</c> holds space-delimited
/// <c>v1,base64(HMAC-SHA256)</c> entries of which one must match.
/// </summary>
internal static class StandardWebhooks
{
    /// <summary>How far the timestamp may be from the receiver's clock, either way (the reference libraries' 5 minutes).</summary>
    public const int ToleranceSeconds = 300;

    private const string SecretPrefix = "whsec_";

    /// <summary>The HMAC key of a secret, with or without its <c>whsec_</c> prefix.</summary>
    /// <exception cref="FormatException">The secret is not base64.</exception>
    public static byte[] Key(string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        return Convert.FromBase64String(secret.StartsWith(SecretPrefix, StringComparison.Ordinal) ? secret[SecretPrefix.Length..] : secret);
    }

    /// <summary>
    /// True when every header is present, the timestamp is within <see cref="ToleranceSeconds"/> of
    /// <paramref name="nowUnixSeconds"/> and one <c>v1</c> signature matches (compared in constant time).
    /// </summary>
    public static bool Verify(byte[] key, string? id, string? timestamp, ReadOnlySpan<byte> body, string? signatures, long nowUnixSeconds)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (string.IsNullOrEmpty(id) || string.IsNullOrEmpty(signatures)
            || !long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var at)
            || Math.Abs(nowUnixSeconds - at) > ToleranceSeconds)
        {
            return false;
        }

        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
        hmac.AppendData(Encoding.UTF8.GetBytes($"{id}.{timestamp}."));
        hmac.AppendData(body);
        Span<byte> expected = stackalloc byte[32];
        hmac.GetHashAndReset(expected);
        Span<byte> candidate = stackalloc byte[32];
        foreach (var entry in signatures.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            // Other versions (v1a, asymmetric) are not ours to check; a malformed entry cannot match.
            if (entry.StartsWith("v1,", StringComparison.Ordinal)
                && Convert.TryFromBase64String(entry[3..], candidate, out var written)
                && written == candidate.Length
                && CryptographicOperations.FixedTimeEquals(expected, candidate))
            {
                return true;
            }
        }

        return false;
    }
}
