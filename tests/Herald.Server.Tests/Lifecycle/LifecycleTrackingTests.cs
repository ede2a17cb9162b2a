using System.Globalization;
using System.Text.Json.Nodes;
using Herald.Core.Webhooks;
using Herald.Server.Tests.Infrastructure;
using Herald.Server.Tests.Providers;

namespace Herald.Server.Tests.Lifecycle;

/// <summary><c>delivery.delivered</c> comes from a provider's signed status callback (the sandbox's Twilio calls back sent, then delivered).</summary>
public sealed class LifecycleTrackingTests(ProviderLifecycleFixture herald) : IClassFixture<ProviderLifecycleFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task TwilioStatusCallback_Delivered_OperationalEndpointReceivesDeliveryDelivered()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var created = await herald.Client.PostJsonAsync("/api/v1/webhook-endpoints", new JsonObject
        {
            ["url"] = receiver.Url.ToString(), ["event_types"] = new JsonArray("delivery.delivered"),
        });
        var secret = (await created.ShouldHaveStatusAsync(201)).Str("secret");
        await herald.CreateTemplateAsync("lifecycle-sms", new JsonObject { ["sms"] = new JsonObject { ["body"] = "Code {{n}}" } }, ["n"]);
        var user = HeraldServerFixture.NewId("track");
        var phone = $"+1555{Random.Shared.Next(3000000, 3999999)}";
        await herald.PutUserAsync(user, phone: phone);

        var id = await herald.SendAsync(new JsonObject
        {
            ["event_type"] = "login.code", ["recipient_id"] = user, ["template_id"] = "lifecycle-sms", ["data"] = new JsonObject { ["n"] = "1" },
        });

        ReceivedWebhook? found = null;
        await Polling.WaitUntilAsync(() => Task.FromResult((found = receiver.Received.FirstOrDefault(r => JsonNode.Parse(r.Body)!["data"].StrOrNull("notification_id") == id)) is not null),
            Wait, "delivery.delivered reaches the operational endpoint");
        var payload = JsonNode.Parse(found!.Body)!;
        payload.Str("type").ShouldBe("delivery.delivered");
        payload["data"].Str("channel").ShouldBe("sms");
        payload["data"].Str("provider").ShouldBe("sms1");
        payload["data"].Str("status").ShouldBe("delivered");
        found.Body.ShouldNotContain(phone);
        StandardWebhookSigner.Verify(secret, found.Id, long.Parse(found.Timestamp, CultureInfo.InvariantCulture), found.Body, found.Signature,
            DateTimeOffset.UtcNow.ToUnixTimeSeconds()).ShouldBeTrue();
        receiver.Received.ShouldAllBe(r => JsonNode.Parse(r.Body)!.StrOrNull("type") == "delivery.delivered");
    }
}
