using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Herald.Core.Domain;
using Herald.Providers.Fcm;

namespace Herald.Providers.Apns;

/// <summary>
/// Builds one <c>POST /3/device/{token}</c> request over HTTP/2 (exact: h2c with prior knowledge on http:// URLs).
/// </summary>
/// <remarks>
/// apns-expiration: now + the content's ttl when it has one (ttl 0 sends 0: deliver once, never store); otherwise now +
/// 24 h for every priority, so an urgent alert survives a phone that is briefly offline (see <see cref="PushContent.DefaultTtl"/>).
/// Content with neither title nor body goes as a background push (content-available, priority 5, as Apple requires).
/// </remarks>
internal static class ApnsRequest
{
    public const string DeliveryIdKey = "herald_delivery_id";

    public static HttpRequestMessage Build(string baseUrl, string topic, string providerToken, Delivery delivery, PushContent content, DateTimeOffset now)
    {
        var alert = content.Title is not null || content.Body is not null;
        var request = new HttpRequestMessage(HttpMethod.Post, $"{baseUrl}/3/device/{Uri.EscapeDataString(delivery.Target)}")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new StringContent(Payload(delivery, content, alert).ToJsonString(), Encoding.UTF8, "application/json"),
        };
        var expiration = content.TtlSeconds == 0 ? 0 : now.Add(content.Ttl).ToUnixTimeSeconds();
        request.Headers.Authorization = new AuthenticationHeaderValue("bearer", providerToken);
        request.Headers.TryAddWithoutValidation("apns-topic", topic);
        request.Headers.TryAddWithoutValidation("apns-push-type", alert ? "alert" : "background");
        request.Headers.TryAddWithoutValidation("apns-priority", alert && delivery.Priority == Priority.Urgent ? "10" : "5");
        request.Headers.TryAddWithoutValidation("apns-expiration", expiration.ToString(CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation("apns-id", NotificationId(delivery.Id));
        if (content.CollapseKey is { } collapse)
        {
            request.Headers.TryAddWithoutValidation("apns-collapse-id", collapse);
        }

        return request;
    }

    /// <summary>
    /// The apns-id for a delivery: a UUID (version 8, name-based on SHA-256) of our delivery id, so every attempt of one
    /// delivery carries the same id.
    /// </summary>
    public static string NotificationId(string deliveryId)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(deliveryId), hash);
        var bytes = hash[..16];
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true).ToString("D");
    }

    private static JsonObject Payload(Delivery delivery, PushContent content, bool alert)
    {
        var aps = new JsonObject();
        if (alert)
        {
            var text = new JsonObject();
            if (content.Title is not null)
            {
                text["title"] = content.Title;
            }

            if (content.Body is not null)
            {
                text["body"] = content.Body;
            }

            aps["alert"] = text;
        }
        else
        {
            aps["content-available"] = 1;
        }

        if (content.Badge is { } badge)
        {
            aps["badge"] = badge;
        }

        if (content.Sound is { } sound)
        {
            aps["sound"] = sound;
        }

        var payload = new JsonObject { ["aps"] = aps };
        foreach (var (key, value) in content.Data.Where(p => p.Key != "aps"))
        {
            payload[key] = value?.DeepClone();
        }

        payload[DeliveryIdKey] = delivery.Id;
        return payload;
    }
}
