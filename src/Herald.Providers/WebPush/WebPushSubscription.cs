using System.Text.Json;
using System.Text.Json.Nodes;

namespace Herald.Providers.WebPush;

/// <summary>
/// A browser's PushSubscription as <c>toJSON()</c> gives it and the device registration stores it:
/// <c>{"endpoint":"https://...","keys":{"p256dh":"...","auth":"..."}}</c> (W3C Push API; keys per RFC 8291 §2).
/// </summary>
internal sealed record WebPushSubscription(Uri Endpoint, byte[] P256dh, byte[] Auth)
{
    public static WebPushSubscription? TryParse(string target, out string error)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(target);
        }
        catch (JsonException)
        {
            error = "the target is not PushSubscription JSON";
            return null;
        }

        if (node is not JsonObject subscription || Text(subscription["endpoint"]) is not { } endpoint
            || !Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            error = "the subscription has no absolute http(s) endpoint";
            return null;
        }

        var keys = subscription["keys"] as JsonObject;
        if (WebPushBase64.TryDecode(Text(keys?["p256dh"])) is not { Length: WebPushEncryption.KeyLength } p256dh || p256dh[0] != 0x04)
        {
            error = "keys.p256dh must be a base64url uncompressed P-256 point (65 bytes)";
            return null;
        }

        if (WebPushBase64.TryDecode(Text(keys?["auth"])) is not { Length: WebPushEncryption.AuthSecretLength } auth)
        {
            error = "keys.auth must be a base64url 16-byte secret";
            return null;
        }

        error = "";
        return new WebPushSubscription(uri, p256dh, auth);
    }

    private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}
