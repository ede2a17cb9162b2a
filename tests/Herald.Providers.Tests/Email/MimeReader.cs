using System.Text;
using System.Text.RegularExpressions;

namespace Herald.Providers.Tests.Email;

/// <summary>A small independent MIME reader for tests: unfolds and decodes headers, splits multiparts, decodes bodies.</summary>
public sealed partial class MimeReader
{
    private MimeReader(List<KeyValuePair<string, string>> headers, string rawBody)
    {
        Headers = headers;
        RawBody = rawBody;
    }

    public List<KeyValuePair<string, string>> Headers { get; }

    public string RawBody { get; }

    public IReadOnlyList<string> All(string name) => [.. Headers.Where(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value)];

    /// <summary>The header's value with RFC 2047 encoded-words decoded.</summary>
    public string? Header(string name) => All(name) is [var first, ..] ? DecodeWords(first) : null;

    public string ContentType => (Header("Content-Type") ?? "text/plain").Split(';')[0].Trim().ToLowerInvariant();

    public IReadOnlyList<MimeReader> Parts
    {
        get
        {
            if (!ContentType.StartsWith("multipart/"))
            {
                return [];
            }

            var boundary = BoundaryPattern().Match(Header("Content-Type")!).Groups[1].Value.Trim('"');
            var sections = RawBody.Split("--" + boundary);
            return [.. sections.Skip(1).TakeWhile(s => !s.StartsWith("--")).Select(s => Parse(s.TrimStart('\r', '\n')))];
        }
    }

    /// <summary>The body decoded by its Content-Transfer-Encoding (quoted-printable or base64) as UTF-8.</summary>
    public string Text
    {
        get
        {
            var body = RawBody.EndsWith("\r\n") ? RawBody[..^2] : RawBody;
            return (Header("Content-Transfer-Encoding") ?? "7bit").ToLowerInvariant() switch
            {
                "quoted-printable" => Encoding.UTF8.GetString(DecodeQuotedPrintable(body)),
                "base64" => Encoding.UTF8.GetString(Convert.FromBase64String(body.Replace("\r\n", ""))),
                _ => body,
            };
        }
    }

    public static MimeReader Parse(string raw)
    {
        var split = raw.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var head = split < 0 ? raw : raw[..split];
        var body = split < 0 ? "" : raw[(split + 4)..];
        var headers = new List<KeyValuePair<string, string>>();
        foreach (var line in head.Split("\r\n"))
        {
            if (line.Length > 0 && (line[0] == ' ' || line[0] == '\t') && headers.Count > 0)
            {
                var last = headers[^1];
                headers[^1] = new(last.Key, last.Value + line);
            }
            else if (line.IndexOf(':') is > 0 and var colon)
            {
                headers.Add(new(line[..colon], line[(colon + 1)..].TrimStart()));
            }
        }

        return new MimeReader(headers, body);
    }

    public static byte[] DecodeQuotedPrintable(string text)
    {
        var bytes = new List<byte>();
        var s = text.Replace("=\r\n", "");
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '=' && i + 2 < s.Length)
            {
                bytes.Add(Convert.ToByte(s.Substring(i + 1, 2), 16));
                i += 2;
            }
            else
            {
                bytes.AddRange(Encoding.ASCII.GetBytes(s[i].ToString()));
            }
        }

        return [.. bytes];
    }

    public static string DecodeWords(string value)
    {
        // Whitespace between two adjacent encoded-words is not part of the text (RFC 2047 6.2).
        var joined = AdjacentWords().Replace(value, "$1$2");
        return EncodedWord().Replace(joined, m => m.Groups[2].Value.Equals("B", StringComparison.OrdinalIgnoreCase)
            ? Encoding.UTF8.GetString(Convert.FromBase64String(m.Groups[3].Value))
            : Encoding.UTF8.GetString(DecodeQuotedPrintable(m.Groups[3].Value.Replace('_', ' '))));
    }

    [GeneratedRegex(@"boundary=(""[^""]+""|[^;\s]+)", RegexOptions.IgnoreCase)]
    private static partial Regex BoundaryPattern();

    [GeneratedRegex(@"=\?([^?]+)\?([BbQq])\?([^?]*)\?=")]
    private static partial Regex EncodedWord();

    [GeneratedRegex(@"(\?=)\s+(=\?)")]
    private static partial Regex AdjacentWords();
}
