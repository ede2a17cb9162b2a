using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using HandlebarsDotNet;
using HandlebarsDotNet.Compiler;
using Herald.Core.Domain;
using Microsoft.Extensions.Options;

namespace Herald.Core.Templates;

/// <summary>
/// Renders template parts for one channel with strict Handlebars (a missing variable is an error).
/// Only the email "html" part is HTML-escaped. Thread-safe; register as a singleton.
/// </summary>
/// <remarks>
/// Compiled strings are cached by (template id, version, locale source, channel, part path): published versions
/// are immutable, so a definition with the same id and version is assumed to carry the same text. Version 0 (an unsaved
/// draft being previewed) is compiled every time. Each <c>Render</c> runs on a budget of steps, output and time
/// (<see cref="TemplateRenderOptions"/>) and never holds a lock: only compiling does, bounded by the template's size
/// (<see cref="TemplateSource"/>), and drafts compile apart from stored versions. The environment's partials a part uses
/// are compiled into it as inline partials, so the compiled part is keyed by their hashes too (<see cref="TemplatePartKey.Stamp"/>).
/// </remarks>
public sealed partial class TemplateRenderer
{
    private readonly ConcurrentDictionary<TemplatePartKey, HandlebarsTemplate<TextWriter, object, object>> _compiled = new();
    private readonly ConcurrentDictionary<TemplatePartKey, PartialReferences.References> _references = new();
    private readonly TemplateRenderOptions _limits;
    private readonly TimeProvider _time;
    private readonly HandlebarsEnvironments _environments;

    // Drafts (previews) compile in environments of their own, so a large draft never holds the compile lock of the
    // versions the workers render.
    private readonly HandlebarsEnvironments _drafts;

    /// <summary>A renderer with the default budget and the system clock.</summary>
    public TemplateRenderer()
        : this(Options.Create(new TemplateRenderOptions()), TimeProvider.System)
    {
    }

    public TemplateRenderer(IOptions<TemplateRenderOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _limits = options.Value;
        _time = time;
        _environments = new HandlebarsEnvironments(_limits);
        _drafts = new HandlebarsEnvironments(_limits);
    }

    /// <summary>Renders every string leaf of the channel's parts (after locale fallback) against <paramref name="data"/>, with no layouts or partials.</summary>
    /// <exception cref="TemplateException">The channel is missing, a variable is missing, a part fails to render, or the
    /// render goes over its budget (then <see cref="TemplateException.Budget"/> names the setting).</exception>
    public JsonObject Render(TemplateDefinition template, Channel channel, string? locale, JsonObject data) =>
        Render(template, channel, data, new TemplateRenderContext(locale));

    /// <summary>
    /// Renders every string leaf of the channel's parts (after locale fallback for the recipient's locale) against
    /// <paramref name="data"/>: partials come from the context's library, formatting helpers use the recipient's culture
    /// and time zone, and an email's HTML is wrapped in its layout, with a text part made from the HTML when it has none.
    /// </summary>
    /// <exception cref="TemplateException">The channel, a variable, a partial or the named layout is missing, a part fails
    /// to render, or the render goes over its budget (then <see cref="TemplateException.Budget"/> names the setting).</exception>
    public JsonObject Render(TemplateDefinition template, Channel channel, JsonObject data, TemplateRenderContext recipient)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(recipient);

        var wire = channel.ToWire();
        var (parts, source) = TemplateLocales.Resolve(template, channel, recipient.Locale)
            ?? throw new TemplateException($"channels.{wire}", $"template '{template.TemplateId}' v{template.Version} has no '{wire}' channel");

        var context = TemplateData.ToBindable(data);
        var budget = new RenderBudget(_limits, _time);
        var library = recipient.Library ?? TemplateLibrary.Empty;
        using var locale = RenderLocale.Of(recipient.Locale, recipient.TimeZone).Enter();
        var rendered = TemplateParts.Map(parts, (path, text) =>
        {
            var key = new TemplatePartKey(template.EnvironmentId, template.TemplateId, template.Version, source, channel, path);
            var fieldPrefix = source.Length == 0 ? $"channels.{wire}" : $"locales.{source}.{wire}";
            var rendered = RenderPart(key, text, context, $"{fieldPrefix}.{path}", budget, library);
            SafeLinks.Ensure(channel, path, rendered, $"{fieldPrefix}.{path}");
            return rendered;
        });

        if (channel == Channel.Email)
        {
            Compose(template, rendered, context, budget, library);
        }

        return rendered;
    }

    /// <summary>The unrendered parts for the channel after locale fallback, or null when the template lacks the channel.</summary>
    [SuppressMessage("Performance", "CA1822", Justification = "Instance API so callers holding the injected renderer use one shape.")]
    public JsonObject? TryResolveParts(TemplateDefinition template, Channel channel, string? locale)
    {
        ArgumentNullException.ThrowIfNull(template);
        return TemplateLocales.Resolve(template, channel, locale)?.Parts;
    }

    /// <summary>Declared variables (dotted paths) that are absent or JSON null in <paramref name="data"/>, in declaration order.</summary>
    public static IReadOnlyList<string> MissingVariables(TemplateDefinition template, JsonObject data)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(data);
        return [.. template.Variables.Where(variable => TemplateData.Find(data, variable) is null)];
    }

    /// <summary>Throws <see cref="TemplateException"/> naming the offending locale, channel or part.</summary>
    public static void Validate(TemplateDefinition template)
    {
        ArgumentNullException.ThrowIfNull(template);
        TemplateValidator.Validate(template);
    }

    /// <summary>
    /// Wraps the email's HTML in its layout (<c>{{{body}}}</c> is the HTML, <c>subject</c> the rendered subject, the
    /// rest the notification's data), and its text part in the layout's text when both exist; an email without a text
    /// part gets one made from the HTML (<see cref="HtmlText"/>): from the wrapped HTML, or from the email's own put in the
    /// layout's text when the layout has one.
    /// </summary>
    private void Compose(TemplateDefinition template, JsonObject email, Dictionary<string, object?> context, RenderBudget budget, TemplateLibrary library)
    {
        var html = email["html"] is JsonValue h && h.TryGetValue<string>(out var hv) ? hv : null;
        var text = email["text"] is JsonValue t && t.TryGetValue<string>(out var tv) ? tv : null;
        var layout = template.Layout switch
        {
            null => library.FindLayout(TemplateLibrary.DefaultLayoutId),
            { LayoutId: { } id } => library.FindLayout(id)
                ?? throw new TemplateException("layout", $"unknown layout '{id}': no layout of that id in this environment", TemplateLibrary.UnknownLayout),
            _ => null,
        };

        if (layout is null)
        {
            if (text is null && html is not null)
            {
                email["text"] = HtmlText.Convert(html);
            }

            return;
        }

        string Wrap(string path, string source, string body)
        {
            var wrapping = new Dictionary<string, object?>(context, StringComparer.Ordinal) { ["body"] = body, ["subject"] = email["subject"]?.GetValue<string>() };
            var key = new TemplatePartKey(template.EnvironmentId, "\u0001layout:" + layout.LayoutId, 1, "", Channel.Email, path, layout.Hash);
            return RenderPart(key, source, wrapping, $"layouts.{layout.LayoutId}.{path}", budget, library);
        }

        if (html is not null)
        {
            email["html"] = Wrap("html", layout.Html, html);
        }

        if (layout.Text is { } textLayout && (text ?? (html is null ? null : HtmlText.Convert(html))) is { } body)
        {
            email["text"] = Wrap("text", textLayout, body);
        }
        else if (text is null && html is not null)
        {
            email["text"] = HtmlText.Convert(email["html"]!.GetValue<string>());
        }
    }

    private string RenderPart(TemplatePartKey key, string text, Dictionary<string, object?> context, string field, RenderBudget budget, TemplateLibrary library)
    {
        var escapeHtml = key.Channel == Channel.Email && key.Path == "html";
        // Partials are compiled in with the text that uses them (as inline partials), so a compiled part is one
        // environment's and is keyed by the partials' hashes: a changed partial compiles again, an unchanged one does not.
        var references = key.Version <= 0 ? PartialReferences.Of(text) : _references.GetOrAdd(key, static (_, t) => PartialReferences.Of(t), text);
        if (!references.IsEmpty && library.Closure(references, field) is { Count: > 0 } partials)
        {
            key = key with { Stamp = key.Stamp + string.Concat(partials.Select(p => $"|{p.Name}:{p.Hash}")) };
            text = string.Concat(partials.Select(p => $"{{{{#*inline \"{p.Name}\"}}}}{p.Source}{{{{/inline}}}}")) + text;
        }

        HandlebarsTemplate<TextWriter, object, object> compiled;
        try
        {
            // Version 0 is an unsaved draft (a preview): its text changes between calls, so it is never cached.
            compiled = key.Version <= 0
                ? _drafts.Compile(text, escapeHtml)
                : _compiled.GetOrAdd(key, static (_, state) => state.environments.Compile(state.text, state.escapeHtml), (environments: _environments, text, escapeHtml));
        }
        catch (HandlebarsException ex)
        {
            throw new TemplateException(field, $"template does not compile: {ex.Message}");
        }

        using var output = new BoundedWriter(budget);
        try
        {
            using (budget.Enter())
            {
                compiled(output, context, null!);
            }

            return output.ToString();
        }
        catch (Exception ex) when (OverBudget(ex) is { } over)
        {
            throw new TemplateException(field, $"render budget exceeded: {over.Message} (Herald:Templates:{over.Setting})") { Budget = over.Setting };
        }
        catch (HandlebarsUndefinedBindingException ex)
        {
            throw new TemplateException(ex.Path, $"missing template variable '{ex.Path}'");
        }
        catch (HandlebarsRuntimeException ex) when (MissingPartial(ex) is { } name)
        {
            // A partial named at run time ({{> (lookup ...)}}) that the environment lacks.
            throw new TemplateException(field, $"unknown partial '{name}': no partial of that name in this environment", TemplateLibrary.UnknownPartial);
        }
        catch (HandlebarsException ex)
        {
            throw new TemplateException(field, $"template failed to render: {ex.Message}");
        }
        catch (Exception ex) when (ex is IndexOutOfRangeException or ArgumentOutOfRangeException or NullReferenceException or InvalidCastException)
        {
            // Handlebars.Net throws these from inside its path resolver for some malformed templates (inline partials
            // closing blocks they never opened, found by the renderer's property test): the template's fault, not Herald's.
            throw new TemplateException(field, $"template failed to render: the template engine could not evaluate it ({ex.GetType().Name})");
        }
    }

    private static string? MissingPartial(HandlebarsRuntimeException ex)
    {
        var m = MissingPartialMessage().Match(ex.Message);
        return m.Success ? m.Groups["name"].Value : null;
    }

    [GeneratedRegex("Referenced partial name (?<name>.+?) could not be resolved")]
    private static partial Regex MissingPartialMessage();

    /// <summary>The budget a render went over, wherever Handlebars wrapped the exception; its partial-depth limit counts too.</summary>
    private RenderBudgetExceededException? OverBudget(Exception ex)
    {
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case RenderBudgetExceededException over:
                    return over;
                case HandlebarsRuntimeException when e.Message.Contains(HandlebarsEnvironments.PartialDepthMessage, StringComparison.Ordinal):
                    return new RenderBudgetExceededException($"partials nest more than {_limits.MaxPartialDepth} deep", nameof(TemplateRenderOptions.MaxPartialDepth));
                default:
                    continue;
            }
        }

        return null;
    }
}
