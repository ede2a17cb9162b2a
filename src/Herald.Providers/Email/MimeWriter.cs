using System.Globalization;
using System.Text;

namespace Herald.Providers.Email;

/// <summary>
/// Writes an <see cref="EmailMessage"/> as an RFC 5322 / MIME message in 7-bit ASCII with CRLF line ends: encoded-word
/// headers (RFC 2047) for non-ASCII text, quoted-printable UTF-8 bodies, multipart/alternative when both parts exist.
/// </summary>
internal static class MimeWriter
{
    public static string Write(EmailMessage message, DateTimeOffset date, string messageId)
    {
        ArgumentNullException.ThrowIfNull(message);
        var sb = new StringBuilder();
        Header(sb, "From", Mailbox(message.From));
        Header(sb, "To", message.To);
        if (message.ReplyTo is { } replyTo)
        {
            Header(sb, "Reply-To", Mailbox(replyTo));
        }

        Header(sb, "Subject", EncodeText(message.Subject));
        Header(sb, "Date", FormatDate(date));
        Header(sb, "Message-ID", messageId);
        Header(sb, "MIME-Version", "1.0");
        foreach (var (name, value) in message.Headers)
        {
            Header(sb, name, EncodeText(value));
        }

        if (message.Text is { } text && message.Html is { } html)
        {
            // "=_" cannot occur in quoted-printable output ('=' is always encoded there), so the boundary is safe.
            var boundary = "=_herald_" + Guid.NewGuid().ToString("N");
            Header(sb, "Content-Type", $"multipart/alternative; boundary=\"{boundary}\"");
            sb.Append("\r\nThis is a multi-part message in MIME format.\r\n");
            Part(sb, boundary, "text/plain", text);
            Part(sb, boundary, "text/html", html);
            sb.Append("--").Append(boundary).Append("--\r\n");
        }
        else
        {
            var (type, body) = message.Html is { } only ? ("text/html", only) : ("text/plain", message.Text ?? "");
            Header(sb, "Content-Type", $"{type}; charset=utf-8");
            Header(sb, "Content-Transfer-Encoding", "quoted-printable");
            sb.Append("\r\n").Append(QuotedPrintable(body)).Append("\r\n");
        }

        return sb.ToString();
    }

    /// <summary>RFC 5322 date-time in UTC, for example <c>Tue, 03 Mar 2026 09:04:05 +0000</c>.</summary>
    public static string FormatDate(DateTimeOffset date) =>
        date.ToUniversalTime().ToString("ddd, dd MMM yyyy HH:mm:ss", CultureInfo.InvariantCulture) + " +0000";

    /// <summary>A mailbox for a header: the display name (as atoms, quoted or encoded as needed), then the address in angle brackets.</summary>
    public static string Mailbox(EmailAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.DisplayName is not { } name)
        {
            return address.Address;
        }

        var display = !Ascii.IsValid(name) ? EncodeText(name)
            : name.All(c => char.IsAsciiLetterOrDigit(c) || c == ' ' || "!#$%&'*+-/=?^_`{|}~".Contains(c, StringComparison.Ordinal)) ? name
            : "\"" + name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
        return $"{display} <{address.Address}>";
    }

    /// <summary>ASCII text as is; anything else as folded UTF-8 base64 encoded-words, never splitting a character.</summary>
    public static string EncodeText(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (Ascii.IsValid(value))
        {
            return value;
        }

        const int maxBytes = 45; // 60 base64 characters + 12 of "=?UTF-8?B?" "?=" stays within the 75 an encoded-word may have
        var words = new List<string>();
        var chunk = new List<byte>();
        Span<byte> buffer = stackalloc byte[4];
        foreach (var rune in value.EnumerateRunes())
        {
            var n = rune.EncodeToUtf8(buffer);
            if (chunk.Count + n > maxBytes)
            {
                words.Add(Word(chunk));
                chunk.Clear();
            }

            chunk.AddRange(buffer[..n]);
        }

        words.Add(Word(chunk));
        return string.Join("\r\n ", words);

        static string Word(List<byte> bytes) => "=?UTF-8?B?" + Convert.ToBase64String([.. bytes]) + "?=";
    }

    /// <summary>Quoted-printable (RFC 2045 6.7) of the UTF-8 text, with CRLF hard breaks and lines of at most 76 characters.</summary>
    public static string QuotedPrintable(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sb = new StringBuilder();
        var lines = text.ReplaceLineEndings("\n").Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (i > 0)
            {
                sb.Append("\r\n");
            }

            var bytes = Encoding.UTF8.GetBytes(lines[i]);
            var length = 0;
            for (var j = 0; j < bytes.Length; j++)
            {
                var b = bytes[j];
                var last = j == bytes.Length - 1;
                var literal = b is (>= 33 and <= 126 and not (byte)'=') || (b is (byte)' ' or (byte)'\t' && !last);
                var token = literal ? ((char)b).ToString() : "=" + b.ToString("X2", CultureInfo.InvariantCulture);
                // Leave room for the soft break "=" (and, before the last byte, for a final escape).
                if (length + token.Length > (last ? 76 : 75))
                {
                    sb.Append("=\r\n");
                    length = 0;
                }

                sb.Append(token);
                length += token.Length;
            }
        }

        return sb.ToString();
    }

    private static void Part(StringBuilder sb, string boundary, string type, string body) =>
        sb.Append("--").Append(boundary).Append("\r\n")
            .Append("Content-Type: ").Append(type).Append("; charset=utf-8\r\n")
            .Append("Content-Transfer-Encoding: quoted-printable\r\n\r\n")
            .Append(QuotedPrintable(body)).Append("\r\n");

    private static void Header(StringBuilder sb, string name, string value) => sb.Append(name).Append(": ").Append(value).Append("\r\n");
}
