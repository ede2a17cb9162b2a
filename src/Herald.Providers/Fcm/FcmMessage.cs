using System.Globalization;
using System.Text.Json.Nodes;
using Herald.Core.Domain;

namespace Herald.Providers.Fcm;

/// <summary>Builds the HTTP v1 <c>messages:send</c> body: one message to one registration token.</summary>
internal static class FcmMessage
{
    /// <summary>The data key that carries our delivery id to the device and back to the sandbox's log.</summary>
    public const string DeliveryIdKey = "herald_delivery_id";

    public static JsonObject Build(Delivery delivery, PushContent content, DateTimeOffset now)
    {
        var urgent = delivery.Priority == Priority.Urgent;
        var ttlSeconds = (long)content.Ttl.TotalSeconds;
        var ttlText = ttlSeconds.ToString(CultureInfo.InvariantCulture);

        // FCM's data map takes strings only; numbers, booleans and objects travel as their JSON text.
        var data = new JsonObject();
        foreach (var (key, value) in content.Data)
        {
            data[key] = PushContent.AsString(value);
        }

        data[DeliveryIdKey] = delivery.Id;

        var message = new JsonObject { ["token"] = delivery.Target };
        if (content.Title is not null || content.Body is not null)
        {
            message["notification"] = Compact(new JsonObject { ["title"] = content.Title, ["body"] = content.Body });
        }

        message["data"] = data;
        message["android"] = Compact(new JsonObject
        {
            ["priority"] = urgent ? "HIGH" : "NORMAL",
            ["ttl"] = ttlText + "s",
            ["collapse_key"] = content.CollapseKey,
            ["notification"] = content.Sound is null ? null : new JsonObject { ["sound"] = content.Sound },
        });
        message["apns"] = Compact(new JsonObject
        {
            ["headers"] = Compact(new JsonObject
            {
                ["apns-priority"] = urgent ? "10" : "5",
                ["apns-expiration"] = (ttlSeconds == 0 ? 0 : now.Add(content.Ttl).ToUnixTimeSeconds()).ToString(CultureInfo.InvariantCulture),
                ["apns-collapse-id"] = content.CollapseKey,
            }),
            ["payload"] = content.Badge is null && content.Sound is null
                ? null
                : new JsonObject { ["aps"] = Compact(new JsonObject { ["badge"] = content.Badge, ["sound"] = content.Sound }) },
        });
        message["webpush"] = new JsonObject { ["headers"] = new JsonObject { ["Urgency"] = urgent ? "high" : "normal", ["TTL"] = ttlText } };
        return new JsonObject { ["message"] = message };
    }

    private static JsonObject Compact(JsonObject node)
    {
        foreach (var key in node.Where(p => p.Value is null).Select(p => p.Key).ToList())
        {
            node.Remove(key);
        }

        return node;
    }
}
