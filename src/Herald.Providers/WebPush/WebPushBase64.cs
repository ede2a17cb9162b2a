using System.Buffers.Text;

namespace Herald.Providers.WebPush;

/// <summary>
/// Base64url as Web Push writes keys (RFC 8291 §2, RFC 8292 §3.2): no padding. Decoding also takes padding and the
/// standard alphabet, which some key generators and browsers' older <c>getKey()</c> encoders print.
/// </summary>
internal static class WebPushBase64
{
    public static string Encode(ReadOnlySpan<byte> bytes) => Base64Url.EncodeToString(bytes);

    public static byte[]? TryDecode(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var normalized = text.Trim().TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return Base64Url.IsValid(normalized) ? Base64Url.DecodeFromChars(normalized) : null;
    }
}
