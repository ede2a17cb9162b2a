using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Herald.Core.Tracking;
using Herald.Providers.Abstractions;
using Herald.Providers.Email;

namespace Herald.Providers.Mailgun;

/// <summary>
/// Mailgun's webhook post: <c>{"signature":{"timestamp","token","signature"},"event-data":{...}}</c>, where signature is
/// the hex HMAC-SHA256 of timestamp + token under the domain's webhook signing key.
/// </summary>
internal sealed class MailgunWebhook(byte[]? signingKey)
{
    /// <summary>Older signed timestamps are refused as replays.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(15);

    /// <summary>A signed timestamp is fresh from <see cref="MaxAge"/> ahead of the clock to as long behind it.</summary>
    public static readonly TimeSpan ReplayWindow = MaxAge + MaxAge;

    public bool Verifiable => signingKey is not null;

    public CallbackResult Parse(InboundCallback callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        if (signingKey is not { } key)
        {
            return CallbackResult.BadSignature("no WebhookSigningKey is configured; unsigned Mailgun webhooks are refused");
        }

        try
        {
            using var doc = JsonDocument.Parse(callback.Body);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("signature", out var sig) || sig.ValueKind != JsonValueKind.Object)
            {
                return CallbackResult.BadSignature("the webhook carries no signature object");
            }

            if (Verify(sig, key, callback.ReceivedAt) is { } refused)
            {
                return refused;
            }

            if (!root.TryGetProperty("event-data", out var data) || data.ValueKind != JsonValueKind.Object)
            {
                return CallbackResult.Malformed("the webhook has no event-data object");
            }

            // The signature covers timestamp and token, not event-data: each token is used once, whatever the event.
            var replay = new ReplayKey(Text(sig, "token")!, ReplayWindow);
            var parsed = MailgunEvents.Parse(data, callback.ReceivedAt);
            return parsed is CallbackResult.Accepted accepted ? new CallbackResult.Accepted([.. accepted.Events.Select(e => e with { Replay = replay })], replay) : parsed;
        }
        catch (JsonException ex)
        {
            return CallbackResult.Malformed($"not JSON: {ex.Message}");
        }
    }

    private static CallbackResult? Verify(JsonElement sig, byte[] key, DateTimeOffset receivedAt)
    {
        if (Text(sig, "timestamp") is not { } timestamp || Text(sig, "token") is not { } token || Text(sig, "signature") is not { } signature)
        {
            return CallbackResult.BadSignature("the signature object needs timestamp, token and signature");
        }

        var expected = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(timestamp + token));
        byte[] given;
        try
        {
            given = Convert.FromHexString(signature);
        }
        catch (FormatException)
        {
            return CallbackResult.BadSignature("the signature is not hex");
        }

        if (!CryptographicOperations.FixedTimeEquals(expected, given))
        {
            return CallbackResult.BadSignature("the webhook signature does not verify");
        }

        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var unix) || unix > 253402300799)
        {
            return CallbackResult.BadSignature("the signed timestamp is not a Unix time");
        }

        var age = receivedAt - DateTimeOffset.FromUnixTimeSeconds(unix);
        return age > MaxAge || age < -MaxAge
            ? CallbackResult.BadSignature($"the signed timestamp is {age.TotalMinutes:0} minutes off (replayed or wrong clock)")
            : null;
    }

    internal static string? Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s ? s : null;
}

/// <summary>Maps one Mailgun event-data object to tracking events.</summary>
internal static class MailgunEvents
{
    public static CallbackResult Parse(JsonElement data, DateTimeOffset receivedAt)
    {
        if (MailgunWebhook.Text(data, "event") is not { } name)
        {
            return CallbackResult.Malformed("event-data has no event");
        }

        if (Map(name, data) is not { } kind)
        {
            return new CallbackResult.Accepted([]);
        }

        var deliveryId = data.TryGetProperty("user-variables", out var vars) && vars.ValueKind == JsonValueKind.Object
            ? MailgunWebhook.Text(vars, EmailMessage.DeliveryIdVariable)
            : null;
        var messageId = data.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.Object
            && m.TryGetProperty("headers", out var h) && h.ValueKind == JsonValueKind.Object
            ? MailgunWebhook.Text(h, "message-id")?.Trim('<', '>')
            : null;
        var at = data.TryGetProperty("timestamp", out var t) && t.ValueKind == JsonValueKind.Number && t.TryGetDouble(out var unix) && unix is >= 0 and < 253402300799
            ? DateTimeOffset.FromUnixTimeMilliseconds((long)(unix * 1000))
            : receivedAt;
        return new CallbackResult.Accepted([new TrackingEvent(kind, deliveryId, messageId, MailgunWebhook.Text(data, "recipient"), Detail(name, data), at)]);
    }

    /// <summary>
    /// failed/permanent is a hard bounce, except reason "old" (Mailgun gave up retrying: the address is not at fault);
    /// failed/temporary is a retry at Mailgun's side, not an outcome. accepted, rejected and stored are ignored.
    /// </summary>
    private static TrackingKind? Map(string name, JsonElement data) => name switch
    {
        "delivered" => TrackingKind.Delivered,
        "failed" when MailgunWebhook.Text(data, "severity") is "permanent" =>
            MailgunWebhook.Text(data, "reason") is "old" ? TrackingKind.Failed : TrackingKind.Bounced,
        "opened" => TrackingKind.Opened,
        "clicked" => TrackingKind.Clicked,
        "complained" => TrackingKind.Complained,
        "unsubscribed" => TrackingKind.OptOut,
        _ => null,
    };

    private static string Detail(string name, JsonElement data)
    {
        if (data.TryGetProperty("delivery-status", out var status) && status.ValueKind == JsonValueKind.Object
            && (MailgunWebhook.Text(status, "description") ?? MailgunWebhook.Text(status, "message")) is { } text)
        {
            return text;
        }

        return MailgunWebhook.Text(data, "url") ?? (MailgunWebhook.Text(data, "reason") is { } reason ? $"{name} ({reason})" : name);
    }
}
