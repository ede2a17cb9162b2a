using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Nodes;
using Herald.Core.Domain;
using Herald.Core.Preferences;

namespace Herald.Core.Storage;

/// <summary>How stores serialize the small JSON columns they keep (lists, preference rules).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(List<PreferenceRule>))]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(List<int>))]
public sealed partial class StoreJson : JsonSerializerContext
{
    public static string Rules(IReadOnlyList<PreferenceRule> rules) => JsonSerializer.Serialize(rules.ToList(), Default.ListPreferenceRule);

    public static List<PreferenceRule> Rules(string json) => JsonSerializer.Deserialize(json, Default.ListPreferenceRule) ?? [];

    public static string Strings(IEnumerable<string> values) => JsonSerializer.Serialize(values.ToList(), Default.ListString);

    public static List<string> Strings(string json) => JsonSerializer.Deserialize(json, Default.ListString) ?? [];

    /// <summary>A notification's options column: null when there are none. Times are Unix milliseconds.</summary>
    public static string? OptionsJson(NotificationOptions? options)
    {
        if (options is null || options.IsEmpty)
        {
            return null;
        }

        var json = new JsonObject();
        if (options.ExpiresAt is { } expires)
        {
            json["expires_at"] = expires.ToUnixTimeMilliseconds();
        }

        if (options.Escalation is { Count: > 0 } steps)
        {
            json["escalation"] = new JsonArray([.. steps.Select(x => (JsonNode)new JsonObject { ["channel"] = x.Channel.ToWire(), ["after_ms"] = (long)x.After.TotalMilliseconds })]);
        }

        return json.ToJsonString();
    }

    public static NotificationOptions? OptionsJson(string? json)
    {
        if (json is null || JsonNode.Parse(json) is not JsonObject o)
        {
            return null;
        }

        DateTimeOffset? expires = o["expires_at"] is { } e ? DateTimeOffset.FromUnixTimeMilliseconds(e.GetValue<long>()) : null;
        List<EscalationStep>? steps = null;
        if (o["escalation"] is JsonArray array)
        {
            steps = [];
            foreach (var x in array.OfType<JsonObject>())
            {
                if (ChannelNames.TryParseChannel(x["channel"]?.GetValue<string>(), out var channel))
                {
                    steps.Add(new EscalationStep(channel, TimeSpan.FromMilliseconds(x["after_ms"]!.GetValue<long>())));
                }
            }
        }

        return new NotificationOptions(expires, steps);
    }
}
