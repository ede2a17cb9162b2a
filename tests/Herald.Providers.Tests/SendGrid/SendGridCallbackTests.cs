using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Herald.Core.Domain;
using Herald.Core.Tracking;
using Herald.Providers.Abstractions;
using Herald.Providers.SendGrid;
using Herald.Providers.Tests.Email;
using Herald.Providers.Tests.Infrastructure;

namespace Herald.Providers.Tests.SendGrid;

/// <summary>The Signed Event Webhook: verification and mapping, then the sandbox's own signed events end to end.</summary>
public class SendGridCallbackTests(SandboxFixture sandbox) : IClassFixture<SandboxFixture>
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    [Fact]
    public void Parse_SignedEvents_MapsEachKind()
    {
        var body = """
            [{"email":"a@example.com","timestamp":1700000000,"event":"processed","sg_message_id":"m1.filter1","herald_delivery_id":"dlv_1"},
             {"email":"a@example.com","timestamp":1700000001,"event":"deferred","sg_message_id":"m1.filter1","herald_delivery_id":"dlv_1"},
             {"email":"a@example.com","timestamp":1700000002,"event":"delivered","response":"250 OK","sg_message_id":"m1.filter1","herald_delivery_id":"dlv_1"},
             {"email":"a@example.com","timestamp":1700000003,"event":"open","sg_event_id":"ev-open-1","sg_message_id":"m1.filter1","herald_delivery_id":"dlv_1"},
             {"email":"a@example.com","timestamp":1700000004,"event":"click","url":"https://x.test","sg_message_id":"m1.filter1","herald_delivery_id":"dlv_1"},
             {"email":"b@example.com","timestamp":1700000005,"event":"bounce","type":"bounce","reason":"550 5.1.1 no such user","sg_message_id":"m2.f","herald_delivery_id":"dlv_2"},
             {"email":"c@example.com","timestamp":1700000006,"event":"bounce","type":"blocked","reason":"554 blocked","herald_delivery_id":"dlv_3"},
             {"email":"d@example.com","timestamp":1700000007,"event":"dropped","reason":"Bounced Address","herald_delivery_id":"dlv_4"},
             {"email":"e@example.com","timestamp":1700000008,"event":"spamreport","herald_delivery_id":"dlv_5"},
             {"email":"f@example.com","timestamp":1700000009,"event":"unsubscribe"},
             {"email":"g@example.com","timestamp":1700000010,"event":"group_resubscribe"}]
            """;

        var events = Adapter().Parse(Signed(body)).ShouldBeOfType<CallbackResult.Accepted>().Events;

        events.Select(e => (e.Kind, e.DeliveryId, e.Address)).ShouldBe([
            (TrackingKind.Delivered, "dlv_1", "a@example.com"),
            (TrackingKind.Opened, "dlv_1", "a@example.com"),
            (TrackingKind.Clicked, "dlv_1", "a@example.com"),
            (TrackingKind.Bounced, "dlv_2", "b@example.com"),
            (TrackingKind.Failed, "dlv_3", "c@example.com"),
            (TrackingKind.Failed, "dlv_4", "d@example.com"),
            (TrackingKind.Complained, "dlv_5", "e@example.com"),
            (TrackingKind.OptOut, null, "f@example.com"),
        ]);
        events[0].ProviderMessageId.ShouldBe("m1");
        events[0].At.ShouldBe(DateTimeOffset.FromUnixTimeSeconds(1700000002));
        events[0].Detail.ShouldBe("250 OK");
        events[2].Detail.ShouldBe("https://x.test");
        events[3].Detail.ShouldBe("550 5.1.1 no such user");
        events[1].Replay.ShouldBe(new ReplayKey("ev-open-1", TimeSpan.FromHours(24) + TimeSpan.FromMinutes(30)));
        events[0].Replay.ShouldBeNull();
    }

    [Fact]
    public void Parse_TamperedBody_IsRefused()
    {
        var callback = Signed("""[{"event":"delivered","email":"a@example.com"}]""");
        var tampered = callback with { Body = Encoding.UTF8.GetBytes("""[{"event":"bounce","email":"a@example.com"}]""") };

        Adapter().Parse(tampered).ShouldBe(CallbackResult.BadSignature("the event webhook signature does not verify"));
    }

    [Fact]
    public void Parse_SignedWithAnotherKey_IsRefused()
    {
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Adapter(other).Parse(Signed("[]")).ShouldBeOfType<CallbackResult.Rejected>().Status.ShouldBe(401);
    }

    [Fact]
    public void Parse_TimestampChangedAfterSigning_IsRefused()
    {
        var callback = Signed("[]");
        var headers = new Dictionary<string, string>(callback.Headers) { [SendGridEventWebhook.TimestampHeader] = Now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) + "1" };

        Adapter().Parse(callback with { Headers = headers }).ShouldBeOfType<CallbackResult.Rejected>().Status.ShouldBe(401);
    }

    [Theory]
    [InlineData(SendGridEventWebhook.SignatureHeader)]
    [InlineData(SendGridEventWebhook.TimestampHeader)]
    public void Parse_MissingHeader_IsRefused(string header)
    {
        var callback = Signed("[]");
        var headers = callback.Headers.Where(h => h.Key != header).ToDictionary();

        Adapter().Parse(callback with { Headers = headers }).ShouldBeOfType<CallbackResult.Rejected>().Status.ShouldBe(401);
    }

    [Fact]
    public void Parse_SignatureNotBase64_IsRefused()
    {
        var callback = Signed("[]");
        var headers = new Dictionary<string, string>(callback.Headers) { [SendGridEventWebhook.SignatureHeader] = "%%%not base64%%%" };

        Adapter().Parse(callback with { Headers = headers }).ShouldBeOfType<CallbackResult.Rejected>().Status.ShouldBe(401);
    }

    [Fact]
    public void Parse_OldTimestamp_IsRefusedAsAReplay()
    {
        var old = Signed("[]", Now - SendGridEventWebhook.MaxAge - TimeSpan.FromMinutes(1));
        Adapter().Parse(old).ShouldBeOfType<CallbackResult.Rejected>().Status.ShouldBe(401);
        Adapter().Parse(Signed("[]", Now - TimeSpan.FromHours(23))).ShouldBeOfType<CallbackResult.Accepted>();
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("""{"event":"delivered"}""")]
    [InlineData("""[{"email":"a@example.com"}]""")]
    [InlineData("[1]")]
    public void Parse_SignedButMalformed_Is400(string body) =>
        Adapter().Parse(Signed(body)).ShouldBeOfType<CallbackResult.Rejected>().Status.ShouldBe(400);

    [Fact]
    public void Parse_NoPublicKeyConfigured_RefusesEverything() =>
        Adapter(configureKey: false).Parse(Signed("[]")).ShouldBeOfType<CallbackResult.Rejected>().Status.ShouldBe(401);

    [Fact]
    public async Task Sandbox_SignedEvents_VerifyWithTheAdapterAndCarryOurReference()
    {
        using var catcher = new CallbackCatcher();
        (await sandbox.Admin.PutAsJsonAsync($"{sandbox.BaseUrl}/_sandbox/callbacks/sendgrid", new { url = catcher.Url })).EnsureSuccessStatusCode();
        var key = (await sandbox.Admin.GetFromJsonAsync<JsonObject>($"{sandbox.BaseUrl}/_sandbox/sendgrid/public-key"))!["public_key"]!.GetValue<string>();
        var adapter = new SendGridAdapter(TestContexts.Create("sg1", "sendgrid", Channel.Email, new Dictionary<string, string?>
        {
            ["ApiKey"] = "SG.sandbox-key", ["From"] = "noreply@herald.test", ["BaseUrl"] = sandbox.BaseUrl, ["WebhookPublicKey"] = key,
        }));
        var ok = EmailComposerTests.Email(SendGridContractTests.Content(), target: "alice@example.com");
        var bounce = EmailComposerTests.Email(SendGridContractTests.Content(), target: "bounce@example.com");
        var complaint = EmailComposerTests.Email(SendGridContractTests.Content(), target: "complaint@example.com");
        var ids = new Dictionary<string, string?>();
        foreach (var d in new[] { ok, bounce, complaint })
        {
            ids[d.Id] = (await adapter.SendAsync(d, CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.Sent>().ProviderMessageId;
        }

        var events = (await catcher.WaitForAsync(3))
            .SelectMany(c => adapter.Parse(c).ShouldBeOfType<CallbackResult.Accepted>().Events)
            .ToList();

        events.ShouldAllBe(e => ids[e.DeliveryId!] == e.ProviderMessageId);
        events.Where(e => e.DeliveryId == ok.Id).Select(e => e.Kind).ShouldBe([TrackingKind.Delivered]);
        events.Where(e => e.DeliveryId == bounce.Id).Select(e => e.Kind).ShouldBe([TrackingKind.Bounced]);
        events.Where(e => e.DeliveryId == complaint.Id).Select(e => e.Kind).ShouldBe([TrackingKind.Delivered, TrackingKind.Complained]);
        events.Single(e => e.Kind == TrackingKind.Bounced).Address.ShouldBe("bounce@example.com");
    }

    private SendGridAdapter Adapter(ECDsa? key = null, bool configureKey = true) =>
        new(TestContexts.Create("sg1", "sendgrid", Channel.Email, new Dictionary<string, string?>
        {
            ["ApiKey"] = "SG.test",
            ["From"] = "noreply@herald.test",
            ["WebhookPublicKey"] = configureKey ? Convert.ToBase64String((key ?? _key).ExportSubjectPublicKeyInfo()) : null,
        }));

    private InboundCallback Signed(string body, DateTimeOffset? at = null)
    {
        var timestamp = (at ?? Now).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var signature = _key.SignData(Encoding.UTF8.GetBytes(timestamp + body), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        var headers = new Dictionary<string, string>
        {
            [SendGridEventWebhook.SignatureHeader] = Convert.ToBase64String(signature),
            [SendGridEventWebhook.TimestampHeader] = timestamp,
        };
        return new InboundCallback(new Uri("http://127.0.0.1:1/api/v1/webhooks/sg1"), "POST", headers, Encoding.UTF8.GetBytes(body), "application/json", Now);
    }
}
