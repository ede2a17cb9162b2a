using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Herald.Core.Domain;
using Herald.Providers.Abstractions;
using Herald.Providers.Http;

namespace Herald.Providers.Twilio;

/// <summary>
/// Reconciliation for Twilio: is a delivery whose send outcome is unknown among the account's messages?
/// </summary>
/// <remarks>
/// Twilio's Message resource has no field that carries a caller's reference: our delivery id only travels in the
/// StatusCallback URL, which the resource does not expose. So a message is matched on what identifies this delivery
/// among the recipient's messages: the same <c>to</c>, the same <c>body</c> (the rendered content of exactly this
/// delivery, so another notification to the same number differs) and a <c>date_created</c> no earlier than one minute
/// before the delivery was created (clock skew between us and Twilio). The listing is narrowed server-side with
/// <c>To</c> only and paged (newest first) through <c>next_page_uri</c> until a page reaches messages created before
/// that time. It deliberately does not filter on <c>DateSent</c>: Twilio sets <c>date_sent</c> only once a message leaves
/// its queue, so a <c>DateSent</c> filter would hide exactly the message that was accepted but is still queued (a long
/// code sends 1/s), and the reconciler would resend it. Two deliveries with identical text to the same number within that window are indistinguishable here; both then
/// count as found, which errs towards not sending a duplicate.
/// </remarks>
internal sealed class TwilioMessageSearch(ProviderContext context, string baseUrl, string accountSid, Action<HttpRequestMessage> authorize)
{
    private const int MaxPages = 20;
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Found: Twilio holds the message; not found: the listing completed without it; unanswered: a page failed (5xx,
    /// timeout, unreadable), so asking again later can still tell; cannot ask: the listing is too long to page through.
    /// </summary>
    public async Task<LookUpAnswer> ContainsAsync(Delivery delivery, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        if (Body(delivery) is not { } body)
        {
            return LookUpAnswer.NotFound; // Nothing without a body was ever sent.
        }

        var notBefore = delivery.CreatedAt - ClockSkew;
        string? next = $"/2010-04-01/Accounts/{accountSid}/Messages.json?To={Uri.EscapeDataString(delivery.Target)}&PageSize=100";
        for (var page = 0; page < MaxPages && next is not null; page++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, baseUrl + next);
            authorize(request);
            var call = await ProviderHttp.SendAsync(context.Http, request, context.Timeout, ct);
            using (call.Response)
            {
                if (!call.IsSuccess || Page(call.Body) is not { } listing)
                {
                    return LookUpAnswer.Unanswered;
                }

                if (listing.Messages.Any(m => Matches(m, delivery.Target, body, notBefore)))
                {
                    return LookUpAnswer.Found;
                }

                // Newest first: once a page holds a message older than the delivery, later pages cannot hold it.
                next = listing.Messages.Any(m => Created(m) is { } created && created < notBefore) ? null : listing.Next;
            }
        }

        return next is null ? LookUpAnswer.NotFound : LookUpAnswer.CannotAsk;
    }

    /// <summary>The <c>body</c> of the rendered SMS content, or null when there is none.</summary>
    public static string? Body(Delivery delivery)
    {
        try
        {
            return JsonNode.Parse(delivery.Content)?["body"] is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0 ? s : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static (IReadOnlyList<JsonNode> Messages, string? Next)? Page(string json)
    {
        try
        {
            if (JsonNode.Parse(json) is not JsonObject page || page["messages"] is not JsonArray messages)
            {
                return null;
            }

            // Only a path on the same host is followed: the request carries our credentials.
            var next = Text(page, "next_page_uri") is { } uri && uri.StartsWith('/') && !uri.StartsWith("//", StringComparison.Ordinal) ? uri : null;
            return ([.. messages.OfType<JsonNode>()], next);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static bool Matches(JsonNode message, string to, string body, DateTimeOffset notBefore) =>
        Text(message, "to") == to
        && Text(message, "body") == body
        && (Text(message, "direction") ?? "outbound-api").StartsWith("outbound", StringComparison.Ordinal)
        && (Created(message) is not { } created || created >= notBefore);

    private static DateTimeOffset? Created(JsonNode message) =>
        DateTimeOffset.TryParse(Text(message, "date_created"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var created) ? created : null;

    private static string? Text(JsonNode node, string name) => node[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}
