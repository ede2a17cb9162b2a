using HandlebarsDotNet;

namespace Herald.Core.Templates;

/// <summary>
/// Bounds on one template string, checked before it is compiled: Handlebars.Net compiles recursively (a deep enough
/// nesting of blocks or sub-expressions overflows the stack, which ends the process) and under a lock shared by every
/// compile, so neither size nor depth may be left to the caller.
/// </summary>
internal static class TemplateSource
{
    /// <summary>Longest template string (one part). A rich HTML email is tens of KB.</summary>
    public const int MaxChars = 256 * 1024;

    /// <summary>
    /// Most tags (<c>{{…}}</c>) in one template string. Handlebars.Net compiles a tag in about a millisecond, so this
    /// bounds one compile to about a second; a rich HTML email has well under a hundred.
    /// </summary>
    public const int MaxTags = 1_000;

    /// <summary>Deepest nesting of blocks (<c>{{#…}}</c>) and sub-expressions (parentheses inside a tag).</summary>
    public const int MaxNesting = 32;

    /// <exception cref="HandlebarsCompilerException">The source is too long or nests too deeply.</exception>
    public static void Check(string source)
    {
        if (source.Length > MaxChars)
        {
            throw new HandlebarsCompilerException($"the part is {source.Length} characters long; the limit is {MaxChars}");
        }

        int blocks = 0, tags = 0;
        for (var at = source.IndexOf("{{", StringComparison.Ordinal); at >= 0; at = source.IndexOf("{{", at, StringComparison.Ordinal))
        {
            at += 2;
            if (++tags > MaxTags)
            {
                throw new HandlebarsCompilerException($"the part has more than {MaxTags} tags");
            }

            while (at < source.Length && source[at] is '{' or '~' or ' ')
            {
                at++;
            }

            if (at < source.Length)
            {
                blocks += source[at] switch { '#' => 1, '/' => -1, _ => 0 };
            }

            var end = source.IndexOf("}}", at, StringComparison.Ordinal);
            var parens = Parens(source, at, end < 0 ? source.Length : end);
            if (blocks > MaxNesting || parens > MaxNesting)
            {
                throw new HandlebarsCompilerException($"blocks or sub-expressions nest more than {MaxNesting} deep");
            }
        }
    }

    private static int Parens(string source, int from, int to)
    {
        int depth = 0, deepest = 0;
        for (var i = from; i < to; i++)
        {
            depth += source[i] switch { '(' => 1, ')' => -1, _ => 0 };
            deepest = Math.Max(deepest, depth);
        }

        return deepest;
    }
}
