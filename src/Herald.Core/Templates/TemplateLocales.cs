using System.Text.Json.Nodes;
using Herald.Core.Domain;

namespace Herald.Core.Templates;

/// <summary>Resolves a channel's parts with per-channel locale fallback: "fr-CA", then "fr", then the default.</summary>
internal static class TemplateLocales
{
    public const string DefaultSource = "";

    public static (JsonObject Parts, string Source)? Resolve(TemplateDefinition template, Channel channel, string? locale)
    {
        foreach (var tag in Candidates(locale))
        {
            var key = FindKey(template.Locales, tag);
            if (key is not null && template.Locales[key].TryGetValue(channel, out var localized))
            {
                return (localized, key);
            }
        }

        return template.Channels.TryGetValue(channel, out var parts) ? (parts, DefaultSource) : null;
    }

    private static IEnumerable<string> Candidates(string? locale)
    {
        if (string.IsNullOrWhiteSpace(locale))
        {
            yield break;
        }

        var tag = locale.Trim().Replace('_', '-');
        while (tag.Length > 0)
        {
            yield return tag;
            var cut = tag.LastIndexOf('-');
            tag = cut < 0 ? string.Empty : tag[..cut];
        }
    }

    private static string? FindKey(IReadOnlyDictionary<string, IReadOnlyDictionary<Channel, JsonObject>> locales, string tag)
    {
        if (locales.ContainsKey(tag))
        {
            return tag;
        }

        // The dictionary may use any comparer; matching is case-insensitive regardless.
        return locales.Keys.FirstOrDefault(key => string.Equals(key, tag, StringComparison.OrdinalIgnoreCase));
    }
}
