using System.Text.Json.Nodes;
using Herald.Core.Domain;

namespace Herald.Core.Templates;

/// <summary>
/// The stored form of a template version: <c>{"variables": [..], "channels": {"email": {..}}, "locales": {"fr": {"email": {..}}},
/// "dedup": {"window": "PT1H", "urgent": true}}</c>,
/// the same shape the API accepts.
/// </summary>
public static class TemplateDocument
{
    public static TemplateDefinition Parse(string templateId, int version, string json) =>
        Parse(templateId, version, JsonNode.Parse(json)?.AsObject() ?? throw new TemplateException("template", "template document is empty"));

    /// <summary>Builds and validates a definition. Throws <see cref="TemplateException"/> naming the bad field.</summary>
    public static TemplateDefinition Parse(string templateId, int version, JsonObject document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var variables = new List<string>();
        if (document["variables"] is JsonArray vars)
        {
            for (var i = 0; i < vars.Count; i++)
            {
                if (vars[i] is not JsonValue v || !v.TryGetValue<string>(out var name) || string.IsNullOrWhiteSpace(name))
                {
                    throw new TemplateException($"variables[{i}]", "each variable must be a non-empty string");
                }

                variables.Add(name);
            }
        }

        var channels = ParseChannels(document["channels"] as JsonObject, "channels");
        if (channels.Count == 0)
        {
            throw new TemplateException("channels", "a template needs at least one channel");
        }

        var locales = new Dictionary<string, IReadOnlyDictionary<Channel, JsonObject>>(StringComparer.OrdinalIgnoreCase);
        if (document["locales"] is JsonObject localeMap)
        {
            foreach (var (tag, node) in localeMap)
            {
                locales[tag] = ParseChannels(node as JsonObject, $"locales.{tag}");
            }
        }

        var definition = new TemplateDefinition(templateId, version, variables, channels, locales, TemplateDedup.Parse(document["dedup"]),
            TemplateFallback.Parse(document["fallback"]), Layout: ParseLayout(document));
        TemplateRenderer.Validate(definition);
        return definition;
    }

    /// <summary>Absent: the environment's default layout; null: none; a string: that layout.</summary>
    private static TemplateLayoutChoice? ParseLayout(JsonObject document)
    {
        if (!document.TryGetPropertyValue("layout", out var node))
        {
            return null;
        }

        return node switch
        {
            null => TemplateLayoutChoice.None,
            JsonValue value when value.TryGetValue<string>(out var id) && TemplateLibrary.IsLayoutId(id) => new TemplateLayoutChoice(id),
            _ => throw new TemplateException("layout", "'layout' must be a layout id (1-128 letters, digits, '.', '_', '-' or ':') or null for no layout"),
        };
    }

    private static Dictionary<Channel, JsonObject> ParseChannels(JsonObject? node, string path)
    {
        var result = new Dictionary<Channel, JsonObject>();
        if (node is null)
        {
            return result;
        }

        foreach (var (name, parts) in node)
        {
            if (!ChannelNames.TryParseChannel(name, out var channel))
            {
                throw new TemplateException($"{path}.{name}", $"unknown channel '{name}'; expected push, email, sms, in_app or webhook");
            }

            if (parts is not JsonObject obj)
            {
                throw new TemplateException($"{path}.{name}", "channel parts must be an object");
            }

            result[channel] = (JsonObject)obj.DeepClone();
        }

        return result;
    }
}
