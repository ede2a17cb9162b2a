using System.Text;
using Herald.Core.Tracking;
using Herald.Providers.Abstractions;
using Herald.Providers.Twilio;

namespace Herald.Providers.Tests.Twilio;

public sealed class TwilioCallbackTests
{
    private const string Url = "https://herald.example/api/v1/webhooks/sms-twilio?herald_delivery_id=dlv_42";

    [Fact]
    public void Compute_TwiliosDocumentedExample_GivesTheDocumentedSignature()
    {
        // Twilio's request-validation example (auth token 12345, its URL and POST parameters).
        var parameters = new Dictionary<string, string>
        {
            ["CallSid"] = "CA1234567890ABCDE",
            ["Caller"] = "+14158675310",
            ["Digits"] = "1234",
            ["From"] = "+14158675310",
            ["To"] = "+18005551212",
        };

        TwilioSignature.Compute("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", parameters).ShouldBe("GvWf1cFY/Q7PnoempGyD5oXAezc=");
    }

    [Fact]
    public void Parse_SignedDelivered_IsDeliveredForTheDeliveryInTheUrl()
    {
        var result = Adapter().Parse(Signed(Url, Status("delivered")));

        var e = result.ShouldBeOfType<CallbackResult.Accepted>().Events.ShouldHaveSingleItem();
        e.Kind.ShouldBe(TrackingKind.Delivered);
        e.DeliveryId.ShouldBe("dlv_42");
        e.ProviderMessageId.ShouldBe("SM0123456789abcdef0123456789abcdef");
        e.Replay.ShouldBe(new ReplayKey("SM0123456789abcdef0123456789abcdef:delivered", TwilioCallbacks.StatusReplayWindow));
    }

    [Theory]
    [InlineData("undelivered", "30003", false)]
    [InlineData("undelivered", "30008", false)]
    [InlineData("failed", "30005", true)]
    [InlineData("undelivered", "30006", true)]
    [InlineData("undelivered", "21610", true)]
    public void Parse_UndeliveredOrFailed_IsFailedWithTheErrorCodeAndWhetherAResendCanHelp(string status, string code, bool permanent)
    {
        var result = Adapter().Parse(Signed(Url, [.. Status(status), new("ErrorCode", code)]));

        var e = result.ShouldBeOfType<CallbackResult.Accepted>().Events.ShouldHaveSingleItem();
        e.Kind.ShouldBe(TrackingKind.Failed);
        e.Detail.ShouldContain(code);
        e.Permanent.ShouldBe(permanent);
    }

    [Theory]
    [InlineData("queued")]
    [InlineData("sending")]
    [InlineData("sent")]
    [InlineData("accepted")]
    public void Parse_IntermediateStatus_IsAcceptedWithoutEvents(string status) =>
        Adapter().Parse(Signed(Url, Status(status))).ShouldBeOfType<CallbackResult.Accepted>().Events.ShouldBeEmpty();

    [Theory]
    [InlineData("STOP", TrackingKind.OptOut)]
    [InlineData("  stop ", TrackingKind.OptOut)]
    [InlineData("StopAll", TrackingKind.OptOut)]
    [InlineData("unsubscribe", TrackingKind.OptOut)]
    [InlineData("CANCEL", TrackingKind.OptOut)]
    [InlineData("end", TrackingKind.OptOut)]
    [InlineData("QUIT", TrackingKind.OptOut)]
    [InlineData("revoke", TrackingKind.OptOut)]
    [InlineData("OPTOUT", TrackingKind.OptOut)]
    [InlineData("START", TrackingKind.OptIn)]
    [InlineData("yes", TrackingKind.OptIn)]
    [InlineData("Unstop", TrackingKind.OptIn)]
    public void Parse_InboundKeyword_OptsTheSenderOutOrIn(string body, TrackingKind kind)
    {
        var result = Adapter().Parse(Signed("https://herald.example/api/v1/webhooks/sms-twilio", Inbound(body)));

        var e = result.ShouldBeOfType<CallbackResult.Accepted>().Events.ShouldHaveSingleItem();
        e.Kind.ShouldBe(kind);
        e.Address.ShouldBe("+15551230000");
        e.DeliveryId.ShouldBeNull();
        e.Replay!.Key.ShouldEndWith(":inbound");
        e.Replay.Window.ShouldBe(TwilioCallbacks.InboundReplayWindow);
    }

    [Theory]
    [InlineData("stop please")]
    [InlineData("thanks!")]
    [InlineData("")]
    public void Parse_InboundOtherText_IsAcceptedWithoutEvents(string body) =>
        Adapter().Parse(Signed("https://herald.example/api/v1/webhooks/sms-twilio", Inbound(body)))
            .ShouldBeOfType<CallbackResult.Accepted>().Events.ShouldBeEmpty();

    [Fact]
    public void Parse_TamperedParameter_IsRefused401()
    {
        var callback = Signed(Url, Status("undelivered"));
        var tampered = callback with { Body = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(callback.Body).Replace("undelivered", "delivered")) };

        Adapter().Parse(tampered).ShouldBe(CallbackResult.BadSignature("X-Twilio-Signature does not match"));
    }

    [Fact]
    public void Parse_TamperedDeliveryIdInUrl_IsRefused401()
    {
        var callback = Signed(Url, Status("delivered")) with { Url = new Uri(Url.Replace("dlv_42", "dlv_43")) };

        Adapter().Parse(callback).ShouldBeOfType<CallbackResult.Rejected>().Status.ShouldBe(401);
    }

    [Fact]
    public void Parse_SignedWithAnotherToken_IsRefused401() =>
        Adapter().Parse(Signed(Url, Status("delivered"), token: "someone-else")).ShouldBeOfType<CallbackResult.Rejected>().Status.ShouldBe(401);

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not base64 at all!")]
    public void Parse_MissingOrGarbageSignature_IsRefused401(string? signature)
    {
        var callback = Signed(Url, Status("delivered"));
        var headers = new Dictionary<string, string>(callback.Headers);
        headers.Remove("X-Twilio-Signature");
        if (signature is not null)
        {
            headers["X-Twilio-Signature"] = signature;
        }

        Adapter().Parse(callback with { Headers = headers }).ShouldBeOfType<CallbackResult.Rejected>().Status.ShouldBe(401);
    }

    [Fact]
    public void Parse_SignedButWithoutMessageSid_IsMalformed400() =>
        Adapter().Parse(Signed(Url, [new("MessageStatus", "delivered"), new("To", "+15551234567")]))
            .ShouldBeOfType<CallbackResult.Rejected>().Status.ShouldBe(400);

    [Fact]
    public void Parse_SignedButNeitherStatusNorInbound_IsMalformed400() =>
        Adapter().Parse(Signed(Url, [new("MessageSid", "SM0123456789abcdef0123456789abcdef")]))
            .ShouldBeOfType<CallbackResult.Rejected>().Status.ShouldBe(400);

    [Fact]
    public void Parse_UrlSignedWithExplicitDefaultPort_IsAccepted()
    {
        var callback = Signed("https://herald.example:443/api/v1/webhooks/sms-twilio?herald_delivery_id=dlv_42", Status("delivered")) with { Url = new Uri(Url) };

        Adapter().Parse(callback).ShouldBeOfType<CallbackResult.Accepted>().Events.ShouldHaveSingleItem();
    }

    [Fact]
    public void Parse_LowerCaseHeaderName_IsFound()
    {
        var callback = Signed(Url, Status("delivered"));
        var headers = new Dictionary<string, string> { ["x-twilio-signature"] = callback.Headers["X-Twilio-Signature"] };

        Adapter().Parse(callback with { Headers = headers }).ShouldBeOfType<CallbackResult.Accepted>();
    }

    private static TwilioAdapter Adapter() => TwilioSetup.Adapter("https://api.twilio.test");

    private static List<KeyValuePair<string, string>> Status(string status) =>
    [
        new("AccountSid", TwilioSetup.AccountSid), new("ApiVersion", "2010-04-01"), new("From", TwilioSetup.From),
        new("MessageSid", "SM0123456789abcdef0123456789abcdef"), new("MessageStatus", status), new("SmsSid", "SM0123456789abcdef0123456789abcdef"),
        new("SmsStatus", status), new("To", "+15551234567"),
    ];

    private static List<KeyValuePair<string, string>> Inbound(string body) =>
    [
        new("AccountSid", TwilioSetup.AccountSid), new("Body", body), new("From", "+15551230000"), new("MessageSid", "SM99999999999999999999999999999999"),
        new("NumMedia", "0"), new("SmsStatus", "received"), new("To", TwilioSetup.From),
    ];

    private static InboundCallback Signed(string url, List<KeyValuePair<string, string>> form, string token = TwilioSetup.AuthToken)
    {
        var body = new FormUrlEncodedContent(form).ReadAsStringAsync().GetAwaiter().GetResult();
        var headers = new Dictionary<string, string> { ["X-Twilio-Signature"] = TwilioSignature.Compute(token, url, form) };
        return new InboundCallback(new Uri(url), "POST", headers, Encoding.UTF8.GetBytes(body), "application/x-www-form-urlencoded", DateTimeOffset.UtcNow);
    }
}
