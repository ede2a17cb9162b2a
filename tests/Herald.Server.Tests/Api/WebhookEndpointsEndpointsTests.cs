using System.Globalization;
using System.Text.Json.Nodes;
using Herald.Core.Webhooks;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Api;

public sealed class WebhookEndpointsEndpointsTests(HeraldServerFixture server) : IClassFixture<HeraldServerFixture>
{
    private HttpClient Client => server.Client;

    private async Task<JsonNode> CreateEndpointAsync(string recipient, Uri url, JsonArray? eventTypes = null)
    {
        var body = new JsonObject { ["recipient_id"] = recipient, ["url"] = url.ToString(), ["description"] = "test receiver" };
        if (eventTypes is not null)
        {
            body["event_types"] = eventTypes;
        }

        using var response = await Client.PostJsonAsync("/api/v1/webhook-endpoints", body);
        return await response.ShouldHaveStatusAsync(201);
    }

    private async Task<string> SendWebhookAsync(string template, string recipient, string eventType, string name)
    {
        return await server.SendAsync(new JsonObject
        {
            ["event_type"] = eventType, ["template_id"] = template, ["recipient_id"] = recipient, ["channels"] = new JsonArray("webhook"),
            ["data"] = new JsonObject { ["name"] = name },
        });
    }

    [Fact]
    public async Task Create_HttpUrl_Returns201WithIdAndWhsecSecretAndGetHidesSecret()
    {
        var recipient = HeraldServerFixture.NewId("user");

        var created = await CreateEndpointAsync(recipient, new Uri("http://127.0.0.1:9/hooks"), new JsonArray("order.*"));

        var id = created.Str("id");
        id.ShouldStartWith("whe_");
        created.Str("secret").ShouldStartWith("whsec_");
        Convert.FromBase64String(created.Str("secret")["whsec_".Length..]).Length.ShouldBe(24);
        created.Str("recipient_id").ShouldBe(recipient);
        created.Str("url").ShouldBe("http://127.0.0.1:9/hooks");
        created["enabled"]!.GetValue<bool>().ShouldBeTrue();
        created["event_types"]!.AsArray().Select(e => e!.GetValue<string>()).ShouldBe(["order.*"]);
        var got = await Client.GetJsonAsync($"/api/v1/webhook-endpoints/{id}");
        got.Str("id").ShouldBe(id);
        got.Str("description").ShouldBe("test receiver");
        got["secret"].ShouldBeNull();
        got["enabled"]!.GetValue<bool>().ShouldBeTrue();
    }

    [Theory]
    [InlineData("ftp://example.com/hooks")]
    [InlineData("file:///etc/passwd")]
    [InlineData("not a url")]
    public async Task Create_NonHttpUrl_Returns400NamingUrl(string url)
    {
        var recipient = HeraldServerFixture.NewId("user");

        using var response = await Client.PostJsonAsync("/api/v1/webhook-endpoints", new JsonObject { ["recipient_id"] = recipient, ["url"] = url });

        await response.ShouldBeProblemAsync(400, "validation", "url");
    }

    [Theory]
    [InlineData("https://user:pass@example.com/hooks")]
    [InlineData("https://token@example.com/hooks")]
    public async Task Create_UrlWithUserInfo_Returns400NamingUrl(string url)
    {
        var recipient = HeraldServerFixture.NewId("user");

        using var response = await Client.PostJsonAsync("/api/v1/webhook-endpoints", new JsonObject { ["recipient_id"] = recipient, ["url"] = url });

        using var problem = await response.ShouldBeProblemAsync(400, "validation", "url");
        problem.RootElement.GetRawText().ShouldNotContain("@example.com");
    }

    [Fact]
    public async Task Create_InvalidEventTypePattern_Returns400NamingIt()
    {
        using var response = await Client.PostJsonAsync("/api/v1/webhook-endpoints", new JsonObject
        {
            ["recipient_id"] = HeraldServerFixture.NewId("user"), ["url"] = "http://127.0.0.1:9/", ["event_types"] = new JsonArray("ok.*", "bad pattern!"),
        });

        await response.ShouldBeProblemAsync(400, "validation", "event_types[1]");
    }

    [Fact]
    public async Task Delete_Existing_Returns204ThenGetAndDeleteReturn404Problem()
    {
        var id = (await CreateEndpointAsync(HeraldServerFixture.NewId("user"), new Uri("http://127.0.0.1:9/hooks"))).Str("id");

        using var delete = await Client.DeleteAsync($"/api/v1/webhook-endpoints/{id}");
        using var get = await Client.GetAsync($"/api/v1/webhook-endpoints/{id}");
        using var again = await Client.DeleteAsync($"/api/v1/webhook-endpoints/{id}");
        using var enable = await Client.PostEmptyAsync($"/api/v1/webhook-endpoints/{id}/enable");

        ((int)delete.StatusCode).ShouldBe(204);
        (await get.ShouldBeProblemAsync(404, "not-found")).Detail().ShouldContain(id);
        await again.ShouldBeProblemAsync(404, "not-found");
        await enable.ShouldBeProblemAsync(404, "not-found");
    }

    [Fact]
    public async Task Send_WebhookChannel_ReceiverGetsSignedPayloadThatVerifies()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template);
        var recipient = HeraldServerFixture.NewId("user");
        var endpoint = await CreateEndpointAsync(recipient, receiver.Url);
        var secret = endpoint.Str("secret");

        var id = await SendWebhookAsync(template, recipient, "order.shipped", "Ada");
        var detail = await server.WaitForCompletedAsync(id);

        var delivery = detail["deliveries"]!.AsArray().ShouldHaveSingleItem()!;
        delivery.Str("channel").ShouldBe("webhook");
        delivery.Str("status").ShouldBe("sent");
        delivery.Str("target").ShouldBe(receiver.Url.ToString());
        var received = receiver.Received.ShouldHaveSingleItem();
        received.Id.ShouldBe(delivery.Str("id"));
        received.ContentType.ShouldStartWith("application/json");
        var timestamp = long.Parse(received.Timestamp, CultureInfo.InvariantCulture);
        timestamp.ShouldBeInRange(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 30, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
        received.Signature.ShouldStartWith("v1,");
        StandardWebhookSigner.Verify(secret, received.Id, timestamp, received.Body, received.Signature, DateTimeOffset.UtcNow.ToUnixTimeSeconds()).ShouldBeTrue();
        StandardWebhookSigner.Verify(secret, received.Id, timestamp, received.Body + " ", received.Signature, DateTimeOffset.UtcNow.ToUnixTimeSeconds()).ShouldBeFalse();
        var payload = JsonNode.Parse(received.Body)!;
        payload.Str("type").ShouldBe("order.shipped");
        payload.Str("timestamp").ShouldNotBeNullOrEmpty();
        payload["data"].Str("notification_id").ShouldBe(id);
        payload["data"].Str("recipient_id").ShouldBe(recipient);
        payload["data"]!["data"].Str("name").ShouldBe("Ada");
    }

    [Fact]
    public async Task Send_EventTypeNotSubscribed_SkipsEndpointWithTraceReason()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template);
        var recipient = HeraldServerFixture.NewId("user");
        await CreateEndpointAsync(recipient, receiver.Url, new JsonArray("billing.*"));

        var id = await SendWebhookAsync(template, recipient, "order.shipped", "x");
        var detail = await server.WaitForCompletedAsync(id);

        detail["deliveries"]!.AsArray().ShouldBeEmpty();
        detail["trace"]!.AsArray().ShouldContain(t => t.StrOrNull("channel") == "webhook" && t.Str("decision") == "skipped");
        receiver.Received.ShouldBeEmpty();
    }

    [Fact]
    public async Task Send_ReceiverAnswers410_DisablesEndpointAndEnableReenablesIt()
    {
        await using var receiver = await WebhookReceiver.StartAsync(statusCode: 410);
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template);
        var recipient = HeraldServerFixture.NewId("user");
        var endpointId = (await CreateEndpointAsync(recipient, receiver.Url)).Str("id");

        var id = await SendWebhookAsync(template, recipient, "order.gone", "first");
        var detail = await server.WaitForCompletedAsync(id);

        var delivery = detail["deliveries"]!.AsArray().ShouldHaveSingleItem()!;
        delivery.Str("status").ShouldBe("failed");
        delivery.Str("last_error").ShouldContain("410");
        receiver.Received.ShouldHaveSingleItem().AnsweredStatus.ShouldBe(410);
        var disabled = await Client.GetJsonAsync($"/api/v1/webhook-endpoints/{endpointId}");
        disabled["enabled"]!.GetValue<bool>().ShouldBeFalse();
        disabled.Str("disabled_reason").ShouldContain("410");

        using var enable = await Client.PostEmptyAsync($"/api/v1/webhook-endpoints/{endpointId}/enable");

        var enabled = await enable.ShouldHaveStatusAsync(200);
        enabled.Str("id").ShouldBe(endpointId);
        enabled["enabled"]!.GetValue<bool>().ShouldBeTrue();
        enabled["disabled_reason"].ShouldBeNull();
        enabled["secret"].ShouldBeNull();
        (await Client.GetJsonAsync($"/api/v1/webhook-endpoints/{endpointId}"))["enabled"]!.GetValue<bool>().ShouldBeTrue();

        receiver.StatusCode = 200;
        var next = await SendWebhookAsync(template, recipient, "order.gone", "second");
        (await server.WaitForCompletedAsync(next))["deliveries"]!.AsArray().ShouldHaveSingleItem()!.Str("status").ShouldBe("sent");
        receiver.Received.Count.ShouldBe(2);
    }

    [Fact]
    public async Task OpenApi_Recover_DocumentsItsBodyAndProblems()
    {
        using var anonymous = server.CreateClient();

        var document = await anonymous.GetJsonAsync("/openapi/v1.json");

        var post = document["paths"]!["/api/v1/webhook-endpoints/{id}/recover"]!["post"]!;
        post["requestBody"]!["content"]!["application/json"]!["schema"]!.ToJsonString().ShouldContain("WebhookRecoverRequest");
        post["responses"]!.AsObject().Select(r => r.Key).Order(StringComparer.Ordinal).ShouldBe(["202", "400", "401", "403", "404", "409", "429"]);
        post["responses"]!["202"]!.ToJsonString().ShouldContain("WebhookRecoverResponse");
        var request = document["components"]!["schemas"]!["WebhookRecoverRequest"]!["properties"]!.AsObject().Select(p => p.Key);
        request.ShouldBe(["since", "until"], ignoreOrder: true);
    }
}
