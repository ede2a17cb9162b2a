using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Herald.Core.Domain;
using Herald.Providers.Abstractions;
using Herald.Providers.Http;

namespace Herald.Providers.Twilio;

/// <summary>
/// Confirmation for Twilio: the current status of one message we sent, fetched by the SID Twilio gave us
/// (<c>GET /2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json</c>), for a delivery whose status callback never came.
/// </summary>
/// <remarks>
/// <c>delivered</c> and <c>read</c> are delivered (<c>partially_delivered</c> too: part of it reached the handset, and a
/// resend would duplicate that part); <c>undelivered</c> and <c>failed</c> are failures, permanent for the error codes a
/// status callback treats as permanent, and <c>canceled</c> is permanent; every other status of Twilio's
/// <c>message_enum_status</c> (queued, accepted, scheduled, sending, sent, ...) is still on its way. 404 is a message
/// Twilio does not have (deleted, or another account); any other failure to answer is asked again later.
/// </remarks>
internal sealed class TwilioMessageStatus(ProviderContext context, string baseUrl, string accountSid, Action<HttpRequestMessage> authorize)
{
    public async Task<ProviderStatusAnswer> FetchAsync(Delivery delivery, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        if (delivery.ProviderMessageId is not { Length: > 0 } sid)
        {
            return ProviderStatusAnswer.CannotAsk;
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, $"{baseUrl}/2010-04-01/Accounts/{accountSid}/Messages/{Uri.EscapeDataString(sid)}.json");
        authorize(request);
        var call = await ProviderHttp.SendAsync(context.Http, request, context.Timeout, ct);
        using (call.Response)
        {
            if (!call.Answered)
            {
                return new ProviderStatusAnswer.Unanswered($"twilio did not answer: {call.Failure}");
            }

            if (call.Code == 404)
            {
                return ProviderStatusAnswer.NotFound;
            }

            if (!call.IsSuccess)
            {
                var (code, message) = TwilioOutcomes.Error(call.Body);
                return new ProviderStatusAnswer.Unanswered(code is { } c ? $"{call.Code} twilio {c}: {message}" : $"{call.Code} {ProviderHttp.Snippet(call.Body)}");
            }

            return Map(call.Body);
        }
    }

    public static ProviderStatusAnswer Map(string body)
    {
        JsonNode? message;
        try
        {
            message = JsonNode.Parse(body);
        }
        catch (JsonException)
        {
            return new ProviderStatusAnswer.Unanswered("unreadable twilio message resource");
        }

        var status = message?["status"] is JsonValue s && s.TryGetValue<string>(out var v) ? v : null;
        var error = message?["error_code"] is JsonValue e
            ? e.TryGetValue<int>(out var n) ? n.ToString(CultureInfo.InvariantCulture) : e.TryGetValue<string>(out var t) ? t : null
            : null;
        return status switch
        {
            null => new ProviderStatusAnswer.Unanswered("twilio message resource without a status"),
            "delivered" or "read" or "partially_delivered" => new ProviderStatusAnswer.Delivered(status),
            "undelivered" or "failed" or "canceled" => new ProviderStatusAnswer.Failed(error is null ? status : $"{status}: twilio error {error}",
                status == "canceled" || (error is not null && TwilioCallbacks.PermanentErrors.Contains(error))),
            _ => new ProviderStatusAnswer.Pending(status),
        };
    }
}
