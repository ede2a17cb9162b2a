namespace Herald.Client;

/// <summary>The template library (email layouts and partials of the key's environment), template promotion and preview.</summary>
public sealed partial class HeraldClient
{
    /// <summary>Creates or replaces an email layout (templates:write); <c>default</c> wraps every email that names no layout. A layout that does not render throws a 422.</summary>
    public Task<Layout> PutLayoutAsync(string layoutId, LayoutRequest layout, CancellationToken cancellationToken = default) =>
        CallAsync<Layout>(HttpMethod.Put, $"api/v1/layouts/{Escape(layoutId)}", layout, null, true, cancellationToken);

    /// <summary>A layout (content:read); an unknown one throws a 404.</summary>
    public Task<Layout> GetLayoutAsync(string layoutId, CancellationToken cancellationToken = default) =>
        CallAsync<Layout>(HttpMethod.Get, $"api/v1/layouts/{Escape(layoutId)}", null, null, true, cancellationToken);

    /// <summary>Every layout of the environment (content:read).</summary>
    public async Task<IReadOnlyList<Layout>> ListLayoutsAsync(CancellationToken cancellationToken = default) =>
        (await CallAsync<LayoutList>(HttpMethod.Get, "api/v1/layouts", null, null, true, cancellationToken)).Layouts;

    /// <summary>Deletes a layout (templates:write); an unknown one throws a 404.</summary>
    public Task DeleteLayoutAsync(string layoutId, CancellationToken cancellationToken = default) =>
        CallAsync(HttpMethod.Delete, $"api/v1/layouts/{Escape(layoutId)}", null, true, cancellationToken);

    /// <summary>Creates or replaces a partial (templates:write), used as <c>{{&gt; name}}</c>; a source that does not render throws a 422.</summary>
    public Task<TemplatePartial> PutPartialAsync(string name, string source, CancellationToken cancellationToken = default) =>
        CallAsync<TemplatePartial>(HttpMethod.Put, $"api/v1/partials/{Escape(name)}", new PartialRequest(source), null, true, cancellationToken);

    /// <summary>A partial (content:read); an unknown one throws a 404.</summary>
    public Task<TemplatePartial> GetPartialAsync(string name, CancellationToken cancellationToken = default) =>
        CallAsync<TemplatePartial>(HttpMethod.Get, $"api/v1/partials/{Escape(name)}", null, null, true, cancellationToken);

    /// <summary>Every partial of the environment (content:read).</summary>
    public async Task<IReadOnlyList<TemplatePartial>> ListPartialsAsync(CancellationToken cancellationToken = default) =>
        (await CallAsync<PartialList>(HttpMethod.Get, "api/v1/partials", null, null, true, cancellationToken)).Partials;

    /// <summary>Deletes a partial (templates:write); an unknown one throws a 404.</summary>
    public Task DeletePartialAsync(string name, CancellationToken cancellationToken = default) =>
        CallAsync(HttpMethod.Delete, $"api/v1/partials/{Escape(name)}", null, true, cancellationToken);

    /// <summary>
    /// Copies <paramref name="version"/> (null: the latest published) of a template of the key's environment into environment
    /// <paramref name="toEnvironment"/> (<c>env_…</c>) as a draft (an admin key; 201). Not retried after a lost answer (it would make a second draft).
    /// </summary>
    public Task<TemplatePromoted> PromoteTemplateAsync(string templateId, string toEnvironment, int? version = null, CancellationToken cancellationToken = default) =>
        CallAsync<TemplatePromoted>(HttpMethod.Post, $"api/v1/templates/{Escape(templateId)}/promote", new TemplatePromoteRequest(version, toEnvironment), null, false,
            cancellationToken);

    /// <summary>
    /// Renders a template as a send would, storing nothing (notifications:read; a <see cref="TemplatePreviewRequest.Definition"/>
    /// also needs templates:write). A variable the data lacks throws a 422.
    /// </summary>
    public Task<TemplatePreview> PreviewTemplateAsync(string templateId, TemplatePreviewRequest? request = null, CancellationToken cancellationToken = default) =>
        CallAsync<TemplatePreview>(HttpMethod.Post, $"api/v1/templates/{Escape(templateId)}/preview", request ?? new TemplatePreviewRequest(), null, true, cancellationToken);
}
