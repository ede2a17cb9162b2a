using Herald.Core.Domain;
using Herald.Providers.Smtp;

namespace Herald.Providers.Tests.Smtp;

public class SmtpOutcomesTests
{
    [Theory]
    [InlineData("Greeting", "421 4.3.2 Service not available", typeof(DeliveryOutcome.Retry))]
    [InlineData("Greeting", "554 5.7.1 No service for you", typeof(DeliveryOutcome.Misconfigured))]
    [InlineData("Hello", "502 5.5.1 EHLO not implemented", typeof(DeliveryOutcome.Misconfigured))]
    [InlineData("Auth", "535 5.7.8 Authentication credentials invalid", typeof(DeliveryOutcome.Misconfigured))]
    [InlineData("Auth", "454 4.7.0 Temporary authentication failure", typeof(DeliveryOutcome.Retry))]
    [InlineData("MailFrom", "530 5.7.0 Authentication required", typeof(DeliveryOutcome.Misconfigured))]
    [InlineData("MailFrom", "553 5.1.8 Sender address rejected", typeof(DeliveryOutcome.Rejected))]
    [InlineData("RcptTo", "550 5.1.1 User unknown", typeof(DeliveryOutcome.InvalidTarget))]
    [InlineData("RcptTo", "551 5.1.6 User has moved", typeof(DeliveryOutcome.InvalidTarget))]
    [InlineData("RcptTo", "553 5.1.3 Bad address syntax", typeof(DeliveryOutcome.InvalidTarget))]
    [InlineData("RcptTo", "550 5.7.1 Relaying denied", typeof(DeliveryOutcome.Rejected))]
    [InlineData("RcptTo", "550 Mailbox unavailable", typeof(DeliveryOutcome.Rejected))]
    [InlineData("RcptTo", "452 4.5.3 Too many recipients", typeof(DeliveryOutcome.Retry))]
    [InlineData("EndOfData", "552 5.3.4 Message too big", typeof(DeliveryOutcome.Rejected))]
    [InlineData("EndOfData", "451 4.7.1 Greylisted", typeof(DeliveryOutcome.Retry))]
    public void Map_NegativeReply_GivesTheOutcome(string stage, string reply, Type expected)
    {
        var outcome = SmtpOutcomes.Map(Enum.Parse<SmtpStage>(stage), Reply(reply));

        outcome.ShouldBeOfType(expected);
        outcome!.ToString().ShouldContain(reply);
    }

    [Theory]
    [InlineData("Data", "354 End data with <CR><LF>.<CR><LF>")]
    [InlineData("EndOfData", "250 2.0.0 OK queued")]
    public void Map_PositiveReply_IsNull(string stage, string reply) => SmtpOutcomes.Map(Enum.Parse<SmtpStage>(stage), Reply(reply)).ShouldBeNull();

    private static SmtpReply Reply(string line) => new(int.Parse(line[..3]), [line[4..]]);
}
