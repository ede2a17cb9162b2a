using System.Text.Json.Nodes;
using Herald.Core.Domain;

namespace Herald.Core.Templates;

/// <summary>
/// One version of a template. <see cref="Channels"/> maps a channel to its parts, a JSON object whose string leaves are
/// Handlebars templates (push: title, body, data{}; email: subject, html, text; sms: body;
/// in_app: title, body, action_url, icon; webhook: payload{} of any shape).
/// <see cref="Locales"/> maps a locale tag (e.g. "fr", "fr-CA") to per-channel overrides of the same shape.
/// <see cref="Dedup"/> is the content-dedup setting the gate applies to the event type named like the template;
/// <see cref="Fallback"/> the channel fallback of its notifications (else the priority's, from Herald:Pipeline).
/// <see cref="EnvironmentId"/> is the environment it was read from: the same id and version in another environment is
/// another template, compiled and cached apart. <see cref="Layout"/> is the email layout it names (null: the environment's default).
/// </summary>
public sealed record TemplateDefinition(
    string TemplateId,
    int Version,
    IReadOnlyList<string> Variables,
    IReadOnlyDictionary<Channel, JsonObject> Channels,
    IReadOnlyDictionary<string, IReadOnlyDictionary<Channel, JsonObject>> Locales,
    TemplateDedup? Dedup = null,
    TemplateFallback? Fallback = null,
    string EnvironmentId = Environments.Default,
    TemplateLayoutChoice? Layout = null);

/// <summary>
/// The layout a template's email names: <see cref="LayoutId"/>, or no layout when it is null (the document's
/// <c>"layout": null</c>). A template without a choice (<see cref="TemplateDefinition.Layout"/> null) is wrapped in its
/// environment's <see cref="TemplateLibrary.DefaultLayoutId"/> layout when there is one.
/// </summary>
public sealed record TemplateLayoutChoice(string? LayoutId)
{
    public static TemplateLayoutChoice None { get; } = new((string?)null);
}

/// <summary>Who a render is for: the recipient's locale (parts and formats) and time zone, and the environment's layouts and partials.</summary>
public sealed record TemplateRenderContext(string? Locale, string? TimeZone = null, TemplateLibrary? Library = null);

/// <summary>A template could not be rendered or validated. <see cref="Field"/> names the offending variable or part.</summary>
public sealed class TemplateException(string field, string message, string? kind = null) : Exception(message)
{
    public string Field { get; } = field;

    /// <summary>A stable name for failures that are not about the template's text or data shape (<c>unsafe-link</c>), else null.</summary>
    public string? Kind { get; } = kind;

    /// <summary>The <c>Herald:Templates</c> setting the render went over (<c>MaxSteps</c>, <c>MaxOutputChars</c>,
    /// <c>Timeout</c>, <c>MaxPartialDepth</c>), or null when the template or its data is at fault.</summary>
    public string? Budget { get; init; }
}
