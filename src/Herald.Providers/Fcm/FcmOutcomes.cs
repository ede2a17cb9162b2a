using System.Text.Json;
using Herald.Core.Domain;
using Herald.Providers.Http;

namespace Herald.Providers.Fcm;

/// <summary>
/// Maps <c>messages:send</c> answers to outcomes. Errors are a google.rpc.Status whose details carry an FcmError code
/// (https://firebase.google.com/docs/reference/fcm/rest/v1/ErrorCode).
/// </summary>
internal static class FcmOutcomes
{
    public static DeliveryOutcome Map(HttpCall call, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(call);
        if (!call.Answered)
        {
            return ProviderHttp.Unanswered(call);
        }

        if (call.IsSuccess)
        {
            return new DeliveryOutcome.Sent(Name(call.Body));
        }

        var error = FcmError.Parse(call.Body);
        var reason = $"{call.Code} {error.Code ?? error.Status} {error.Message}".TrimEnd();
        return (error.Code ?? error.Status) switch
        {
            // The app was uninstalled or the token expired: the device should be removed.
            "UNREGISTERED" => new DeliveryOutcome.InvalidTarget(reason),

            // The token belongs to another Firebase project's sender: it can never work for this provider.
            "SENDER_ID_MISMATCH" => new DeliveryOutcome.InvalidTarget(reason),
            "INVALID_ARGUMENT" when error.IsBadToken => new DeliveryOutcome.InvalidTarget(reason),
            "INVALID_ARGUMENT" => new DeliveryOutcome.Rejected(reason),
            "QUOTA_EXCEEDED" or "UNAVAILABLE" or "INTERNAL" => new DeliveryOutcome.Retry(reason, ProviderHttp.RetryAfter(call.Response, time)),

            // The APNs certificate or web push key uploaded to Firebase is missing or invalid.
            "THIRD_PARTY_AUTH_ERROR" => new DeliveryOutcome.Misconfigured(reason),
            _ => ProviderHttp.ByStatus(call, $"{error.Code ?? error.Status} {error.Message}".TrimEnd(), time),
        };
    }

    private static string? Name(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String ? name.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>The parts of a google.rpc.Status error body that matter for mapping.</summary>
internal sealed record FcmError(string? Status, string? Code, string Message, bool IsBadToken)
{
    private const string FcmErrorType = "type.googleapis.com/google.firebase.fcm.v1.FcmError";
    private const string BadRequestType = "type.googleapis.com/google.rpc.BadRequest";

    public static FcmError Parse(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (!doc.RootElement.TryGetProperty("error", out var error) || error.ValueKind != JsonValueKind.Object)
            {
                return new FcmError(null, null, ProviderHttp.Snippet(body), false);
            }

            var message = Text(error, "message") ?? "";
            string? code = null;
            var tokenField = false;
            if (error.TryGetProperty("details", out var details) && details.ValueKind == JsonValueKind.Array)
            {
                foreach (var detail in details.EnumerateArray().Where(d => d.ValueKind == JsonValueKind.Object))
                {
                    var type = Text(detail, "@type");
                    code ??= type == FcmErrorType ? Text(detail, "errorCode") : null;
                    tokenField |= type == BadRequestType && detail.TryGetProperty("fieldViolations", out var violations) && violations.ValueKind == JsonValueKind.Array
                        && violations.EnumerateArray().Any(v => v.ValueKind == JsonValueKind.Object && Text(v, "field") == "message.token");
                }
            }

            // FCM reports a malformed token as INVALID_ARGUMENT, naming the token in the message or in a field violation.
            var badToken = tokenField || message.Contains("registration token", StringComparison.OrdinalIgnoreCase);
            return new FcmError(Text(error, "status"), code, message, badToken);
        }
        catch (JsonException)
        {
            return new FcmError(null, null, ProviderHttp.Snippet(body), false);
        }
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
