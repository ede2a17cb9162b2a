using Herald.Core.Domain;

namespace Herald.Providers.Smtp;

/// <summary>One SMTP reply: the code and the text of every line (a multi-line reply has several).</summary>
internal sealed record SmtpReply(int Code, IReadOnlyList<string> Lines)
{
    public bool IsPositive => Code is >= 200 and < 400;

    public bool IsTransient => Code is >= 400 and < 500;

    /// <summary>The RFC 3463 enhanced status code (<c>5.1.1</c>) at the start of the text, when the server sent one.</summary>
    public string? Enhanced =>
        Lines.Count > 0 && Lines[0].Split(' ', 2)[0] is { } first && first.Length >= 5 && first[1] == '.' && char.IsDigit(first[0]) ? first : null;

    /// <summary>A reply as MailKit reports it: the code and the text, one line per line the server sent.</summary>
    public static SmtpReply From(int code, string text) => new(code, text.ReplaceLineEndings("\n").Split('\n'));

    public override string ToString() => $"{Code} {string.Join(" / ", Lines)}".TrimEnd();
}

/// <summary>Where in the SMTP dialogue a reply came (the same code means different things at different steps).</summary>
internal enum SmtpStage
{
    Greeting,
    Hello,
    StartTls,
    Auth,
    MailFrom,
    RcptTo,
    Data,
    EndOfData,
}

/// <summary>Maps negative SMTP replies (RFC 5321 4.2, RFC 3463 enhanced codes, RFC 4954 auth codes) to outcomes.</summary>
internal static class SmtpOutcomes
{
    /// <summary>Null for a positive reply; otherwise the outcome of the delivery.</summary>
    public static DeliveryOutcome? Map(SmtpStage stage, SmtpReply reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        if (reply.IsPositive)
        {
            return null;
        }

        var reason = $"SMTP {stage}: {reply}";
        if (reply.IsTransient)
        {
            // 421 (closing), 450/451/452 (busy, local error, storage), 454 (temporary auth failure): all worth another try.
            return new DeliveryOutcome.Retry(reason);
        }

        return stage switch
        {
            // The server refuses us before any message is involved (554 no service, 502 no EHLO, a TLS refusal):
            // nothing about this delivery is wrong.
            SmtpStage.Greeting or SmtpStage.Hello or SmtpStage.StartTls => new DeliveryOutcome.Misconfigured(reason),

            // 535 bad credentials, 534 mechanism too weak, 538 encryption required, 504 mechanism unknown.
            SmtpStage.Auth => new DeliveryOutcome.Misconfigured(reason),
            _ when reply.Code == 530 => new DeliveryOutcome.Misconfigured(reason),

            // 550/551/553 with 5.1.x: bad destination mailbox (5.1.1 unknown user, 5.1.2 bad domain, 5.1.3 bad syntax...).
            SmtpStage.RcptTo when reply.Code is 550 or 551 or 553 && reply.Enhanced?.StartsWith("5.1.", StringComparison.Ordinal) == true
                => new DeliveryOutcome.InvalidTarget(reason),
            _ => new DeliveryOutcome.Rejected(reason),
        };
    }
}
