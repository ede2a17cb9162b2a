using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;
using HandlebarsDotNet;
using HandlebarsDotNet.Compiler;
using Herald.Core.Domain;

namespace Herald.Core.Templates;

/// <summary>
/// Renders template parts for one channel with strict Handlebars (a missing variable is an error).
/// Only the email "html" part is HTML-escaped. Thread-safe; register as a singleton.
/// </summary>
/// <remarks>
/// Compiled strings are cached by (template id, version, locale source, channel, part path): published versions
/// are immutable, so a definition with the same id and version is assumed to carry the same text. Version 0 (an unsaved
/// draft being previewed) is compiled every time.
/// </remarks>
public sealed class TemplateRenderer
{
    private readonly ConcurrentDictionary<TemplatePartKey, HandlebarsTemplate<object, object>> _compiled = new();

    /// <summary>Renders every string leaf of the channel's parts (after locale fallback) against <paramref name="data"/>.</summary>
    /// <exception cref="TemplateException">The channel is missing, a variable is missing, or a part fails to render.</exception>
    public JsonObject Render(TemplateDefinition template, Channel channel, string? locale, JsonObject data)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(data);

        var wire = channel.ToWire();
        var (parts, source) = TemplateLocales.Resolve(template, channel, locale)
            ?? throw new TemplateException($"channels.{wire}", $"template '{template.TemplateId}' v{template.Version} has no '{wire}' channel");

        var context = TemplateData.ToBindable(data);
        return TemplateParts.Map(parts, (path, text) =>
        {
            var key = new TemplatePartKey(template.TemplateId, template.Version, source, channel, path);
            var fieldPrefix = source.Length == 0 ? $"channels.{wire}" : $"locales.{source}.{wire}";
            var rendered = RenderPart(key, text, context, $"{fieldPrefix}.{path}");
            SafeLinks.Ensure(channel, path, rendered, $"{fieldPrefix}.{path}");
            return rendered;
        });
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

    private string RenderPart(TemplatePartKey key, string text, Dictionary<string, object?> context, string field)
    {
        var escapeHtml = key.Channel == Channel.Email && key.Path == "html";
        HandlebarsTemplate<object, object> compiled;
        try
        {
            // Version 0 is an unsaved draft (a preview): its text changes between calls, so it is never cached.
            compiled = key.Version <= 0
                ? HandlebarsEnvironments.Compile(text, escapeHtml)
                : _compiled.GetOrAdd(key, static (_, state) => HandlebarsEnvironments.Compile(state.text, state.escapeHtml), (text, escapeHtml));
        }
        catch (HandlebarsException ex)
        {
            throw new TemplateException(field, $"template does not compile: {ex.Message}");
        }

        try
        {
            return compiled(context);
        }
        catch (HandlebarsUndefinedBindingException ex)
        {
            throw new TemplateException(ex.Path, $"missing template variable '{ex.Path}'");
        }
        catch (HandlebarsException ex)
        {
            throw new TemplateException(field, $"template failed to render: {ex.Message}");
        }
    }
}
