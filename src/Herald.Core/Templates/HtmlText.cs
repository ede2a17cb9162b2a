using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace Herald.Core.Templates;

/// <summary>
/// The text part of an email from its HTML, for templates that write none: paragraphs and headings become blank-line
/// separated blocks, <c>&lt;br&gt;</c> a line break, list items "- " (or "1. " in an ordered list) lines, a link
/// "text (url)", an image its alt text; script, style, head and comments are dropped; entities are decoded and runs of
/// white space collapse as a browser shows them (except inside <c>&lt;pre&gt;</c>).
/// </summary>
/// <remarks>
/// A tokenizer over tags, not a parser: an email's HTML is the template author's, and what goes wrong on broken markup is
/// only the text part's look. Linear in the input (each regex match moves forward), so it is safe on any rendered size.
/// </remarks>
internal static partial class HtmlText
{
    private static readonly HashSet<string> Blocks = new(StringComparer.OrdinalIgnoreCase)
    {
        "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "table", "tr", "ul", "ol", "blockquote", "section", "article", "header", "footer",
        "main", "nav", "aside", "hr", "pre", "center", "dl", "dt", "dd", "address", "figure", "form", "fieldset",
    };

    private static readonly HashSet<string> Hidden = new(StringComparer.OrdinalIgnoreCase) { "script", "style", "head", "title", "template", "noscript" };

    public static string Convert(string html)
    {
        ArgumentNullException.ThrowIfNull(html);
        var output = new Output();
        var lists = new Stack<int>();
        var links = new Stack<(string? Href, int Start)>();
        var pre = 0;
        var at = 0;
        foreach (Match tag in Tag().Matches(html))
        {
            if (tag.Index < at)
            {
                continue;
            }

            output.Text(html[at..tag.Index], pre > 0);
            at = tag.Index + tag.Length;
            if (tag.Value.StartsWith("<!--", StringComparison.Ordinal))
            {
                continue;
            }

            var name = tag.Groups["name"].Value;
            var closing = tag.Groups["close"].Success;
            if (!closing && Hidden.Contains(name))
            {
                // Everything up to the matching end tag is not shown (a script's text is never markup).
                var end = html.IndexOf("</" + name, at, StringComparison.OrdinalIgnoreCase);
                var close = end < 0 ? -1 : html.IndexOf('>', end);
                at = close < 0 ? html.Length : close + 1;
                continue;
            }

            switch (name.ToLowerInvariant())
            {
                case "br":
                    output.LineBreak();
                    break;
                case "li" when !closing:
                    output.Line();
                    if (lists.Count > 0 && lists.Peek() > 0)
                    {
                        var n = lists.Pop();
                        lists.Push(n + 1);
                        output.Raw(new string(' ', 2 * (lists.Count - 1)) + n.ToString(System.Globalization.CultureInfo.InvariantCulture) + ". ");
                    }
                    else
                    {
                        output.Raw(new string(' ', 2 * Math.Max(0, lists.Count - 1)) + "- ");
                    }

                    break;
                case "ul" or "ol":
                    if (closing)
                    {
                        lists.TryPop(out _);
                    }
                    else
                    {
                        lists.Push(name.Equals("ol", StringComparison.OrdinalIgnoreCase) ? 1 : 0);
                    }

                    output.Paragraph();
                    break;
                case "pre":
                    pre = Math.Max(0, pre + (closing ? -1 : 1));
                    output.Paragraph();
                    break;
                case "td" or "th" when !closing:
                    output.Raw(" ");
                    break;
                case "img" when !closing && Attribute(tag.Value, "alt") is { Length: > 0 } alt:
                    output.Text(alt, preformatted: false);
                    break;
                case "a" when !closing:
                    links.Push((Attribute(tag.Value, "href"), output.Length));
                    break;
                case "a" when links.TryPop(out var link):
                    output.Link(link.Href, link.Start);
                    break;
                default:
                    if (Blocks.Contains(name))
                    {
                        output.Paragraph();
                    }

                    break;
            }
        }

        output.Text(html[Math.Min(at, html.Length)..], pre > 0);
        return output.ToString();
    }

    private static string? Attribute(string tag, string name)
    {
        foreach (Match m in Attributes().Matches(tag))
        {
            if (m.Groups["name"].Value.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return WebUtility.HtmlDecode(m.Groups["value"].Value).Trim();
            }
        }

        return null;
    }

    /// <summary>The text being built: pending breaks are written only before more text, so none trail or pile up.</summary>
    private sealed class Output
    {
        private readonly StringBuilder _text = new();
        private int _breaks;
        private bool _space;

        public int Length => _text.Length;

        public void Text(string html, bool preformatted)
        {
            var text = WebUtility.HtmlDecode(html);
            if (preformatted)
            {
                Flush();
                _text.Append(text.Replace("\r\n", "\n", StringComparison.Ordinal));
                return;
            }

            foreach (var c in text)
            {
                if (char.IsWhiteSpace(c) && c != '\u00a0')
                {
                    _space = true;
                    continue;
                }

                Flush();
                if (_space && _text.Length > 0 && _text[^1] is not ('\n' or ' '))
                {
                    _text.Append(' ');
                }

                _space = false;
                _text.Append(c == '\u00a0' ? ' ' : c);
            }
        }

        public void Raw(string text)
        {
            Flush();
            _text.Append(text);
            _space = false;
        }

        public void LineBreak()
        {
            Flush();
            _text.Append('\n');
            _space = false;
        }

        public void Line() => _breaks = Math.Max(_breaks, 1);

        public void Paragraph() => _breaks = 2;

        public void Link(string? href, int start)
        {
            var label = _text.ToString(start, _text.Length - start).Trim();
            if (string.IsNullOrEmpty(href) || href.StartsWith('#') || href.StartsWith("javascript:", StringComparison.OrdinalIgnoreCase))
            {
                return;
            }

            var shown = href.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase) ? href["mailto:".Length..] : href;
            if (label.Length == 0)
            {
                Raw(shown);
            }
            else if (!string.Equals(label, shown, StringComparison.OrdinalIgnoreCase))
            {
                Raw($" ({shown})");
            }
        }

        public override string ToString()
        {
            var lines = _text.ToString().Split('\n').Select(l => l.TrimEnd());
            return string.Join('\n', lines).Trim('\n', ' ');
        }

        private void Flush()
        {
            if (_text.Length == 0)
            {
                _breaks = 0;
                return;
            }

            if (_breaks > 0)
            {
                var existing = 0;
                for (var i = _text.Length - 1; i >= 0 && _text[i] == '\n'; i--)
                {
                    existing++;
                }

                _text.Append('\n', Math.Max(0, _breaks - existing));
                _breaks = 0;
                _space = false;
            }
        }
    }

    [GeneratedRegex("""<!--.*?-->|<(?<close>/)?(?<name>[A-Za-z][A-Za-z0-9]*)(?:[^>"']|"[^"]*"|'[^']*')*>""", RegexOptions.Singleline | RegexOptions.NonBacktracking)]
    private static partial Regex Tag();

    [GeneratedRegex("""(?<name>[A-Za-z_:][-A-Za-z0-9_:.]*)\s*=\s*(?:"(?<value>[^"]*)"|'(?<value>[^']*)'|(?<value>[^\s"'>]+))""", RegexOptions.NonBacktracking)]
    private static partial Regex Attributes();
}
