using System.Text.RegularExpressions;
using HandlebarsDotNet;
using Herald.Core.Domain;

namespace Herald.Core.Templates;

/// <summary>
/// What a layout, a partial or a published template must satisfy against its environment's library. Each check throws a
/// <see cref="TemplateException"/> naming the field: without a <see cref="TemplateException.Kind"/> the text itself is
/// wrong (it does not compile, a layout lacks <c>{{{body}}}</c>); with one it names what the library lacks
/// (<see cref="TemplateLibrary.UnknownPartial"/>, <see cref="TemplateLibrary.UnknownLayout"/>) or a partial that would
/// include itself (<see cref="PartialCycle"/>).
/// </summary>
public static partial class TemplateLibraryChecks
{
    /// <summary>The <see cref="TemplateException.Kind"/> of a partial that would include itself, directly or through others.</summary>
    public const string PartialCycle = "partial-cycle";

    public static void CheckPartial(TemplateLibrary library, string name, string source)
    {
        ArgumentNullException.ThrowIfNull(library);
        ArgumentNullException.ThrowIfNull(source);
        Compile(source, "source");
        var references = PartialReferences.Of(source);
        if (references.Required.Contains(name) || references.Optional.Contains(name))
        {
            throw new TemplateException("source", $"partial '{name}' includes itself", PartialCycle);
        }

        foreach (var partial in library.Closure(references, "source"))
        {
            if (partial.Name == name)
            {
                throw new TemplateException("source", $"partial '{name}' would include itself through the partials it uses", PartialCycle);
            }
        }
    }

    public static void CheckLayout(TemplateLibrary library, string html, string? text)
    {
        ArgumentNullException.ThrowIfNull(library);
        ArgumentNullException.ThrowIfNull(html);
        Compile(html, "html");
        if (!TripleBody().IsMatch(html))
        {
            throw new TemplateException("html", "a layout's html must contain {{{body}}} where the email's HTML goes");
        }

        library.Closure(PartialReferences.Of(html), "html");
        if (text is not null)
        {
            Compile(text, "text");
            if (!AnyBody().IsMatch(text))
            {
                throw new TemplateException("text", "a layout's text must contain {{body}} where the email's text goes");
            }

            library.Closure(PartialReferences.Of(text), "text");
        }
    }

    /// <summary>Every partial the template's parts name (default and per locale) and the layout it names are in the library.</summary>
    public static void CheckPublishable(TemplateLibrary library, TemplateDefinition template)
    {
        ArgumentNullException.ThrowIfNull(library);
        ArgumentNullException.ThrowIfNull(template);
        var channels = template.Channels.Select(c => ($"channels.{c.Key.ToWire()}", c.Value))
            .Concat(template.Locales.SelectMany(l => l.Value.Select(c => ($"locales.{l.Key}.{c.Key.ToWire()}", c.Value))));
        foreach (var (prefix, parts) in channels)
        {
            foreach (var (path, source) in TemplateParts.StringLeaves(parts))
            {
                library.Closure(PartialReferences.Of(source), $"{prefix}.{path}");
            }
        }

        if (template.Layout is { LayoutId: { } id } && library.FindLayout(id) is null)
        {
            throw new TemplateException("layout", $"unknown layout '{id}': no layout of that id in this environment", TemplateLibrary.UnknownLayout);
        }
    }

    private static void Compile(string source, string field)
    {
        try
        {
            HandlebarsEnvironments.Default.Compile(source, escapeHtml: false);
        }
        catch (HandlebarsException ex)
        {
            throw new TemplateException(field, $"template does not compile: {ex.Message}");
        }
    }

    [GeneratedRegex("""\{\{\{~?\s*body\s*~?\}\}\}""")]
    private static partial Regex TripleBody();

    [GeneratedRegex("""\{\{\{?~?\s*body\s*~?\}?\}\}""")]
    private static partial Regex AnyBody();
}
