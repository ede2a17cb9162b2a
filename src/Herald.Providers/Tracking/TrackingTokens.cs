using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Herald.Providers.Tracking;

/// <summary>What a tracking link stands for.</summary>
public enum TrackingLink
{
    Open,
    Click,
    Unsubscribe,
}

/// <summary>
/// Signed, tamper-proof tracking tokens: base64url(kind|delivery|url) "." base64url(first 16 bytes of HMAC-SHA256).
/// A click token names the one link it may redirect to, so the click endpoint is no open redirect.
/// </summary>
public sealed class TrackingTokens
{
    /// <summary>The HMAC key, set at start (Herald:Security:TrackingSecret or a generated one kept in the store).</summary>
    public byte[] Secret { get; set; } = [];

    public string Create(TrackingLink kind, string deliveryId, string? url = null)
    {
        ArgumentNullException.ThrowIfNull(deliveryId);
        var payload = Encoding.UTF8.GetBytes($"{Code(kind)}|{deliveryId}|{url}");
        return $"{Base64Url.EncodeToString(payload)}.{Base64Url.EncodeToString(Mac(payload))}";
    }

    /// <summary>Verifies and opens a token of the expected kind; false for anything forged, truncated or of another kind.</summary>
    public bool TryOpen(string? token, TrackingLink kind, out string deliveryId, out string? url)
    {
        deliveryId = "";
        url = null;
        if (string.IsNullOrEmpty(token) || token.Split('.') is not [var body, var mac] || Secret.Length == 0)
        {
            return false;
        }

        byte[] payload, given;
        try
        {
            payload = Base64Url.DecodeFromChars(body);
            given = Base64Url.DecodeFromChars(mac);
        }
        catch (FormatException)
        {
            return false;
        }

        if (!CryptographicOperations.FixedTimeEquals(Mac(payload), given))
        {
            return false;
        }

        var parts = Encoding.UTF8.GetString(payload).Split('|', 3);
        if (parts.Length != 3 || parts[0] != Code(kind) || parts[1].Length == 0)
        {
            return false;
        }

        deliveryId = parts[1];
        url = parts[2].Length == 0 ? null : parts[2];
        return true;
    }

    private byte[] Mac(byte[] payload) => HMACSHA256.HashData(Secret, payload)[..16];

    private static string Code(TrackingLink kind) => kind switch
    {
        TrackingLink.Open => "o",
        TrackingLink.Click => "c",
        _ => "u",
    };
}
