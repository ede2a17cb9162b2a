using System.Globalization;
using System.Text.Json.Nodes;

namespace Herald.Core.Templates;

/// <summary>Walks a channel's parts; string leaves are templates, every other leaf is copied as is.</summary>
internal static class TemplateParts
{
    /// <summary>A copy of <paramref name="parts"/> with every string leaf replaced by <paramref name="render"/>(path, source).</summary>
    public static JsonObject Map(JsonObject parts, Func<string, string, string> render) =>
        MapObject(parts, prefix: null, render);

    /// <summary>Every string leaf with its path, e.g. ("subject", "Hi {{name}}") or ("payload.items[0]", "{{id}}").</summary>
    public static IEnumerable<(string Path, string Source)> StringLeaves(JsonObject parts)
    {
        var leaves = new List<(string, string)>();
        Map(parts, (path, source) =>
        {
            leaves.Add((path, source));
            return source;
        });
        return leaves;
    }

    private static JsonObject MapObject(JsonObject obj, string? prefix, Func<string, string, string> render)
    {
        var result = new JsonObject();
        foreach (var (key, value) in obj)
        {
            result[key] = MapNode(value, prefix is null ? key : $"{prefix}.{key}", render);
        }

        return result;
    }

    private static JsonNode? MapNode(JsonNode? node, string path, Func<string, string, string> render)
    {
        switch (node)
        {
            case JsonObject obj:
                return MapObject(obj, path, render);
            case JsonArray array:
                var copy = new JsonArray();
                for (var i = 0; i < array.Count; i++)
                {
                    copy.Add(MapNode(array[i], string.Create(CultureInfo.InvariantCulture, $"{path}[{i}]"), render));
                }

                return copy;
            case JsonValue value when value.TryGetValue<string>(out var source):
                return JsonValue.Create(render(path, source));
            default:
                return node?.DeepClone();
        }
    }
}
