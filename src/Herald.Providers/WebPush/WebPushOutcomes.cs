using System.Text.Json;
using Herald.Core.Domain;
using Herald.Providers.Http;

namespace Herald.Providers.WebPush;

/// <summary>
/// Push service answers (RFC 8030 §5, RFC 8292 §4.2, the autopush and FCM error codes) as outcomes. 404 and 410 mean the
/// subscription is gone for good (expired, unsubscribed, permission revoked), so the device is removed.
/// </summary>
internal static class WebPushOutcomes
{
    public static DeliveryOutcome Map(HttpCall call, Delivery delivery, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(delivery);
        var detail = Detail(call.Body);
        return call.Code switch
        {
            // RFC 8030 §5 answers 201 with the push message resource in Location; some services answer 200 without it.
            >= 200 and < 300 => new DeliveryOutcome.Sent(call.Response?.Headers.Location?.ToString() ?? delivery.Id),
            404 or 410 => new DeliveryOutcome.InvalidTarget($"{call.Code} push subscription is gone: {detail}".TrimEnd(' ', ':')),
            413 => new DeliveryOutcome.Rejected($"413 payload too large (push services take {WebPushEncryption.RecordSize} bytes, "
                + $"{WebPushEncryption.MaxPlaintext} of JSON): {detail}".TrimEnd(' ', ':')),
            401 or 403 => new DeliveryOutcome.Misconfigured($"{call.Code} VAPID authorization refused: {detail}".TrimEnd(' ', ':')),
            _ => ProviderHttp.ByStatus(call, detail, time),
        };
    }

    /// <summary>The autopush <c>message</c> with its <c>errno</c> when the body is its JSON error, else the body's start.</summary>
    private static string Detail(string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            if (json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("message", out var message))
            {
                var errno = json.RootElement.TryGetProperty("errno", out var e) ? $"errno {e} " : "";
                return $"{errno}{message}";
            }
        }
        catch (JsonException)
        {
            // Not JSON (FCM and Apple answer plain text or their own JSON): the raw start of the body will do.
        }

        return ProviderHttp.Snippet(body.Trim());
    }
}
