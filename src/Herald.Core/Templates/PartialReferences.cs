using System.Text.RegularExpressions;

namespace Herald.Core.Templates;

/// <summary>
/// The partials a template string names: <c>{{> name}}</c> (required) and <c>{{#> name}}…{{/name}}</c> (its block is the
/// fallback, so the partial is optional), minus those the string defines inline (<c>{{#*inline "name"}}</c>). A dynamic
/// name (<c>{{> (lookup …)}}</c>) cannot be known before the render; a missing one fails the render then.
/// </summary>
internal static partial class PartialReferences
{
    /// <summary>Letters, digits, '_' and '-', 1-64 characters: what a partial may be called.</summary>
    public static bool IsName(string? name) => name is not null && NameShape().IsMatch(name);

    public static References Of(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (!source.Contains("{{", StringComparison.Ordinal))
        {
            return References.None;
        }

        var inline = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match m in InlineDefinition().Matches(source))
        {
            inline.Add(m.Groups["name"].Value);
        }

        List<string>? required = null, optional = null;
        foreach (Match m in PartialCall().Matches(source))
        {
            var name = m.Groups["name"].Value;
            if (name == "@partial-block" || inline.Contains(name))
            {
                continue;
            }

            var list = m.Groups["block"].Success ? (optional ??= []) : (required ??= []);
            if (!list.Contains(name))
            {
                list.Add(name);
            }
        }

        return required is null && optional is null ? References.None : new References(required ?? [], optional ?? []);
    }

    internal sealed record References(IReadOnlyList<string> Required, IReadOnlyList<string> Optional)
    {
        public static References None { get; } = new([], []);

        public bool IsEmpty => Required.Count == 0 && Optional.Count == 0;
    }

    [GeneratedRegex("""^[A-Za-z0-9_-]{1,64}$""")]
    private static partial Regex NameShape();

    // {{> name}}, {{~> name}}, {{#> name}}, {{> "name"}}; a sub-expression "(…)" is dynamic and not matched.
    [GeneratedRegex("""\{\{~?\s*(?<block>\#)?>\s*(?:"(?<name>[^"]+)"|'(?<name>[^']+)'|(?<name>@?[A-Za-z0-9_\-./]+))""")]
    private static partial Regex PartialCall();

    [GeneratedRegex("""\{\{~?\s*\#\*inline\s+(?:"(?<name>[^"]+)"|'(?<name>[^']+)')""")]
    private static partial Regex InlineDefinition();
}
