using System.Globalization;
using System.Text.Json.Nodes;
using Herald.Core.Webhooks;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Lifecycle;

/// <summary>
/// Operational endpoints (registered without a recipient) receive Herald's lifecycle events, signed like any webhook.
/// Operational endpoints are server-wide, so every test here filters what its receiver got by its own notification ids.
/// </summary>
public sealed class LifecycleWebhooksTests(DeadLetterServerFixture server) : IClassFixture<DeadLetterServerFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(2);

    private HttpClient Client => server.Client;

    [Fact]
    public async Task Create_WithoutRecipient_Returns201WithNullRecipient()
    {
        var created = await CreateOperationalAsync(new Uri("http://127.0.0.1:9/ops"), "delivery.*");

        created["recipient_id"].ShouldBeNull();
        created.Str("secret").ShouldStartWith("whsec_");
        (await Client.GetJsonAsync($"/api/v1/webhook-endpoints/{created.Str("id")}"))["recipient_id"].ShouldBeNull();
    }

    [Fact]
    public async Task OpenApi_WebhookEndpointSchemas_RecipientIdOptionalAndNullable()
    {
        using var anonymous = server.CreateClient();

        var schemas = (await anonymous.GetJsonAsync("/openapi/v1.json"))["components"]!["schemas"]!;

        // The request may omit recipient_id; the response always has it, null for an operational endpoint.
        var request = schemas["WebhookEndpointRequest"]!;
        request["properties"]!["recipient_id"]!.ToJsonString().ShouldContain("null");
        (request["required"]?.AsArray().Select(r => r!.GetValue<string>()) ?? []).ShouldNotContain("recipient_id");
        var response = schemas["WebhookEndpointResponse"]!;
        response["properties"]!["recipient_id"]!.ToJsonString().ShouldContain("null");
    }

    [Fact]
    public async Task Send_ReservedRecipient_Returns400NamingRecipient()
    {
        using var response = await Client.PostJsonAsync("/api/v1/notifications", new JsonObject
        {
            ["event_type"] = "order.x", ["template_id"] = "any", ["recipient_id"] = "_ops", ["data"] = new JsonObject(),
        });

        (await response.ShouldBeProblemAsync(400, "validation", "recipient_id")).Detail().ShouldContain("reserved");
    }

    [Fact]
    public async Task Send_InAppWithOperationalSubscriber_ReceivesAcceptedAndSentSigned()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var secret = (await CreateOperationalAsync(receiver.Url, "delivery.*", "notification.accepted")).Str("secret");
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template);
        var recipient = HeraldServerFixture.NewId("user");

        var id = await SendAsync(template, recipient, "order.shipped", "in_app");

        var accepted = await WaitForEventAsync(receiver, "notification.accepted", id);
        var sent = await WaitForEventAsync(receiver, "delivery.sent", id);
        foreach (var received in new[] { accepted, sent })
        {
            var timestamp = long.Parse(received.Timestamp, CultureInfo.InvariantCulture);
            StandardWebhookSigner.Verify(secret, received.Id, timestamp, received.Body, received.Signature, DateTimeOffset.UtcNow.ToUnixTimeSeconds()).ShouldBeTrue();
            received.Id.ShouldStartWith("dlv_");
        }

        var acceptedData = JsonNode.Parse(accepted.Body)!["data"]!;
        acceptedData.Str("recipient_id").ShouldBe(recipient);
        acceptedData.Str("event_type").ShouldBe("order.shipped");
        var payload = JsonNode.Parse(sent.Body)!;
        payload.Str("timestamp").ShouldNotBeNullOrEmpty();
        var data = payload["data"]!;
        data.Str("delivery_id").ShouldStartWith("dlv_");
        data.Str("recipient_id").ShouldBe(recipient);
        data.Str("channel").ShouldBe("in_app");
        data.Str("priority").ShouldBe("normal");
        data.Str("status").ShouldBe("sent");
        data["attempts"]!.GetValue<int>().ShouldBe(1);
        data["target"].ShouldBeNull();
    }

    [Fact]
    public async Task Send_OperationalDelivery_EmitsNoEventAboutItself()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await CreateOperationalAsync(receiver.Url, "delivery.*");
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template);

        var id = await SendAsync(template, HeraldServerFixture.NewId("user"), "order.placed", "in_app");
        var sent = await WaitForEventAsync(receiver, "delivery.sent", id);
        await Task.Delay(Quiet);

        // The delivery that carried the event to this receiver was sent too, but it is operational: no event about it.
        receiver.Received.ShouldNotContain(r => Data(r).StrOrNull("recipient_id") == "_ops");
        receiver.Received.ShouldNotContain(r => Data(r).StrOrNull("delivery_id") == sent.Id);
    }

    [Fact]
    public async Task Send_EventTypeNotSubscribed_IsNotSent()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await CreateOperationalAsync(receiver.Url, "delivery.dead");
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template);

        var id = await SendAsync(template, HeraldServerFixture.NewId("user"), "order.placed", "in_app");
        await server.WaitForCompletedAsync(id);
        await Task.Delay(Quiet);

        receiver.Received.ShouldNotContain(r => Data(r).StrOrNull("notification_id") == id);
    }

    [Fact]
    public async Task Send_CustomerWebhookEndsDead_ReceivesDeliveryDead()
    {
        await using var ops = await WebhookReceiver.StartAsync();
        await using var customer = await WebhookReceiver.StartAsync(statusCode: 500);
        await CreateOperationalAsync(ops.Url, "delivery.*");
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template);
        var recipient = HeraldServerFixture.NewId("user");
        await CreateCustomerAsync(recipient, customer.Url);

        var id = await SendAsync(template, recipient, "order.failed", "webhook");

        var dead = Data(await WaitForEventAsync(ops, "delivery.dead", id));
        dead.Str("status").ShouldBe("dead");
        dead.Str("channel").ShouldBe("webhook");
        dead.Str("endpoint_id").ShouldStartWith("whe_");
        dead.Str("error").ShouldContain("500");
        dead["attempts"]!.GetValue<int>().ShouldBe(2);
        ops.Received.ShouldNotContain(r => Type(r) == "delivery.sent" && Data(r).StrOrNull("notification_id") == id);
    }

    [Fact]
    public async Task Send_CustomerEndpointAnswers410_OtherOperationalEndpointReceivesEndpointDisabled()
    {
        await using var ops = await WebhookReceiver.StartAsync();
        await using var customer = await WebhookReceiver.StartAsync(statusCode: 410);
        await CreateOperationalAsync(ops.Url, "endpoint.disabled", "delivery.failed");
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template);
        var recipient = HeraldServerFixture.NewId("user");
        var endpointId = (await CreateCustomerAsync(recipient, customer.Url)).Str("id");

        var id = await SendAsync(template, recipient, "order.gone", "webhook");

        (await WaitForEventAsync(ops, "delivery.failed", id)).Body.ShouldContain("410");
        await Polling.WaitUntilAsync(() => Task.FromResult(ops.Received.Any(r => Type(r) == "endpoint.disabled" && Data(r).StrOrNull("endpoint_id") == endpointId)),
            Wait, "endpoint.disabled reaches the operational endpoint");
        var disabled = Data(ops.Received.First(r => Type(r) == "endpoint.disabled" && Data(r).StrOrNull("endpoint_id") == endpointId));
        disabled.Str("recipient_id").ShouldBe(recipient);
        disabled.Str("reason").ShouldContain("410");
        disabled["operational"]!.GetValue<bool>().ShouldBeFalse();
    }

    private async Task<JsonNode> CreateOperationalAsync(Uri url, params string[] eventTypes)
    {
        var body = new JsonObject { ["url"] = url.ToString(), ["event_types"] = new JsonArray([.. eventTypes.Select(t => (JsonNode?)JsonValue.Create(t))]) };
        using var response = await Client.PostJsonAsync("/api/v1/webhook-endpoints", body);
        return await response.ShouldHaveStatusAsync(201);
    }

    private async Task<JsonNode> CreateCustomerAsync(string recipient, Uri url)
    {
        using var response = await Client.PostJsonAsync("/api/v1/webhook-endpoints", new JsonObject { ["recipient_id"] = recipient, ["url"] = url.ToString() });
        return await response.ShouldHaveStatusAsync(201);
    }

    private Task<string> SendAsync(string template, string recipient, string eventType, string channel) =>
        server.SendAsync(new JsonObject
        {
            ["event_type"] = eventType, ["template_id"] = template, ["recipient_id"] = recipient, ["channels"] = new JsonArray(channel),
            ["data"] = new JsonObject { ["name"] = "Ada" },
        });

    private static async Task<ReceivedWebhook> WaitForEventAsync(WebhookReceiver receiver, string type, string notificationId)
    {
        ReceivedWebhook? found = null;
        await Polling.WaitUntilAsync(
            () => Task.FromResult((found = receiver.Received.FirstOrDefault(r => Type(r) == type && Data(r).StrOrNull("notification_id") == notificationId)) is not null),
            Wait, $"{type} for {notificationId} reaches the operational endpoint");
        return found!;
    }

    private static string? Type(ReceivedWebhook r) => JsonNode.Parse(r.Body)?.StrOrNull("type");

    private static JsonNode Data(ReceivedWebhook r) => JsonNode.Parse(r.Body)?["data"] ?? new JsonObject();
}
