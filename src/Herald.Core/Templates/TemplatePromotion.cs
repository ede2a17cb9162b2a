using Herald.Core.Domain;
using Herald.Core.Storage;

namespace Herald.Core.Templates;

/// <summary>
/// Copies a version of one environment's template into another environment (staging to production) as a new draft there:
/// what the target sends changes only when someone publishes it there, as with any new version. The same environment is
/// a target too: a new draft equal to an earlier version (a roll-back, published like any draft).
/// </summary>
public sealed class TemplatePromotion(ITemplateStore store, IEnvironmentDirectory environments, TimeProvider time)
{
    public enum Outcome
    {
        Promoted,
        UnknownEnvironment,
        UnknownTemplate,
        UnknownVersion,
        NotPublished,
    }

    /// <summary>What a promotion did: the version copied and, when <see cref="Outcome.Promoted"/>, the draft made in the target.</summary>
    public sealed record Result(Outcome Outcome, StoredTemplate? Source = null, StoredTemplate? Copy = null);

    /// <summary>
    /// Copies <paramref name="version"/> (or, when null, the latest published version) of <paramref name="templateId"/> in
    /// <paramref name="from"/> into <paramref name="to"/> as its next version, a draft, with the same description and definition.
    /// </summary>
    public async Task<Result> PromoteAsync(string from, string templateId, int? version, string to, CancellationToken ct)
    {
        if (!await environments.ExistsAsync(to, ct))
        {
            return new Result(Outcome.UnknownEnvironment);
        }

        var source = version is { } v ? await store.GetTemplateVersionAsync(from, templateId, v, ct) : await store.GetLatestPublishedAsync(from, templateId, ct);
        if (source is null)
        {
            var versions = await store.GetTemplateVersionsAsync(from, templateId, ct);
            return new Result(versions.Count == 0 ? Outcome.UnknownTemplate : version is null ? Outcome.NotPublished : Outcome.UnknownVersion);
        }

        var added = await store.AddTemplateVersionAsync(to, templateId, source.Description, source.Definition, time.GetUtcNow(), ct);
        return new Result(Outcome.Promoted, source, await store.GetTemplateVersionAsync(to, templateId, added, ct));
    }
}
