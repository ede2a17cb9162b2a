using System.Globalization;
using Herald.Core.Domain;
using Herald.Providers.Abstractions;
using Herald.Providers.Email;
using MimeKit;

namespace Herald.Providers.Smtp;

/// <summary>
/// Email over SMTP submission (RFC 5321/6409) with MailKit's client and a MimeKit message, over a small pool of connections
/// kept open between messages (<see cref="SmtpConnectionPool"/>).
/// Settings (<c>Herald:Providers:&lt;name&gt;:...</c>):
/// <list type="bullet">
/// <item><c>Host</c> (required), <c>Port</c> (default 587, or 465 with <c>Security=SslOnConnect</c>).</item>
/// <item><c>Security</c>: <c>StartTlsRequired</c> (the default: fail as misconfigured when the server does not offer STARTTLS),
/// <c>StartTlsWhenAvailable</c>, <c>SslOnConnect</c> (implicit TLS; the default on port 465) or <c>None</c>. The older
/// <c>StartTls=false</c> still means <c>None</c>; set one of the two, not both.</item>
/// <item><c>Username</c>/<c>Password</c> (optional, together): AUTH with the strongest mechanism both sides know.</item>
/// <item><c>ServerCertificateSha256</c> (optional): hex SHA-256 of the server certificate to pin (self-signed relays); otherwise the
/// certificate is validated normally.</item>
/// <item><c>From</c> (required, <c>Name &lt;addr&gt;</c> or <c>addr</c>), <c>ReplyTo</c> (optional), <c>HeloName</c> (default the host name),
/// <c>Timeout</c> (per SMTP step, default 10 s), <c>MaxConnections</c> (open at once, default 2).</item>
/// </list>
/// A non-ASCII mailbox name goes out with SMTPUTF8 (RFC 6531) when the server offers it, else is an invalid target.
/// Outcomes: connection failures and 4xx retry; 530/535 misconfigured; 550/551/553 with 5.1.x at RCPT an invalid target;
/// other 5xx rejected; a timeout or lost connection after the message has left unknown.
/// </summary>
public sealed class SmtpAdapter : IProviderAdapter, IDisposable
{
    private readonly ProviderContext _context;
    private readonly EmailComposer _composer;
    private readonly SmtpConnectionPool _pool;
    private readonly SmtpTransaction _transaction;

    public SmtpAdapter(ProviderContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
        var options = SmtpOptions.Read(context);
        _composer = new EmailComposer(EmailSender.Read(context), context.Tracking);
        _pool = new SmtpConnectionPool(options, context.Time);
        _transaction = new SmtpTransaction(options, _pool);
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
            return new DeliveryOutcome.InvalidTarget($"'{message.To}' is not an address SMTP can carry");
        }

        var messageId = $"{MessageIdLocalPart(delivery.Id)}@{message.From.Domain}";
        var from = SmtpMime.Mailbox(message.From);
        var mime = SmtpMime.Build(message, to, _context.Time.GetUtcNow(), messageId);
        return await _transaction.RunAsync(mime, from, to, messageId, ct);
    }

    /// <summary>SMTP cannot be asked whether a server took a message: the priority's unknown-outcome policy decides.</summary>
    public Task<LookUpAnswer> LookUpAsync(Delivery delivery, CancellationToken ct) => Task.FromResult(LookUpAnswer.CannotAsk);

    /// <summary>Closes the idle connections.</summary>
    public void Dispose() => _pool.Dispose();

    /// <summary>The recipient as a mailbox; null when it is no address or its domain has no IDNA form.</summary>
    internal static MailboxAddress? EnvelopeAddress(string address)
    {
        if (!EmailAddress.IsAddress(address))
        {
            return null;
        }

        try
        {
            _ = new IdnMapping().GetAscii(address[(address.LastIndexOf('@') + 1)..]);
            return new MailboxAddress(null, address);
        }
        catch (Exception ex) when (ex is ArgumentException or ParseException)
        {
            return null;
        }
    }

    private static string MessageIdLocalPart(string deliveryId) =>
        string.Concat(deliveryId.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '-'));
}
