using System.Collections.Concurrent;
using Herald.Core.Storage;

namespace Herald.Core.Templates;

/// <summary>
/// Published template versions, parsed once and cached: a published version never changes. Which version is the latest
/// does change: a publish in any process drops the template's entry here (<see cref="Published"/>, reached from other
/// processes through the cluster signals). A template is one environment's: every entry is keyed by environment too, so
/// the same id in two environments is two templates, and a hit is still one dictionary look-up.
/// </summary>
public sealed class TemplateCatalog(ITemplateStore store)
{
    private const char Separator = '\u001f';
    private readonly ConcurrentDictionary<(string, string, int), TemplateDefinition> _published = new();
    private readonly ConcurrentDictionary<(string, string), int> _latest = new();
    private long _generation;

    public enum Lookup
    {
        Found,
        UnknownTemplate,
        UnknownVersion,
        Draft,
    }

    /// <summary>The requested version, or the latest published one when <paramref name="version"/> is null.</summary>
    public async Task<(Lookup Result, TemplateDefinition? Template)> GetSendableAsync(string environmentId, string templateId, int? version, CancellationToken ct)
    {
        var wanted = version ?? (_latest.TryGetValue((environmentId, templateId), out var latest) ? latest : null);
        if (wanted is { } v && _published.TryGetValue((environmentId, templateId, v), out var cached))
        {
            return (Lookup.Found, cached);
        }

        // A look-up that raced a publish answers this call but is not kept as the latest.
        var generation = Interlocked.Read(ref _generation);
        var stored = version is { } exact ? await store.GetTemplateVersionAsync(environmentId, templateId, exact, ct) : await store.GetLatestPublishedAsync(environmentId, templateId, ct);
        if (stored is null)
        {
            var versions = await store.GetTemplateVersionsAsync(environmentId, templateId, ct);
            return (versions.Count == 0 ? Lookup.UnknownTemplate : version is null ? Lookup.Draft : Lookup.UnknownVersion, null);
        }

        if (!stored.Published)
        {
            return (Lookup.Draft, null);
        }

        var definition = _published.GetOrAdd((environmentId, stored.TemplateId, stored.Version), _ => TemplateDocument.Parse(stored.TemplateId, stored.Version, stored.Definition) with { EnvironmentId = environmentId });
        if (version is null && Interlocked.Read(ref _generation) == generation)
        {
            _latest[(environmentId, templateId)] = stored.Version;
        }

        return (Lookup.Found, definition);
    }

    /// <summary>Called when a version of the template is published (here or in another process): the next unpinned send reads the new latest.</summary>
    public void Published(string environmentId, string templateId)
    {
        Interlocked.Increment(ref _generation);
        _latest.TryRemove((environmentId, templateId), out _);
    }

    /// <summary>The cluster signal's key of a publish: the environment and the template id.</summary>
    public static string SignalKey(string environmentId, string templateId) => environmentId + Separator + templateId;

    /// <summary>
    /// Applies a publish signal (<see cref="SignalKey"/>). A bare template id (a node of an earlier release) is the default
    /// environment's, where every template of that release lives.
    /// </summary>
    public void PublishedSignal(string signalKey)
    {
        ArgumentNullException.ThrowIfNull(signalKey);
        var at = signalKey.IndexOf(Separator, StringComparison.Ordinal);
        if (at < 0)
        {
            Published(Domain.Environments.Default, signalKey);
        }
        else
        {
            Published(signalKey[..at], signalKey[(at + 1)..]);
        }
    }

    /// <summary>Publishes may have been missed (the cluster listener reconnected): every latest version is read again.</summary>
    public void Clear()
    {
        Interlocked.Increment(ref _generation);
        _latest.Clear();
    }
}
