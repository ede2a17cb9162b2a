using System.Text.Json;
using System.Text.Json.Nodes;
using Herald.Core.Domain;
using Herald.Providers.Http;

namespace Herald.Providers.Vonage;

/// <summary>
/// Maps an answer of Vonage's SMS API. Vonage answers HTTP 200 for accepted and refused messages alike; the verdict is
/// each part's <c>messages[].status</c> (https://developer.vonage.com/api-errors/sms).
/// </summary>
internal static class VonageOutcomes
{
    public static DeliveryOutcome Map(HttpCall call, TimeProvider time)
    {
        if (!call.Answered)
        {
            return ProviderHttp.Unanswered(call);
        }

        if (!call.IsSuccess)
        {
            return ProviderHttp.ByStatus(call, ProviderHttp.Snippet(call.Body), time);
        }

        if (Parts(call.Body) is not { Count: > 0 } parts)
        {
            // A 200 without a readable verdict: the message may well have been accepted.
            return new DeliveryOutcome.Unknown($"unreadable SMS API answer: {ProviderHttp.Snippet(call.Body)}");
        }

        // A long text goes out as several parts. Once any part was accepted the recipient gets (some of) it, and a
        // retry would send that part twice, so it counts as sent.
        if (parts.FirstOrDefault(p => p.Status == "0") is { } accepted)
        {
            return new DeliveryOutcome.Sent(accepted.MessageId);
        }

        var failed = parts[0];
        var reason = $"vonage status {failed.Status}: {failed.ErrorText}";
        return failed.Status switch
        {
            "1" or "5" or "10" => new DeliveryOutcome.Retry(reason),                       // throttled, internal error, too many binds
            "7" or "33" => new DeliveryOutcome.InvalidTarget(reason),                     // number barred, number de-activated
            "4" or "8" or "9" or "11" or "14" or "23" or "32" => new DeliveryOutcome.Misconfigured(reason),
            _ => new DeliveryOutcome.Rejected(reason),                                    // 2, 3, 6, 12, 15, 22, 29 and anything undocumented
        };
    }

    private static List<Part>? Parts(string body)
    {
        try
        {
            if (JsonNode.Parse(body)?["messages"] is not JsonArray messages)
            {
                return null;
            }

            return [.. messages.OfType<JsonObject>().Select(m => new Part(Text(m, "status") ?? "", Text(m, "message-id"), Text(m, "error-text")))];
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Vonage sends numbers as strings ("status": "0"), but tolerate JSON numbers too.</summary>
    private static string? Text(JsonObject node, string name) => node[name] switch
    {
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v => v.ToJsonString(),
        _ => null,
    };

    private sealed record Part(string Status, string? MessageId, string? ErrorText);
}
