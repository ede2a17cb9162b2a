using Herald.Core.Domain;

namespace Herald.Core.Templates;

/// <summary>
/// Links a client opens (the in-app <c>action_url</c>, a push notification's <c>url</c> or <c>action_url</c>) may only be
/// <c>https:</c>, <c>http:</c> or relative. Anything else (<c>javascript:</c>, <c>data:</c>, <c>vbscript:</c>, …) would run
/// or show attacker-chosen content in the page or app that opens it, so the render fails naming the part: the
/// delivery is traced as <c>render failed</c> and a preview answers 422. Failing, rather than dropping the link, keeps
/// bad data visible, as a missing variable is.
/// </summary>
internal static class SafeLinks
{
    /// <summary>The <see cref="TemplateException.Kind"/> of a refused link.</summary>
    public const string UnsafeLink = "unsafe-link";

    private static readonly char[] ControlOrSpace = [.. Enumerable.Range(0, 0x21).Select(c => (char)c)];

    /// <summary>Whether <paramref name="channel"/>'s part at <paramref name="path"/> is a link that must pass <see cref="IsSafe"/>.</summary>
    public static bool IsLinkPart(Channel channel, string path) => channel switch
    {
        Channel.InApp => path == "action_url",
        Channel.Push => path is "url" or "action_url",
        _ => false,
    };

    /// <summary>
    /// True for an http(s) URL or a relative one (no scheme). Parsed the way browsers do: tabs and line breaks anywhere
    /// and control characters or spaces at either end are ignored, so <c>" java\tscript:"</c> is still refused.
    /// </summary>
    public static bool IsSafe(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var s = url.Replace("\t", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal).Replace("\r", "", StringComparison.Ordinal)
            .Trim(ControlOrSpace);
        // A colon before the first '/', '?' or '#' makes the text absolute (its scheme is what precedes the colon);
        // a relative path with such a colon has to be written "./a:b", so nothing safe is refused.
        var end = s.AsSpan().IndexOfAny('/', '?', '#');
        var colon = s.AsSpan(0, end < 0 ? s.Length : end).IndexOf(':');
        if (colon < 0)
        {
            return true;
        }

        var scheme = s[..colon];
        return scheme.Equals("https", StringComparison.OrdinalIgnoreCase) || scheme.Equals("http", StringComparison.OrdinalIgnoreCase);
    }

    /// <exception cref="TemplateException">The rendered link is not safe.</exception>
    public static void Ensure(Channel channel, string path, string rendered, string field)
    {
        if (IsLinkPart(channel, path) && !IsSafe(rendered))
        {
            throw new TemplateException(field, $"{path} must be an https, http or relative URL; the rendered link has another scheme", UnsafeLink);
        }
    }
}
