using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Herald.Core.Tracking;
using Herald.Providers.Abstractions;

namespace Herald.Providers.Vonage;

/// <summary>
/// Parses Vonage SMS delivery receipts, which arrive as a GET query, a form POST or a JSON POST depending on the
/// account's webhook setting, and verifies their <c>sig</c>. Without a signature secret every receipt is refused: an
/// unsigned receipt could be forged by anyone who can guess a message id.
/// </summary>
/// <remarks>
/// The signed <c>timestamp</c> is not checked for freshness (Vonage may redeliver a receipt later); a receipt is
/// remembered by message id and status for <see cref="ReplayWindow"/>, so a replay inside it changes nothing.
/// </remarks>
internal static class VonageReceipts
{
    public static readonly TimeSpan ReplayWindow = TimeSpan.FromDays(7);

    public static CallbackResult Parse(InboundCallback callback, string? signatureSecret, string signatureMethod)
    {
        ArgumentNullException.ThrowIfNull(callback);
        if (signatureSecret is null)
        {
            return CallbackResult.BadSignature("no SignatureSecret is configured; unsigned Vonage receipts are refused");
        }

        if (Parameters(callback) is not { } parameters)
        {
            return CallbackResult.Malformed("the body is neither a form nor a JSON object");
        }

        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in parameters)
        {
            fields.TryAdd(key, value);
        }

        if (Value(fields, "sig") is not { } sig)
        {
            return CallbackResult.BadSignature("the receipt is not signed (no sig)");
        }

        if (!VonageSignature.IsValid(signatureSecret, signatureMethod, fields, sig))
        {
            return CallbackResult.BadSignature("sig does not match");
        }

        if (Value(fields, "messageId") is not { } messageId || Value(fields, "status") is not { } status)
        {
            return CallbackResult.Malformed("messageId and status are required");
        }

        var at = DateTimeOffset.TryParseExact(Value(fields, "message-timestamp"), "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal, out var stamped) ? stamped : callback.ReceivedAt;
        var deliveryId = Value(fields, "client-ref");
        var error = Value(fields, "err-code");
        var replay = new ReplayKey($"{messageId}:{status}", ReplayWindow);
        return status switch
        {
            "delivered" => new CallbackResult.Accepted([new(TrackingKind.Delivered, deliveryId, messageId, null, "delivered", at, Replay: replay)]),
            "failed" or "rejected" => new CallbackResult.Accepted([new(TrackingKind.Failed, deliveryId, messageId, null, $"{status}: vonage err-code {error ?? "?"}", at,
                Replay: replay)]),
            _ => new CallbackResult.Accepted([]), // accepted, buffered, expired, unknown: not a final verdict we act on
        };
    }

    private static IReadOnlyList<KeyValuePair<string, string>>? Parameters(InboundCallback callback)
    {
        if (callback.Method == "GET" || callback.Body.Length == 0)
        {
            return FormBody.Parse(Encoding.UTF8.GetBytes(callback.Url.Query.TrimStart('?')));
        }

        if (callback.ContentType?.Contains("json", StringComparison.OrdinalIgnoreCase) != true)
        {
            return callback.Form();
        }

        try
        {
            return JsonNode.Parse(callback.Body) is JsonObject json
                ? [.. json.Where(p => p.Value is JsonValue).Select(p => KeyValuePair.Create(p.Key, p.Value is JsonValue v && v.TryGetValue<string>(out var s) ? s : p.Value!.ToJsonString()))]
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Value(Dictionary<string, string> fields, string key) => fields.TryGetValue(key, out var v) && v.Length > 0 ? v : null;
}
