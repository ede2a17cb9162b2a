using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Herald.Core.Domain;

namespace Herald.Providers.WebPush;

/// <summary>
/// What goes to the service worker and the RFC 8030 headers that go with it, from a delivery's rendered push content
/// (<c>title</c>, <c>body</c>, optional <c>data</c>, <c>icon</c>, <c>url</c> or <c>action_url</c>, <c>ttl</c>, <c>collapse_key</c>).
/// </summary>
internal sealed record WebPushMessage(byte[] Payload, int Ttl, string Urgency, string? Topic)
{
    /// <summary>TTL when the content has none: a day; an hour for urgent deliveries, which are stale after that.</summary>
    public const int DefaultTtl = 86_400;

    public const int UrgentTtl = 3_600;

    /// <summary>28 days: the longest FCM keeps a message; autopush refuses TTLs beyond 30 days (errno 112).</summary>
    public const int MaxTtl = 2_419_200;

    public static WebPushMessage? TryCreate(Delivery delivery, out string error)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        error = "";
        if (Parse(delivery.Content) is not JsonObject content)
        {
            error = "push content is not a JSON object";
            return null;
        }

        var payload = new JsonObject
        {
            ["title"] = Text(content, "title") ?? "",
            ["body"] = Text(content, "body") ?? "",
            ["data"] = content["data"] is JsonObject data ? data.DeepClone() : new JsonObject(),
            ["herald_delivery_id"] = delivery.Id,
        };
        if (Text(content, "icon") is { } icon)
        {
            payload["icon"] = icon;
        }

        if ((Text(content, "url") ?? Text(content, "action_url")) is { } url)
        {
            payload["url"] = url;
        }

        var urgent = delivery.Priority == Priority.Urgent;
        var ttl = urgent ? UrgentTtl : DefaultTtl;
        if (content["ttl"] is { } ttlNode)
        {
            if (!TryTtl(ttlNode, out ttl))
            {
                error = $"content ttl must be a whole number of seconds, got {ttlNode.ToJsonString()}";
                return null;
            }
        }

        return new WebPushMessage(Encoding.UTF8.GetBytes(payload.ToJsonString()), ttl, urgent ? "high" : "normal", TopicFor(Text(content, "collapse_key")));
    }

    /// <summary>
    /// RFC 8030 §5.4 allows at most 32 base64url characters; autopush takes only [A-Za-z0-9] (errno 113). A key that does
    /// not fit both becomes the first 32 hex digits of its SHA-256, so equal keys still replace each other.
    /// </summary>
    public static string? TopicFor(string? collapseKey)
    {
        if (string.IsNullOrEmpty(collapseKey))
        {
            return null;
        }

        return collapseKey.Length <= 32 && collapseKey.All(char.IsAsciiLetterOrDigit)
            ? collapseKey
            : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(collapseKey)))[..32];
    }

    private static bool TryTtl(JsonNode node, out int ttl)
    {
        long value = -1;
        var ok = node is JsonValue v
            && (v.TryGetValue(out value) || (v.TryGetValue<string>(out var s) && long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value)));
        ttl = (int)Math.Min(value, MaxTtl);
        return ok && value >= 0;
    }

    private static JsonNode? Parse(string content)
    {
        try
        {
            return JsonNode.Parse(content);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private static string? Text(JsonObject content, string name) =>
        content[name] is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0 ? s : null;
}
