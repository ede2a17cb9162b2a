using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Herald.Core.Tracking;
using Herald.Providers.Abstractions;
using Herald.Providers.Email;

namespace Herald.Providers.SendGrid;

/// <summary>
/// SendGrid's Signed Event Webhook: an ECDSA P-256 / SHA-256 signature (base64 DER) in
/// <c>X-Twilio-Email-Event-Webhook-Signature</c> over the UTF-8 of the timestamp header followed by the raw body; the
/// body is a JSON array of events.
/// </summary>
internal sealed class SendGridEventWebhook(byte[]? publicKey)
{
    public const string SignatureHeader = "X-Twilio-Email-Event-Webhook-Signature";
    public const string TimestampHeader = "X-Twilio-Email-Event-Webhook-Timestamp";

    /// <summary>
    /// SendGrid retries a failed post for up to 24 hours and does not document re-signing retries, so a signed timestamp
    /// is accepted for that long (plus clock skew); anything older is a replay.
    /// </summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromHours(24) + TimeSpan.FromMinutes(15);

    private static readonly TimeSpan MaxSkew = TimeSpan.FromMinutes(15);

    /// <summary>Decodes the public key as SendGrid shows it (base64 SubjectPublicKeyInfo DER); null when it is not a P-256 key.</summary>
    public static byte[]? DecodeKey(string base64)
    {
        try
        {
            var spki = Convert.FromBase64String(base64.Trim());
            using var key = ECDsa.Create();
            key.ImportSubjectPublicKeyInfo(spki, out _);
            return key.KeySize == 256 ? spki : null;
        }
        catch (Exception ex) when (ex is FormatException or CryptographicException)
        {
            return null;
        }
    }

    public bool Verifiable => publicKey is not null;

    public CallbackResult Parse(InboundCallback callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        if (publicKey is null)
        {
            return CallbackResult.BadSignature("no WebhookPublicKey is configured; unsigned SendGrid events are refused");
        }

        if (CallbackHeaders.Get(callback, SignatureHeader) is not { Length: > 0 } signature || CallbackHeaders.Get(callback, TimestampHeader) is not { Length: > 0 } timestamp)
        {
            return CallbackResult.BadSignature($"missing {SignatureHeader} or {TimestampHeader}");
        }

        if (!Verify(signature, timestamp, callback.Body))
        {
            return CallbackResult.BadSignature("the event webhook signature does not verify");
        }

        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var unix) || unix > 253402300799)
        {
            return CallbackResult.BadSignature("the signed timestamp is not a Unix time");
        }

        var age = callback.ReceivedAt - DateTimeOffset.FromUnixTimeSeconds(unix);
        if (age > MaxAge || age < -MaxSkew)
        {
            return CallbackResult.BadSignature($"the signed timestamp is {age.TotalMinutes:0} minutes off (replayed or wrong clock)");
        }

        return SendGridEvents.Parse(callback.Body, callback.ReceivedAt);
    }

    /// <summary>A signed post is accepted for <see cref="MaxAge"/> after its timestamp and up to the skew before it.</summary>
    public static TimeSpan ReplayWindow => MaxAge + MaxSkew;

    private bool Verify(string signature, string timestamp, byte[] body)
    {
        try
        {
            var der = Convert.FromBase64String(signature.Trim());
            using var key = ECDsa.Create();
            key.ImportSubjectPublicKeyInfo(publicKey, out _);
            var ts = Encoding.UTF8.GetBytes(timestamp);
            var data = new byte[ts.Length + body.Length];
            ts.CopyTo(data, 0);
            body.CopyTo(data, ts.Length);
            return key.VerifyData(data, der, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (Exception ex) when (ex is FormatException or CryptographicException)
        {
            return false;
        }
    }
}

/// <summary>Maps SendGrid's event objects to tracking events.</summary>
internal static class SendGridEvents
{
    public static CallbackResult Parse(byte[] body, DateTimeOffset receivedAt)
    {
        List<TrackingEvent> events = [];
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind != JsonValueKind.Array)
            {
                return CallbackResult.Malformed("a SendGrid event post is a JSON array");
            }

            foreach (var e in doc.RootElement.EnumerateArray())
            {
                if (e.ValueKind != JsonValueKind.Object || Text(e, "event") is not { } name)
                {
                    return CallbackResult.Malformed("every SendGrid event is an object with an 'event'");
                }

                if (Map(name, e) is { } kind)
                {
                    // sg_event_id is unique per event and kept across SendGrid's retries; an event without one cannot be told from its replay.
                    var replay = Text(e, "sg_event_id") is { } eventId ? new ReplayKey(eventId, SendGridEventWebhook.ReplayWindow) : null;
                    events.Add(new TrackingEvent(kind, Text(e, EmailMessage.DeliveryIdVariable), MessageId(e), Text(e, "email"), Detail(name, e), At(e) ?? receivedAt,
                        Replay: replay));
                }
            }
        }
        catch (JsonException ex)
        {
            return CallbackResult.Malformed($"not JSON: {ex.Message}");
        }

        return new CallbackResult.Accepted(events);
    }

    /// <summary>processed and deferred are steps on the way, not outcomes; unknown kinds are ignored.</summary>
    private static TrackingKind? Map(string name, JsonElement e) => name switch
    {
        "delivered" => TrackingKind.Delivered,
        "bounce" when Text(e, "type") is "blocked" => TrackingKind.Failed,
        "bounce" => TrackingKind.Bounced,
        "dropped" => TrackingKind.Failed,
        "open" => TrackingKind.Opened,
        "click" => TrackingKind.Clicked,
        "spamreport" => TrackingKind.Complained,
        "unsubscribe" => TrackingKind.OptOut,
        _ => null,
    };

    /// <summary>sg_message_id is the X-Message-Id of the send, then ".filter..." added by SendGrid.</summary>
    private static string? MessageId(JsonElement e) => Text(e, "sg_message_id") is { } id ? id.Split('.')[0] : null;

    private static string Detail(string name, JsonElement e) =>
        Text(e, "reason") ?? Text(e, "response") ?? Text(e, "url") ?? (Text(e, "type") is { } type ? $"{name} ({type})" : name);

    private static DateTimeOffset? At(JsonElement e) =>
        e.TryGetProperty("timestamp", out var t) && t.ValueKind == JsonValueKind.Number && t.TryGetInt64(out var unix) && unix is >= 0 and < 253402300799
            ? DateTimeOffset.FromUnixTimeSeconds(unix)
            : null;

    private static string? Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s ? s : null;
}
