using System.Text.Json;
using System.Text.Json.Serialization;
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
}
