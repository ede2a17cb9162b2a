using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Herald.Cli;

/// <summary>
/// Herald.Client's typed answers as the API's documents again (snake_case names and enum values, nulls kept), so --json
/// prints what the server sent and tables show values in the API's spelling (<c>in_app</c>, RFC 3339 times).
/// </summary>
internal static class CliJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    // The server refuses a member it does not know; reading an input file does too, so a typo is not dropped unseen.
    private static readonly JsonSerializerOptions Strict = new(Options) { UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow };

    public static JsonNode Node<T>(T value) => JsonSerializer.SerializeToNode(value, Options) ?? new JsonObject();

    public static JsonArray Array<T>(IEnumerable<T> values) => new([.. values.Select(v => (JsonNode?)Node(v))]);

    /// <summary>A JSON object (an input file) read as a typed request, by the same names; an unknown member throws.</summary>
    public static T? Read<T>(JsonObject document) => document.Deserialize<T>(Strict);
}
