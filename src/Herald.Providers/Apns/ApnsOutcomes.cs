using System.Text.Json;
using Herald.Core.Domain;
using Herald.Providers.Http;

namespace Herald.Providers.Apns;

/// <summary>
/// Maps APNs answers ({"reason": ...}, https://developer.apple.com/documentation/usernotifications/handling-notification-responses-from-apns)
/// to outcomes. <c>TokenRefused</c> tells the adapter to drop its cached provider token.
/// </summary>
internal static class ApnsOutcomes
{
    public static (DeliveryOutcome Outcome, bool TokenRefused) Map(HttpCall call, string requestId, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(call);
        if (!call.Answered)
        {
            return (ProviderHttp.Unanswered(call), false);
        }

        if (call.IsSuccess)
        {
            var id = call.Response?.Headers.TryGetValues("apns-id", out var ids) == true ? ids.FirstOrDefault() : null;
            return (new DeliveryOutcome.Sent(id ?? requestId), false);
        }

        var reason = Reason(call.Body);
        var text = $"{call.Code} {reason ?? ProviderHttp.Snippet(call.Body)}".TrimEnd();
        return (call.Code, reason) switch
        {
            (400, "BadDeviceToken" or "DeviceTokenNotForTopic") or (410, _) => (new DeliveryOutcome.InvalidTarget(text), false),

            // The BundleId setting is wrong or not the key's team's: every push would fail the same way.
            (400, "BadTopic" or "MissingTopic" or "TopicDisallowed") => (new DeliveryOutcome.Misconfigured(text), false),

            // Older than an hour (a clock far off, or a token kept too long): a freshly signed one will do.
            (403, "ExpiredProviderToken") => (new DeliveryOutcome.Retry(text), true),
            (403, "InvalidProviderToken") => (new DeliveryOutcome.Misconfigured(text), true),
            (403, _) => (new DeliveryOutcome.Misconfigured(text), false),
            (413, _) => (new DeliveryOutcome.Rejected(text), false),
            (429, _) => (new DeliveryOutcome.Retry(text, ProviderHttp.RetryAfter(call.Response, time), Throttled: true), false),
            (>= 500, _) => (new DeliveryOutcome.Retry(text, ProviderHttp.RetryAfter(call.Response, time)), false),
            _ => (ProviderHttp.ByStatus(call, reason ?? "", time), false),
        };
    }

    private static string? Reason(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("reason", out var r) && r.ValueKind == JsonValueKind.String
                ? r.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
