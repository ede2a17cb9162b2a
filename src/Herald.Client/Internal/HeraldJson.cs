using System.Text.Json;
using System.Text.Json.Serialization;

namespace Herald.Client.Internal;

/// <summary>The API's JSON: snake_case names and enum values, nulls left out of requests.</summary>
internal static class HeraldJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>An enum value's name on the wire (<c>InApp</c>: <c>in_app</c>), for a query string.</summary>
    public static string Name<T>(T value)
        where T : struct, Enum => JsonSerializer.Serialize(value, Options).Trim('"');
}
