using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Herald.Core.Templates;

/// <summary>Turns JSON request data into plain CLR values that Handlebars.Net can bind to.</summary>
internal static class TemplateData
{
    public static Dictionary<string, object?> ToBindable(JsonObject data)
    {
        var result = new Dictionary<string, object?>(data.Count, StringComparer.Ordinal);
        foreach (var (key, value) in data)
        {
            result[key] = ToBindable(value);
        }

        return result;
    }

    /// <summary>The node at a dotted path ("order.id", "items.0.name"), or null when absent or JSON null.</summary>
    public static JsonNode? Find(JsonObject data, string path)
    {
        JsonNode? current = data;
        foreach (var segment in path.Split('.'))
        {
            current = current switch
            {
                JsonObject obj => obj.TryGetPropertyValue(segment, out var child) ? child : null,
                JsonArray array when int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var index)
                    && index < array.Count => array[index],
                _ => null,
            };

            if (current is null)
            {
                return null;
            }
        }

        return current;
    }

    private static object? ToBindable(JsonNode? node) => node switch
    {
        null => null,
        JsonObject obj => ToBindable(obj),
        JsonArray array => array.Select(ToBindable).ToList(),
        JsonValue value => ToScalar(value),
        _ => null,
    };

    private static object? ToScalar(JsonValue value) => value.GetValueKind() switch
    {
        JsonValueKind.String => value.GetValue<string>(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Number when value.TryGetValue<long>(out var whole) => whole,
        JsonValueKind.Number when value.TryGetValue<decimal>(out var exact) => exact,
        JsonValueKind.Number => value.GetValue<double>(),
        _ => null,
    };
}
