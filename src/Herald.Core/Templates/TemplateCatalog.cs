using System.Collections.Concurrent;
using Herald.Core.Storage;

namespace Herald.Core.Templates;

/// <summary>
/// Published template versions, parsed once and cached: a published version never changes. Which version is the latest
/// does change: a publish in any process drops the template's entry here (<see cref="Published"/>, reached from other
/// processes through the cluster signals).
/// </summary>
public sealed class TemplateCatalog(ITemplateStore store)
{
    private readonly ConcurrentDictionary<(string, int), TemplateDefinition> _published = new();
    private readonly ConcurrentDictionary<string, int> _latest = new(StringComparer.Ordinal);
    private long _generation;

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
        var wanted = version ?? (_latest.TryGetValue(templateId, out var latest) ? latest : null);
        if (wanted is { } v && _published.TryGetValue((templateId, v), out var cached))
        {
            return (Lookup.Found, cached);
        }

        // A look-up that raced a publish answers this call but is not kept as the latest.
        var generation = Interlocked.Read(ref _generation);
        var stored = version is { } exact ? await store.GetTemplateVersionAsync(templateId, exact, ct) : await store.GetLatestPublishedAsync(templateId, ct);
        if (stored is null)
        {
            var versions = await store.GetTemplateVersionsAsync(templateId, ct);
            return (versions.Count == 0 ? Lookup.UnknownTemplate : version is null ? Lookup.Draft : Lookup.UnknownVersion, null);
        }

        if (!stored.Published)
        {
            return (Lookup.Draft, null);
        }

        var definition = _published.GetOrAdd((stored.TemplateId, stored.Version), _ => TemplateDocument.Parse(stored.TemplateId, stored.Version, stored.Definition));
        if (version is null && Interlocked.Read(ref _generation) == generation)
        {
            _latest[templateId] = stored.Version;
        }

        return (Lookup.Found, definition);
    }

    /// <summary>Called when a version of the template is published (here or in another process): the next unpinned send reads the new latest.</summary>
    public void Published(string templateId)
    {
        Interlocked.Increment(ref _generation);
        _latest.TryRemove(templateId, out _);
    }

    /// <summary>Publishes may have been missed (the cluster listener reconnected): every latest version is read again.</summary>
    public void Clear()
    {
        Interlocked.Increment(ref _generation);
        _latest.Clear();
    }
}
