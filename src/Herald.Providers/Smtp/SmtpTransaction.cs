using System.Net.Sockets;
using System.Text;
using Herald.Core.Domain;
using MailKit.Net.Smtp;
using MimeKit;

namespace Herald.Providers.Smtp;

/// <summary>
/// One message over a pooled connection: MAIL, RCPT, DATA (MailKit's client), each negative reply mapped by
/// <see cref="SmtpOutcomes"/>. A timeout or lost connection before the message has left is safe to retry, after it the
/// outcome is unknown. A connection kept from an earlier message may have been closed by the server meanwhile: when it
/// fails before the message left, the message goes once more over a new connection.
/// </summary>
internal sealed class SmtpTransaction(SmtpOptions options, SmtpConnectionPool pool)
{
    public async Task<DeliveryOutcome> RunAsync(MimeMessage message, MailboxAddress from, MailboxAddress to, string messageId, CancellationToken ct)
    {
        var fresh = false;
        while (true)
        {
            var (client, reused, failure) = await pool.TakeAsync(fresh, ct);
            if (client is null)
            {
                return failure!;
            }

            var keep = true;
            try
            {
                var (outcome, lostBeforeData) = await SendAsync(client, message, from, to, messageId, ct);
                keep = !lostBeforeData;
                if (lostBeforeData && reused && !fresh)
                {
                    fresh = true;
                    continue;
                }

                return outcome;
            }
            finally
            {
                pool.Return(client, keep);
            }
        }
    }

    /// <summary>The outcome, and whether it is a connection failure before the message left (worth a new connection once).</summary>
    private async Task<(DeliveryOutcome Outcome, bool LostBeforeData)> SendAsync(StagedSmtpClient client, MimeMessage message, MailboxAddress from, MailboxAddress to, string messageId, CancellationToken ct)
    {
        var utf8 = client.Capabilities.HasFlag(SmtpCapabilities.UTF8) && client.Capabilities.HasFlag(SmtpCapabilities.EightBitMime);
        if (!utf8 && !Ascii.IsValid(to.LocalPart))
        {
            // The same verdict a server gives with 553 5.1.3 (bad destination mailbox syntax).
            return (new DeliveryOutcome.InvalidTarget($"'{to.Address}' has a non-ASCII mailbox name, which needs SMTPUTF8, and {options.Host} does not offer it"), false);
        }

        // SMTPUTF8 (RFC 6531) where the server offers it and an address needs it: UTF-8 envelope and headers as they are.
        var format = FormatOptions.Default.Clone();
        format.International = utf8 && (to.IsInternational || from.IsInternational);
        client.BeginMessage();
        try
        {
            await client.SendAsync(format, message, from, [to], ct, client);
            return (new DeliveryOutcome.Sent(messageId), false);
        }
        catch (SmtpCommandException ex)
        {
            var stage = ex.ErrorCode switch
            {
                SmtpErrorCode.SenderNotAccepted => SmtpStage.MailFrom,
                SmtpErrorCode.RecipientNotAccepted => SmtpStage.RcptTo,
                SmtpErrorCode.MessageNotAccepted => SmtpStage.EndOfData,
                _ => client.Stage,
            };
            var reply = SmtpReply.From((int)ex.StatusCode, ex.Message);

            // 421: the server is closing the connection (an idle one, often, announced only now): like a lost connection.
            var closing = ex.StatusCode == SmtpStatusCode.ServiceNotAvailable && stage != SmtpStage.EndOfData;
            return (SmtpOutcomes.Map(stage, reply) ?? new DeliveryOutcome.Rejected($"SMTP {stage}: unexpected {reply}"), closing);
        }
        catch (MailKit.ServiceNotAuthenticatedException ex)
        {
            // MailKit turns 530 (authentication required) into this exception and keeps only the text.
            return (SmtpOutcomes.Map(client.Stage, new SmtpReply(530, [ex.Message]))!, false);
        }
        catch (Exception ex) when (ex is TimeoutException or IOException or SocketException or SmtpProtocolException)
        {
            return client.Stage == SmtpStage.EndOfData
                ? (new DeliveryOutcome.Unknown($"{ex.Message} after the message was sent"), false)
                : (new DeliveryOutcome.Retry($"{ex.Message} before the message was sent"), true);
        }
    }
}
