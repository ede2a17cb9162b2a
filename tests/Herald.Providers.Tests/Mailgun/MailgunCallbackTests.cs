using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Herald.Core.Domain;
using Herald.Core.Tracking;
using Herald.Providers.Abstractions;
using Herald.Providers.Mailgun;
using Herald.Providers.Tests.Email;
using Herald.Providers.Tests.Infrastructure;

namespace Herald.Providers.Tests.Mailgun;

/// <summary>Mailgun webhooks: signature, replay window and mapping, then the sandbox's signed webhooks end to end.</summary>
public class MailgunCallbackTests(SandboxFixture sandbox) : IClassFixture<SandboxFixture>
{
    private const string SigningKey = "test-signing-key";
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    [Theory]
    [InlineData("delivered", null, null, TrackingKind.Delivered)]
    [InlineData("failed", "permanent", "bounce", TrackingKind.Bounced)]
    [InlineData("failed", "permanent", "suppress-bounce", TrackingKind.Bounced)]
    [InlineData("failed", "permanent", "old", TrackingKind.Failed)]
    [InlineData("opened", null, null, TrackingKind.Opened)]
    [InlineData("clicked", null, null, TrackingKind.Clicked)]
    [InlineData("complained", null, null, TrackingKind.Complained)]
    [InlineData("unsubscribed", null, null, TrackingKind.OptOut)]
    public void Parse_SignedEvent_MapsTheKind(string name, string? severity, string? reason, TrackingKind expected)
    {
        var e = Event(name, severity, reason).ShouldHaveSingleItem();

        e.Kind.ShouldBe(expected);
        e.DeliveryId.ShouldBe("dlv_1");
        e.ProviderMessageId.ShouldBe("20260303.abc@sandbox.herald.test");
        e.Address.ShouldBe("alice@example.com");
        e.At.ShouldBe(DateTimeOffset.FromUnixTimeMilliseconds(1700000000_500));
    }

    [Theory]
    [InlineData("failed", "temporary")]
    [InlineData("accepted", null)]
    [InlineData("stored", null)]
    public void Parse_NotAnOutcome_IsAcceptedWithoutEvents(string name, string? severity) => Event(name, severity, null).ShouldBeEmpty();

    [Fact]
    public void Parse_TamperedToken_IsRefusedButEventDataIsNotCovered()
    {
        var callback = Signed(EventData("delivered", null, null));
        var tampered = Encoding.UTF8.GetString(callback.Body).Replace("\"delivered\"", "\"complained\"", StringComparison.Ordinal);

        Adapter().Parse(callback with { Body = Encoding.UTF8.GetBytes(tampered) }).ShouldBeOfType<CallbackResult.Accepted>();
        // event-data is not signed by Mailgun (only timestamp + token are), so the body change above verifies; a changed token does not:
        var forged = Encoding.UTF8.GetString(callback.Body).Replace("\"token\":\"", "\"token\":\"x", StringComparison.Ordinal);
        Adapter().Parse(callback with { Body = Encoding.UTF8.GetBytes(forged) }).ShouldBe(CallbackResult.BadSignature("the webhook signature does not verify"));
    }

    [Fact]
    public void Parse_SignedCallback_TheTokenIsTheReplayKeyEvenWithoutAnOutcome()
    {
        var ignored = Adapter().Parse(Signed(EventData("accepted", null, null))).ShouldBeOfType<CallbackResult.Accepted>();
        ignored.Events.ShouldBeEmpty();
        ignored.Replay.ShouldNotBeNull().Window.ShouldBe(TimeSpan.FromMinutes(30));

        var delivered = Adapter().Parse(Signed(EventData("delivered", null, null))).ShouldBeOfType<CallbackResult.Accepted>();
        delivered.Events.ShouldHaveSingleItem().Replay.ShouldBe(delivered.Replay);
    }

    [Fact]
    public void Parse_WrongKey_IsRefused() =>
        Adapter("another-key").Parse(Signed(EventData("delivered", null, null))).ShouldBeOfType<CallbackResult.Rejected>().Status.ShouldBe(401);

    [Theory]
    [InlineData("""{"event-data":{"event":"delivered"}}""", 401)]
    [InlineData("""{"signature":{"timestamp":"1","token":"t"},"event-data":{"event":"delivered"}}""", 401)]
    [InlineData("""{"signature":{"timestamp":"1","token":"t","signature":"zz-not-hex"},"event-data":{}}""", 401)]
    [InlineData("{not json", 400)]
    public void Parse_MissingOrBadSignature_IsRefused(string body, int status) =>
        Adapter().Parse(Callback(body)).ShouldBeOfType<CallbackResult.Rejected>().Status.ShouldBe(status);

    [Theory]
    [InlineData("""{"no":"event-data"}""")]
    [InlineData("""{"event-data":{"recipient":"a@example.com"}}""")]
    public void Parse_SignedButMalformed_Is400(string json)
    {
        var node = JsonNode.Parse(json)!.AsObject();
        node["signature"] = Signature(Now);
        Adapter().Parse(Callback(node.ToJsonString())).ShouldBeOfType<CallbackResult.Rejected>().Status.ShouldBe(400);
    }

    [Fact]
    public void Parse_OlderThanFifteenMinutes_IsRefusedAsAReplay()
    {
        Adapter().Parse(Signed(EventData("delivered", null, null), Now - TimeSpan.FromMinutes(16))).ShouldBeOfType<CallbackResult.Rejected>().Status.ShouldBe(401);
        Adapter().Parse(Signed(EventData("delivered", null, null), Now - TimeSpan.FromMinutes(14))).ShouldBeOfType<CallbackResult.Accepted>();
    }

    [Fact]
    public void Parse_NoSigningKeyConfigured_RefusesEverything() =>
        Adapter(null).Parse(Signed(EventData("delivered", null, null))).ShouldBeOfType<CallbackResult.Rejected>().Status.ShouldBe(401);

    [Fact]
    public async Task Sandbox_SignedWebhooks_VerifyWithTheAdapterAndCarryOurReference()
    {
        using var catcher = new CallbackCatcher();
        (await sandbox.Admin.PutAsJsonAsync($"{sandbox.BaseUrl}/_sandbox/callbacks/mailgun", new { url = catcher.Url })).EnsureSuccessStatusCode();
        var adapter = new MailgunAdapter(TestContexts.Create("mg1", "mailgun", Channel.Email, new Dictionary<string, string?>
        {
            ["ApiKey"] = "key-sandbox", ["Domain"] = "sandbox.herald.test", ["From"] = "noreply@herald.test",
            ["BaseUrl"] = sandbox.BaseUrl, ["WebhookSigningKey"] = "sandbox-signing-key",
        }));
        var ok = EmailComposerTests.Email(MailgunContractTests.Content(), target: "alice@example.com");
        var bounce = EmailComposerTests.Email(MailgunContractTests.Content(), target: "bounce@example.com");
        var complaint = EmailComposerTests.Email(MailgunContractTests.Content(), target: "complaint@example.com");
        var ids = new Dictionary<string, string?>();
        foreach (var d in new[] { ok, bounce, complaint })
        {
            ids[d.Id] = (await adapter.SendAsync(d, CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.Sent>().ProviderMessageId;
        }

        var events = (await catcher.WaitForAsync(4)).SelectMany(c => adapter.Parse(c).ShouldBeOfType<CallbackResult.Accepted>().Events).ToList();

        events.ShouldAllBe(e => ids[e.DeliveryId!] == e.ProviderMessageId);
        events.Where(e => e.DeliveryId == ok.Id).Select(e => e.Kind).ShouldBe([TrackingKind.Delivered]);
        events.Where(e => e.DeliveryId == bounce.Id).Select(e => e.Kind).ShouldBe([TrackingKind.Bounced]);
        events.Where(e => e.DeliveryId == complaint.Id).Select(e => e.Kind).ShouldBe([TrackingKind.Delivered, TrackingKind.Complained], ignoreOrder: true);
    }

    private static IReadOnlyList<TrackingEvent> Event(string name, string? severity, string? reason) =>
        Adapter().Parse(Signed(EventData(name, severity, reason))).ShouldBeOfType<CallbackResult.Accepted>().Events;

    private static JsonObject EventData(string name, string? severity, string? reason)
    {
        var data = new JsonObject
        {
            ["event"] = name,
            ["timestamp"] = 1700000000.5,
            ["recipient"] = "alice@example.com",
            ["message"] = new JsonObject { ["headers"] = new JsonObject { ["message-id"] = "20260303.abc@sandbox.herald.test" } },
            ["user-variables"] = new JsonObject { ["herald_delivery_id"] = "dlv_1" },
        };
        if (severity is not null)
        {
            data["severity"] = severity;
        }

        if (reason is not null)
        {
            data["reason"] = reason;
        }

        return data;
    }

    private static MailgunAdapter Adapter(string? key = SigningKey) =>
        new(TestContexts.Create("mg1", "mailgun", Channel.Email, new Dictionary<string, string?>
        {
            ["ApiKey"] = "key-test", ["Domain"] = "sandbox.herald.test", ["From"] = "noreply@herald.test", ["WebhookSigningKey"] = key,
        }));

    private static InboundCallback Signed(JsonObject data, DateTimeOffset? at = null) =>
        Callback(new JsonObject { ["signature"] = Signature(at ?? Now), ["event-data"] = data }.ToJsonString());

    private static JsonObject Signature(DateTimeOffset at)
    {
        var timestamp = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(25));
        var signature = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(SigningKey), Encoding.UTF8.GetBytes(timestamp + token)));
        return new JsonObject { ["timestamp"] = timestamp, ["token"] = token, ["signature"] = signature };
    }

    private static InboundCallback Callback(string body) =>
        new(new Uri("http://127.0.0.1:1/api/v1/webhooks/mg1"), "POST", new Dictionary<string, string>(), Encoding.UTF8.GetBytes(body), "application/json", Now);
}
