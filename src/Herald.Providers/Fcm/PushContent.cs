using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Herald.Core.Domain;

namespace Herald.Providers.Fcm;

/// <summary>
/// The rendered parts of a push delivery (<see cref="Delivery.Content"/>): title, body and the optional data, badge,
/// sound, collapse key (<c>collapse_key</c> or <c>collapse_id</c>) and time to live in seconds. Shared by FCM and APNs.
/// </summary>
internal sealed record PushContent(string? Title, string? Body, JsonObject Data, int? Badge, string? Sound, string? CollapseKey, long? TtlSeconds)
{
    /// <summary>How long a push is kept for an offline device when the template gives no <c>ttl</c>.</summary>
    /// <remarks>
    /// The same for every priority: an urgent alert must survive a phone that is briefly offline, and templates whose
    /// message is worthless when late (one-time codes) set their own short ttl.
    /// </remarks>
    public static readonly TimeSpan DefaultTtl = TimeSpan.FromHours(24);

    public TimeSpan Ttl => TtlSeconds is { } s ? TimeSpan.FromSeconds(s) : DefaultTtl;

    /// <summary>Parses rendered content; null (with the reason) when it is not a JSON object of the expected shape.</summary>
    public static PushContent? TryParse(string json, out string error)
    {
        JsonObject? root;
        try
        {
            root = JsonNode.Parse(json) as JsonObject;
        }
        catch (JsonException ex)
        {
            error = $"push content is not JSON: {ex.Message}";
            return null;
        }

        if (root is null)
        {
            error = "push content is not a JSON object";
            return null;
        }

        if (root["data"] is not (null or JsonObject))
        {
            error = "push content 'data' must be an object";
            return null;
        }

        error = "";
        var data = root["data"] is JsonObject d ? (JsonObject)d.DeepClone() : [];
        return new PushContent(
            Text(root["title"]),
            Text(root["body"]),
            data,
            Number(root["badge"]) is { } badge ? (int)Math.Clamp(badge, 0, int.MaxValue) : null,
            Text(root["sound"]),
            Text(root["collapse_key"]) ?? Text(root["collapse_id"]),
            Number(root["ttl"]) is { } ttl ? Math.Max(0, ttl) : null);
    }

    /// <summary>A data value as the string FCM requires: strings as they are, anything else as its JSON text.</summary>
    public static string AsString(JsonNode? value) =>
        value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : value?.ToJsonString() ?? "";

    private static string? Text(JsonNode? node) => node is null ? null : AsString(node) is { Length: > 0 } s ? s : null;

    private static long? Number(JsonNode? node) => node switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.Number && v.TryGetValue(out long l) => l,
        JsonValue v when v.GetValueKind() == JsonValueKind.Number && v.TryGetValue(out double dbl) => (long)dbl,
        JsonValue v when v.GetValueKind() == JsonValueKind.String && long.TryParse(v.GetValue<string>(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var p) => p,
        _ => null,
    };
}
