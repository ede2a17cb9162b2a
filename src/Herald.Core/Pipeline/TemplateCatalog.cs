using System.Collections.Concurrent;
using Herald.Core.Storage;
using Herald.Core.Templates;

namespace Herald.Core.Pipeline;

/// <summary>Published template versions, parsed once and cached: a published version never changes.</summary>
public sealed class TemplateCatalog(ITemplateStore store)
{
    private readonly ConcurrentDictionary<(string, int), TemplateDefinition> _published = new();

    public enum Lookup
    {
        Found,
        UnknownTemplate,
        UnknownVersion,
        Draft,
    }

    /// <summary>The requested version, or the latest published one when <paramref name="version"/> is null.</summary>
    public async Task<(Lookup Result, TemplateDefinition? Template)> GetSendableAsync(string templateId, int? version, CancellationToken ct)
    {
        if (version is { } v && _published.TryGetValue((templateId, v), out var cached))
        {
            return (Lookup.Found, cached);
        }

        var stored = version is { } wanted ? await store.GetTemplateVersionAsync(templateId, wanted, ct) : await store.GetLatestPublishedAsync(templateId, ct);
        if (stored is null)
        {
            if (version is null)
            {
                var any = await store.GetTemplateVersionsAsync(templateId, ct);
                return (any.Count == 0 ? Lookup.UnknownTemplate : Lookup.Draft, null);
            }

            var versions = await store.GetTemplateVersionsAsync(templateId, ct);
            return (versions.Count == 0 ? Lookup.UnknownTemplate : Lookup.UnknownVersion, null);
        }

        if (!stored.Published)
        {
            return (Lookup.Draft, null);
        }

        var definition = _published.GetOrAdd((stored.TemplateId, stored.Version), _ => TemplateDocument.Parse(stored.TemplateId, stored.Version, stored.Definition));
        return (Lookup.Found, definition);
    }
}
