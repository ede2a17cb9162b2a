using System.Security.Cryptography;
using System.Text;
using Herald.Core.Domain;

namespace Herald.Core.Templates;

/// <summary>
/// One environment's layouts and partials as of one read: immutable, so a render sees one consistent library. Each entry
/// carries a hash of its text, which keys compiled templates (a changed partial compiles again, an unchanged one does not).
/// </summary>
public sealed class TemplateLibrary
{
    /// <summary>The id of the layout that wraps every email of its environment unless a template names another or opts out.</summary>
    public const string DefaultLayoutId = "default";

    private readonly Dictionary<string, Partial> _partials;
    private readonly Dictionary<string, Layout> _layouts;

    public TemplateLibrary(IEnumerable<StoredLayout> layouts, IEnumerable<StoredPartial> partials)
    {
        ArgumentNullException.ThrowIfNull(layouts);
        ArgumentNullException.ThrowIfNull(partials);
        _layouts = layouts.ToDictionary(l => l.LayoutId, l => new Layout(l.LayoutId, l.Html, l.Text, Hash(l.Html + '\u001f' + l.Text)), StringComparer.Ordinal);
        _partials = partials.ToDictionary(p => p.Name, p => new Partial(p.Name, p.Source, Hash(p.Source), PartialReferences.Of(p.Source)), StringComparer.Ordinal);
    }

    /// <summary>No layouts, no partials.</summary>
    public static TemplateLibrary Empty { get; } = new([], []);

    /// <summary>What a layout id may be: 1-128 letters, digits, '.', '_', '-' or ':' (as a template id).</summary>
    public static bool IsLayoutId(string? id) => id is { Length: >= 1 and <= 128 } && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or ':');

    /// <summary>What a partial may be called: 1-64 letters, digits, '_' or '-' (a name Handlebars reads as one).</summary>
    public static bool IsPartialName(string? name) => PartialReferences.IsName(name);

    public Layout? FindLayout(string layoutId) => _layouts.GetValueOrDefault(layoutId);

    internal Partial? FindPartial(string name) => _partials.GetValueOrDefault(name);

    /// <summary>
    /// The partials <paramref name="references"/> name and every partial those name in turn, each once, in name order.
    /// </summary>
    /// <exception cref="TemplateException">A required partial is not in the library (<c>unknown-partial</c>).</exception>
    internal IReadOnlyList<Partial> Closure(PartialReferences.References references, string field)
    {
        var found = new SortedDictionary<string, Partial>(StringComparer.Ordinal);
        var pending = new Stack<(string Name, bool Required)>(references.Required.Select(n => (n, true)).Concat(references.Optional.Select(n => (n, false))));
        while (pending.TryPop(out var next))
        {
            if (found.ContainsKey(next.Name))
            {
                continue;
            }

            if (!_partials.TryGetValue(next.Name, out var partial))
            {
                if (next.Required)
                {
                    throw new TemplateException(field, $"unknown partial '{next.Name}': no partial of that name in this environment", UnknownPartial);
                }

                continue;
            }

            found[next.Name] = partial;
            foreach (var name in partial.References.Required)
            {
                pending.Push((name, true));
            }

            foreach (var name in partial.References.Optional)
            {
                pending.Push((name, false));
            }
        }

        return [.. found.Values];
    }

    /// <summary>The <see cref="TemplateException.Kind"/> of a partial the library lacks.</summary>
    public const string UnknownPartial = "unknown-partial";

    /// <summary>The <see cref="TemplateException.Kind"/> of a layout the library lacks.</summary>
    public const string UnknownLayout = "unknown-layout";

    private static string Hash(string text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)), 0, 12);

    public sealed record Layout(string LayoutId, string Html, string? Text, string Hash);

    internal sealed record Partial(string Name, string Source, string Hash, PartialReferences.References References);
}
