using System.Globalization;
using System.Text;
using Herald.Core.Domain;
using Herald.Providers.Abstractions;
using Herald.Providers.Email;

namespace Herald.Providers.Smtp;

/// <summary>
/// Email over SMTP submission (RFC 5321/6409) with a small client of our own, one connection per message.
/// Settings (<c>Herald:Providers:&lt;name&gt;:...</c>):
/// <list type="bullet">
/// <item><c>Host</c> (required), <c>Port</c> (default 587).</item>
/// <item><c>StartTls</c> (default true): upgrade with STARTTLS and fail as misconfigured when the server does not offer it.</item>
/// <item><c>Username</c>/<c>Password</c> (optional, together): AUTH PLAIN, or LOGIN when PLAIN is not offered.</item>
/// <item><c>ServerCertificateSha256</c> (optional): hex SHA-256 of the server certificate to pin (self-signed relays); otherwise the
/// certificate is validated normally.</item>
/// <item><c>From</c> (required, <c>Name &lt;addr&gt;</c> or <c>addr</c>), <c>ReplyTo</c> (optional), <c>HeloName</c> (default the host name),
/// <c>Timeout</c> (per SMTP step, default 10 s).</item>
/// </list>
/// Outcomes: connection failures and 4xx retry; 530/535 misconfigured; 550/551/553 with 5.1.x at RCPT an invalid target;
/// other 5xx rejected; a timeout or lost connection after the final "." of DATA unknown.
/// </summary>
public sealed class SmtpAdapter : IProviderAdapter
{
    private readonly ProviderContext _context;
    private readonly SmtpOptions _options;
    private readonly EmailComposer _composer;

    public SmtpAdapter(ProviderContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
        _options = SmtpOptions.Read(context);
        _composer = new EmailComposer(EmailSender.Read(context), context.Tracking);
    }

    public string Name => _context.Name;

    public string Type => "smtp";

    public Channel Channel => Channel.Email;

    public async Task<DeliveryOutcome> SendAsync(Delivery delivery, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        if (!_composer.TryCompose(delivery, out var message, out var error))
        {
            return new DeliveryOutcome.Rejected(error);
        }

        if (EnvelopeAddress(message.To) is not { } to)
        {
            // The same verdict a server gives with 553 5.1.3 (bad destination mailbox syntax).
            return new DeliveryOutcome.InvalidTarget($"'{message.To}' is not an address SMTP can carry (non-ASCII mailbox names need SMTPUTF8, which this client does not speak)");
        }

        var messageId = $"{MessageIdLocalPart(delivery.Id)}@{message.From.Domain}";
        var mime = MimeWriter.Write(message, _context.Time.GetUtcNow(), $"<{messageId}>");
        return await new SmtpTransaction(_options).RunAsync(message.From.Address, to, DotStuff(mime), messageId, ct);
    }

    /// <summary>SMTP cannot be asked whether a server took a message: the priority's unknown-outcome policy decides.</summary>
    public Task<LookUpAnswer> LookUpAsync(Delivery delivery, CancellationToken ct) => Task.FromResult(LookUpAnswer.CannotAsk);

    /// <summary>The DATA payload: lines starting with "." get another one (RFC 5321 4.5.2), then the terminating ".".</summary>
    internal static byte[] DotStuff(string mime)
    {
        var sb = new StringBuilder(mime.Length + 16);
        foreach (var line in mime.ReplaceLineEndings("\r\n").Split("\r\n"))
        {
            if (line.StartsWith('.'))
            {
                sb.Append('.');
            }

            sb.Append(line).Append("\r\n");
        }

        // Split leaves an empty last element after the final CRLF; drop the blank line it produced.
        if (mime.EndsWith("\r\n", StringComparison.Ordinal))
        {
            sb.Length -= 2;
        }

        sb.Append(".\r\n");
        return Encoding.ASCII.GetBytes(sb.ToString());
    }

    /// <summary>The address for RCPT TO: ASCII local part, domain in IDNA form; null when SMTP cannot carry it.</summary>
    internal static string? EnvelopeAddress(string address)
    {
        if (!EmailAddress.IsAddress(address))
        {
            return null;
        }

        var at = address.LastIndexOf('@');
        var local = address[..at];
        if (!Ascii.IsValid(local))
        {
            return null;
        }

        try
        {
            return local + "@" + new IdnMapping().GetAscii(address[(at + 1)..]);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static string MessageIdLocalPart(string deliveryId) =>
        string.Concat(deliveryId.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '-'));
}
