using System.Text;
using System.Text.Json;
using Herald.Core.Tracking;
using Herald.Providers.Abstractions;
using Herald.Providers.Vonage;

namespace Herald.Providers.Tests.Vonage;

public sealed class VonageReceiptTests
{
    private const string Url = "https://herald.example/api/v1/webhooks/sms-vonage";
    private const string Secret = "sig-secret";

    private static readonly Dictionary<string, string> Receipt = new()
    {
        ["messageId"] = "0A0000000123ABCD1",
        ["msisdn"] = "447700900000",
        ["status"] = "delivered",
        ["client-ref"] = "dlv_42",
        ["err-code"] = "0",
        ["timestamp"] = "1700000000",
        ["nonce"] = "a&b=c",
        ["to"] = "Herald",
    };

    [Theory]
    [InlineData("sha256", "FF1421B152EEB1AD12181868AEB5B129D022E6216FBEBA3A291DFA796628A4EF")]
    [InlineData("sha512", "F02BC861E2D865CAA6FA9F70BE2CA869F3870C95B4992E7A87ABCD624AF5DDE20715AB113B4DD5FD19B651868122029793626DF433B7D6C274FCA04914BC32F4")]
    public void Compute_KnownReceipt_MatchesAnIndependentImplementation(string method, string expected) =>
        // Expected values computed with Python's hmac over "&client-ref=dlv_42&err-code=0&...&nonce=a_b_c&..." (& and = replaced by _).
        VonageSignature.Compute(Secret, method, Receipt).ShouldBe(expected);

    [Theory]
    [InlineData("json")]
    [InlineData("form")]
    [InlineData("get")]
    public void Parse_SignedDelivered_IsDeliveredForOurClientRef(string format)
    {
        var e = Signed().Parse(Callback(format, Sign(Receipt))).ShouldBeOfType<CallbackResult.Accepted>().Events.ShouldHaveSingleItem();

        e.Kind.ShouldBe(TrackingKind.Delivered);
        e.DeliveryId.ShouldBe("dlv_42");
        e.ProviderMessageId.ShouldBe("0A0000000123ABCD1");
    }

    [Theory]
    [InlineData("failed", TrackingKind.Failed)]
    [InlineData("rejected", TrackingKind.Failed)]
    public void Parse_FailedOrRejected_IsFailedWithTheErrCode(string status, TrackingKind kind)
    {
        var receipt = new Dictionary<string, string>(Receipt) { ["status"] = status, ["err-code"] = "6" };

        var e = Signed().Parse(Callback("json", Sign(receipt))).ShouldBeOfType<CallbackResult.Accepted>().Events.ShouldHaveSingleItem();

        e.Kind.ShouldBe(kind);
        e.Detail.ShouldContain("err-code 6");
    }

    [Theory]
    [InlineData("accepted")]
    [InlineData("buffered")]
    [InlineData("expired")]
    [InlineData("unknown")]
    public void Parse_NonFinalStatus_IsAcceptedWithoutEvents(string status) =>
        Signed().Parse(Callback("json", Sign(new Dictionary<string, string>(Receipt) { ["status"] = status })))
            .ShouldBeOfType<CallbackResult.Accepted>().Events.ShouldBeEmpty();

    [Fact]
    public void Parse_TamperedReceipt_IsRefused401()
    {
        var signed = Sign(Receipt);
        signed["client-ref"] = "dlv_43";

        Signed().Parse(Callback("json", signed)).ShouldBe(CallbackResult.BadSignature("sig does not match"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not-hex")]
    public void Parse_MissingOrGarbageSig_IsRefused401(string? sig)
    {
        var receipt = new Dictionary<string, string>(Receipt);
        if (sig is not null)
        {
            receipt["sig"] = sig;
        }

        Signed().Parse(Callback("json", receipt)).ShouldBeOfType<CallbackResult.Rejected>().Status.ShouldBe(401);
    }

    [Fact]
    public void Parse_SignedWithAnotherMethod_IsRefused401() =>
        Signed().Parse(Callback("json", Sign(Receipt, "sha512"))).ShouldBeOfType<CallbackResult.Rejected>().Status.ShouldBe(401);

    [Fact]
    public void Parse_SignedButWithoutMessageId_IsMalformed400()
    {
        var receipt = new Dictionary<string, string>(Receipt);
        receipt.Remove("messageId");

        Signed().Parse(Callback("json", Sign(receipt))).ShouldBeOfType<CallbackResult.Rejected>().Status.ShouldBe(400);
    }

    [Fact]
    public void Parse_BrokenJson_IsMalformed400()
    {
        var callback = new InboundCallback(new Uri(Url), "POST", new Dictionary<string, string>(), "{\"messageId\":"u8.ToArray(), "application/json", DateTimeOffset.UtcNow);

        Signed().Parse(callback).ShouldBeOfType<CallbackResult.Rejected>().Status.ShouldBe(400);
    }

    [Fact]
    public void Parse_UnsignedWithoutSecretConfigured_IsRefused()
    {
        var adapter = VonageSetup.Adapter("https://rest.vonage.test");
        adapter.CallbacksVerifiable.ShouldBeFalse();
        adapter.Parse(Callback("form", Receipt)).ShouldBeOfType<CallbackResult.Rejected>().Status.ShouldBe(401);
    }

    [Fact]
    public void Parse_Receipt_ReplayKeyIsMessageIdAndStatus() =>
        Signed().Parse(Callback("json", Sign(Receipt))).ShouldBeOfType<CallbackResult.Accepted>().Events.ShouldHaveSingleItem()
            .Replay!.Key.ShouldBe($"{Receipt["messageId"]}:{Receipt["status"]}");

    [Fact]
    public void Parse_MessageTimestamp_IsTheEventTime()
    {
        var receipt = new Dictionary<string, string>(Receipt) { ["message-timestamp"] = "2024-03-01 12:34:56" };

        Signed().Parse(Callback("json", Sign(receipt))).ShouldBeOfType<CallbackResult.Accepted>().Events.ShouldHaveSingleItem()
            .At.ShouldBe(new DateTimeOffset(2024, 3, 1, 12, 34, 56, TimeSpan.Zero));
    }

    private static VonageAdapter Signed() =>
        VonageSetup.Adapter("https://rest.vonage.test", settings: new Dictionary<string, string?> { ["SignatureSecret"] = Secret });

    private static Dictionary<string, string> Sign(Dictionary<string, string> receipt, string method = "sha256") =>
        new(receipt) { ["sig"] = VonageSignature.Compute(Secret, method, receipt) };

    private static InboundCallback Callback(string format, Dictionary<string, string> fields)
    {
        var headers = new Dictionary<string, string>();
        return format switch
        {
            "get" => new InboundCallback(new Uri(Url + "?" + new FormUrlEncodedContent(fields).ReadAsStringAsync().GetAwaiter().GetResult()), "GET", headers, [], null, DateTimeOffset.UtcNow),
            "form" => new InboundCallback(new Uri(Url), "POST", headers, Encoding.UTF8.GetBytes(new FormUrlEncodedContent(fields).ReadAsStringAsync().GetAwaiter().GetResult()),
                "application/x-www-form-urlencoded", DateTimeOffset.UtcNow),
            _ => new InboundCallback(new Uri(Url), "POST", headers, JsonSerializer.SerializeToUtf8Bytes(fields), "application/json", DateTimeOffset.UtcNow),
        };
    }
}
