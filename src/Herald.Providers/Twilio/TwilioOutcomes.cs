using System.Text.Json;
using System.Text.Json.Nodes;
using Herald.Core.Domain;
using Herald.Providers.Http;

namespace Herald.Providers.Twilio;

/// <summary>Maps an answer of <c>POST .../Messages.json</c> to an outcome using Twilio's documented error codes.</summary>
internal static class TwilioOutcomes
{
    public static DeliveryOutcome Map(HttpCall call, TimeProvider time)
    {
        if (!call.Answered)
        {
            return ProviderHttp.Unanswered(call);
        }

        if (call.IsSuccess)
        {
            return new DeliveryOutcome.Sent(StringField(call.Body, "sid"));
        }

        var (code, message) = Error(call.Body);
        var detail = code is { } c ? $"twilio {c}: {message}" : ProviderHttp.Snippet(call.Body);
        var reason = $"{call.Code} {detail}";
        if (call.Code >= 500)
        {
            return ProviderHttp.ByStatus(call, detail, time);
        }

        return code switch
        {
            TwilioErrorCodes.Unsubscribed or TwilioErrorCodes.NotMobile => new DeliveryOutcome.InvalidTarget(reason),
            TwilioErrorCodes.InvalidToNumber or TwilioErrorCodes.RegionNotEnabled or TwilioErrorCodes.NotReachable
                or TwilioErrorCodes.UnverifiedTrialNumber or TwilioErrorCodes.BodyTooLong => new DeliveryOutcome.Rejected(reason),
            TwilioErrorCodes.Authenticate or TwilioErrorCodes.AccountNotActive or TwilioErrorCodes.NotFound
                or TwilioErrorCodes.InvalidFromNumber => new DeliveryOutcome.Misconfigured(reason),
            TwilioErrorCodes.TooManyRequests => new DeliveryOutcome.Retry(reason, ProviderHttp.RetryAfter(call.Response, time), Throttled: true),
            _ => ProviderHttp.ByStatus(call, detail, time),
        };
    }

    /// <summary>Twilio's error body: <c>{"code": 21211, "message": "...", "more_info": "...", "status": 400}</c>.</summary>
    public static (int? Code, string? Message) Error(string body)
    {
        try
        {
            var node = JsonNode.Parse(body);
            var code = node?["code"] is JsonValue v && v.TryGetValue<int>(out var c) ? c : (int?)null;
            return (code, node?["message"] is JsonValue m && m.TryGetValue<string>(out var s) ? s : null);
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    private static string? StringField(string body, string name)
    {
        try
        {
            return JsonNode.Parse(body)?[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
