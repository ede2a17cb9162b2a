using MailKit;
using MailKit.Net.Smtp;
using MimeKit;

namespace Herald.Providers.Smtp;

/// <summary>
/// MailKit's client, remembering how far the current message got (<see cref="Stage"/>): a failure means different things
/// before and after the message has left, and MailKit's exceptions do not always say where they happened. Passed as the
/// send's progress, it moves to <see cref="SmtpStage.EndOfData"/> once every byte of the message (and so the final ".")
/// has been handed to the connection.
/// </summary>
internal sealed class StagedSmtpClient : SmtpClient, ITransferProgress
{
    public SmtpStage Stage { get; private set; } = SmtpStage.Greeting;

    /// <summary>Called before each message on this connection.</summary>
    public void BeginMessage() => Stage = SmtpStage.MailFrom;

    void ITransferProgress.Report(long bytesTransferred, long totalSize)
    {
        if (bytesTransferred >= totalSize)
        {
            Stage = SmtpStage.EndOfData;
        }
    }

    void ITransferProgress.Report(long bytesTransferred)
    {
    }

    protected override void OnSenderAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response)
    {
        Stage = SmtpStage.RcptTo;
        base.OnSenderAccepted(message, mailbox, response);
    }

    protected override void OnRecipientAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response)
    {
        Stage = SmtpStage.Data;
        base.OnRecipientAccepted(message, mailbox, response);
    }
}
