using System.Text;
using Herald.Providers.Email;
using MimeKit;
using MimeKit.Text;

namespace Herald.Providers.Smtp;

/// <summary>
/// An <see cref="EmailMessage"/> as a MimeKit message: the same headers the other email providers send
/// (<c>X-Herald-Delivery-Id</c>, the RFC 8058 unsubscribe pair), quoted-printable UTF-8 parts (7-bit safe on any relay),
/// multipart/alternative when both parts exist. MimeKit encodes non-ASCII headers (RFC 2047), or writes them as UTF-8
/// when the transaction uses SMTPUTF8.
/// </summary>
internal static class SmtpMime
{
    public static MimeMessage Build(EmailMessage message, MailboxAddress to, DateTimeOffset date, string messageId)
    {
        ArgumentNullException.ThrowIfNull(message);
        var mime = new MimeMessage { Subject = message.Subject, Date = date, MessageId = messageId };
        mime.From.Add(Mailbox(message.From));
        mime.To.Add(to);
        if (message.ReplyTo is { } replyTo)
        {
            mime.ReplyTo.Add(Mailbox(replyTo));
        }

        foreach (var (name, value) in message.Headers)
        {
            mime.Headers.Add(name, value);
        }

        mime.Body = (message.Text, message.Html) switch
        {
            ({ } text, { } html) => new MultipartAlternative { Part(TextFormat.Plain, text), Part(TextFormat.Html, html) },
            (_, { } html) => Part(TextFormat.Html, html),
            (var text, _) => Part(TextFormat.Plain, text ?? ""),
        };
        return mime;
    }

    public static MailboxAddress Mailbox(EmailAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return new MailboxAddress(address.DisplayName, address.Address);
    }

    /// <remarks>
    /// The body is encoded by <see cref="MimeWriter.QuotedPrintable"/> rather than MimeKit's encoder, which ends a text
    /// without a final line break with a soft break ("=" on the last line): valid, but readers that drop the line end
    /// before decoding show a stray "=". Ours ends the text as it is; the bytes on the wire stay what they were.
    /// </remarks>
    private static TextPart Part(TextFormat format, string text)
    {
        var part = new TextPart(format) { ContentTransferEncoding = ContentEncoding.QuotedPrintable };
        part.ContentType.Charset = "utf-8";
        part.Content = new MimeContent(new MemoryStream(Encoding.ASCII.GetBytes(MimeWriter.QuotedPrintable(text))), ContentEncoding.QuotedPrintable);
        return part;
    }
}
