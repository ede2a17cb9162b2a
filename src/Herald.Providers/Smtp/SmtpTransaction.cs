using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Herald.Core.Domain;

namespace Herald.Providers.Smtp;

/// <summary>
/// One message over one connection: greeting, EHLO, STARTTLS, AUTH, MAIL, RCPT, DATA, QUIT. It remembers whether the
/// final "." of DATA has left: a timeout or lost connection before that is safe to retry, after it the outcome is unknown.
/// </summary>
internal sealed class SmtpTransaction(SmtpOptions options)
{
    private bool _dataSent;

    public async Task<DeliveryOutcome> RunAsync(string from, string to, byte[] payload, string messageId, CancellationToken ct)
    {
        SmtpConnection connection;
        try
        {
            connection = await SmtpConnection.ConnectAsync(options.Host, options.Port, options.Timeout, ct);
        }
        catch (Exception ex) when (ex is SocketException or TimeoutException or IOException)
        {
            return new DeliveryOutcome.Retry($"could not connect to {options.Host}:{options.Port}: {ex.Message}");
        }

        await using (connection)
        {
            try
            {
                var outcome = await DialogueAsync(connection, from, to, payload, messageId, ct);
                await QuitAsync(connection, ct);
                return outcome;
            }
            catch (Exception ex) when (ex is TimeoutException or IOException or SocketException)
            {
                return _dataSent
                    ? new DeliveryOutcome.Unknown($"{ex.Message} after the message was sent")
                    : new DeliveryOutcome.Retry($"{ex.Message} before the message was sent");
            }
            catch (AuthenticationException ex)
            {
                return new DeliveryOutcome.Misconfigured($"TLS with {options.Host} failed: {ex.Message}");
            }
        }
    }

    private async Task<DeliveryOutcome> DialogueAsync(SmtpConnection c, string from, string to, byte[] payload, string messageId, CancellationToken ct)
    {
        if (SmtpOutcomes.Map(SmtpStage.Greeting, await c.ReadReplyAsync(ct)) is { } refused)
        {
            return refused;
        }

        var ehlo = await c.CommandAsync($"EHLO {options.HeloName}", ct);
        if (SmtpOutcomes.Map(SmtpStage.Hello, ehlo) is { } noHello)
        {
            return noHello;
        }

        if (options.StartTls)
        {
            if (!Capabilities(ehlo).ContainsKey("STARTTLS"))
            {
                return new DeliveryOutcome.Misconfigured($"{options.Host} does not offer STARTTLS (set StartTls=false only for a trusted relay)");
            }

            if (SmtpOutcomes.Map(SmtpStage.StartTls, await c.CommandAsync("STARTTLS", ct)) is { } noTls)
            {
                return noTls;
            }

            await c.StartTlsAsync(options.Host, ValidateCertificate, ct);
            ehlo = await c.CommandAsync($"EHLO {options.HeloName}", ct);
            if (SmtpOutcomes.Map(SmtpStage.Hello, ehlo) is { } noHelloTls)
            {
                return noHelloTls;
            }
        }

        if (options.Username is { } user && await AuthenticateAsync(c, Capabilities(ehlo), user, options.Password!, ct) is { } authFailed)
        {
            return authFailed;
        }

        var steps = new (SmtpStage Stage, string Command)[] { (SmtpStage.MailFrom, $"MAIL FROM:<{from}>"), (SmtpStage.RcptTo, $"RCPT TO:<{to}>"), (SmtpStage.Data, "DATA") };
        foreach (var (stage, command) in steps)
        {
            if (SmtpOutcomes.Map(stage, await c.CommandAsync(command, ct)) is { } failed)
            {
                return failed;
            }
        }

        await c.WriteAsync(payload, ct);
        _dataSent = true;
        var final = await c.ReadReplyAsync(ct);
        return SmtpOutcomes.Map(SmtpStage.EndOfData, final) ?? new DeliveryOutcome.Sent(messageId);
    }

    /// <summary>AUTH PLAIN (RFC 4616) when offered, else AUTH LOGIN. Null when authenticated.</summary>
    private static async Task<DeliveryOutcome?> AuthenticateAsync(SmtpConnection c, Dictionary<string, string> caps, string user, string password, CancellationToken ct)
    {
        var mechanisms = caps.TryGetValue("AUTH", out var m) ? m.Split(' ', StringSplitOptions.RemoveEmptyEntries) : [];
        SmtpReply reply;
        if (mechanisms.Contains("PLAIN", StringComparer.OrdinalIgnoreCase))
        {
            reply = await c.CommandAsync("AUTH PLAIN " + Base64($"\0{user}\0{password}"), ct);
        }
        else if (mechanisms.Contains("LOGIN", StringComparer.OrdinalIgnoreCase))
        {
            reply = await c.CommandAsync("AUTH LOGIN", ct);
            if (reply.Code == 334)
            {
                reply = await c.CommandAsync(Base64(user), ct);
            }

            if (reply.Code == 334)
            {
                reply = await c.CommandAsync(Base64(password), ct);
            }
        }
        else
        {
            return new DeliveryOutcome.Misconfigured(
                $"credentials are set but the server offers {(mechanisms.Length == 0 ? "no AUTH" : "only AUTH " + string.Join(' ', mechanisms))} (PLAIN or LOGIN needed)");
        }

        return reply.Code == 235 ? null : SmtpOutcomes.Map(SmtpStage.Auth, reply) ?? new DeliveryOutcome.Misconfigured($"SMTP Auth: unexpected {reply}");
    }

    private static async Task QuitAsync(SmtpConnection c, CancellationToken ct)
    {
        try
        {
            await c.CommandAsync("QUIT", ct);
        }
        catch (Exception ex) when (ex is TimeoutException or IOException or SocketException)
        {
            // The outcome is settled; a server that hangs up on QUIT changes nothing.
        }
    }

    private bool ValidateCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (options.CertificatePin is not { } pin)
        {
            return errors == SslPolicyErrors.None;
        }

        // A pinned certificate is trusted by its hash alone (self-signed relays); the name and chain do not matter.
        return certificate is not null && CryptographicOperations.FixedTimeEquals(SHA256.HashData(certificate.GetRawCertData()), pin);
    }

    /// <summary>EHLO keywords (upper case) and their parameters; <c>AUTH=PLAIN</c> (pre-RFC 4954 servers) counts as AUTH.</summary>
    private static Dictionary<string, string> Capabilities(SmtpReply ehlo)
    {
        var caps = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in ehlo.Lines.Skip(1))
        {
            var parts = line.Split([' ', '='], 2);
            caps.TryAdd(parts[0].Trim(), parts.Length > 1 ? parts[1].Trim() : "");
        }

        return caps;
    }

    private static string Base64(string value) => Convert.ToBase64String(Encoding.UTF8.GetBytes(value));
}
