using System.Collections.Frozen;
using Herald.Core.Tracking;
using Herald.Providers.Abstractions;

namespace Herald.Providers.Twilio;

/// <summary>
/// Parses what Twilio posts to a provider's webhook: message status callbacks (they carry <c>MessageStatus</c>) and
/// inbound messages (they carry <c>Body</c> and no <c>MessageStatus</c>), both signed with <c>X-Twilio-Signature</c>.
/// </summary>
internal static class TwilioCallbacks
{
    /// <summary>The query parameter of our StatusCallback URL that carries the delivery id.</summary>
    public const string DeliveryIdParameter = "herald_delivery_id";

    /// <summary>Twilio's default opt-out keywords (Twilio itself blocks the number after one of them).</summary>
    private static readonly FrozenSet<string> OptOutKeywords =
        new[] { "STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT" }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Delivery errors no resend fixes (Twilio's error dictionary): 30004 message blocked, 30005 unknown destination,
    /// 30006 landline or unreachable carrier, 30007 carrier filtering, 21610 unsubscribed recipient. Others (30003
    /// unreachable handset, 30008 unknown error, queue overflow) are retried.
    /// </summary>
    internal static readonly FrozenSet<string> PermanentErrors = new[] { "30004", "30005", "30006", "30007", "21610" }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>
    /// How long a status callback is remembered. Twilio signs no timestamp, so a replay is only recognised while its
    /// receipt is kept; a replayed status after that moves nothing backwards (statuses only move forward).
    /// </summary>
    public static readonly TimeSpan StatusReplayWindow = TimeSpan.FromDays(7);

    /// <summary>
    /// How long an inbound keyword is remembered: long, because a replayed START would lift a later STOP, and there are few
    /// of them (one per person who texts a keyword).
    /// </summary>
    public static readonly TimeSpan InboundReplayWindow = TimeSpan.FromDays(400);

    /// <summary>Twilio's default opt-in keywords.</summary>
    private static readonly FrozenSet<string> OptInKeywords = new[] { "START", "YES", "UNSTOP" }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    public static CallbackResult Parse(InboundCallback callback, string authToken)
    {
        ArgumentNullException.ThrowIfNull(callback);
        if (Header(callback, "X-Twilio-Signature") is not { Length: > 0 } signature)
        {
            return CallbackResult.BadSignature("missing X-Twilio-Signature");
        }

        var form = callback.Form();
        if (!TwilioSignature.IsValid(authToken, callback.Url, form, signature))
        {
            return CallbackResult.BadSignature("X-Twilio-Signature does not match");
        }

        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in form)
        {
            fields.TryAdd(key, value);
        }

        if ((Value(fields, "MessageSid") ?? Value(fields, "SmsSid")) is not { } sid)
        {
            return CallbackResult.Malformed("MessageSid is missing");
        }

        if ((Value(fields, "MessageStatus") ?? Value(fields, "SmsStatus")) is { } status && status != "received")
        {
            return Status(callback, fields, sid, status);
        }

        return Value(fields, "From") is { } from && fields.TryGetValue("Body", out var body)
            ? Inbound(callback, fields, sid, from, body)
            : CallbackResult.Malformed("neither MessageStatus nor From and Body");
    }

    private static CallbackResult.Accepted Status(InboundCallback callback, Dictionary<string, string> fields, string sid, string status)
    {
        var deliveryId = QueryValue(callback.Url, DeliveryIdParameter);
        var error = Value(fields, "ErrorCode");
        TrackingEvent Event(TrackingKind kind, string detail, bool permanent = false) =>
            new(kind, deliveryId, sid, null, detail, callback.ReceivedAt, permanent, new ReplayKey($"{sid}:{status}", StatusReplayWindow));
        return status switch
        {
            "delivered" => Accepted(Event(TrackingKind.Delivered, "delivered")),
            "undelivered" or "failed" or "canceled" => Accepted(Event(TrackingKind.Failed, error is null ? status : $"{status}: twilio error {error}",
                status == "canceled" || (error is not null && PermanentErrors.Contains(error)))),
            _ => new CallbackResult.Accepted([]),
        };
    }

    private static CallbackResult.Accepted Inbound(InboundCallback callback, Dictionary<string, string> fields, string sid, string from, string body)
    {
        // OptOutType is sent when Advanced Opt-Out is on; it also covers keywords configured in Twilio's console.
        var keyword = Value(fields, "OptOutType") ?? body.Trim();
        TrackingEvent Event(TrackingKind kind) =>
            new(kind, null, sid, from, $"inbound keyword {keyword.ToUpperInvariant()}", callback.ReceivedAt, Replay: new ReplayKey($"{sid}:inbound", InboundReplayWindow));
        if (OptOutKeywords.Contains(keyword))
        {
            return Accepted(Event(TrackingKind.OptOut));
        }

        return OptInKeywords.Contains(keyword) ? Accepted(Event(TrackingKind.OptIn)) : new CallbackResult.Accepted([]);
    }

    private static CallbackResult.Accepted Accepted(TrackingEvent e) => new([e]);

    private static string? Value(Dictionary<string, string> fields, string key) => fields.TryGetValue(key, out var v) && v.Length > 0 ? v : null;

    private static string? QueryValue(Uri url, string name) =>
        FormBody.Parse(System.Text.Encoding.UTF8.GetBytes(url.Query.TrimStart('?'))).FirstOrDefault(p => p.Key == name).Value is { Length: > 0 } v ? v : null;

    private static string? Header(InboundCallback callback, string name) =>
        callback.Header(name) ?? callback.Headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value;
}
