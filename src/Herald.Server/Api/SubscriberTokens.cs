using System.Security.Cryptography;
using System.Text;

namespace Herald.Server.Api;

/// <summary>End users reach their own feed with a hex HMAC-SHA256 of their user id under the server's secret.</summary>
internal sealed class SubscriberTokens(byte[] secret)
{
    public string For(string userId) => Convert.ToHexString(HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes(userId))).ToLowerInvariant();

    public bool IsValid(string userId, string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(For(userId));
        var given = Encoding.ASCII.GetBytes(token.ToLowerInvariant());
        return CryptographicOperations.FixedTimeEquals(expected, given);
    }
}
