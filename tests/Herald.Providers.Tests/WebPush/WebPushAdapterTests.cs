using System.Net;
using System.Text.Json.Nodes;
using Herald.Core.Domain;
using Herald.Providers.Tests.Infrastructure;

namespace Herald.Providers.Tests.WebPush;

public sealed class WebPushAdapterTests(SandboxFixture sandbox) : IClassFixture<SandboxFixture>, IAsyncLifetime
{
    private readonly (string PublicKey, string PrivateKey) _keys = WebPushTestKit.NewVapidKeys();

    public Task InitializeAsync() => sandbox.ClearFaultsAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task SendAsync_ToASubscription_ArrivesDecryptedAsTheJsonWeSent()
    {
        var subscription = await WebPushTestKit.SubscribeAsync(sandbox);
        var content = new JsonObject
        {
            ["title"] = "Your order shipped",
            ["body"] = "Order 42 — on its way",
            ["data"] = new JsonObject { ["order"] = "42", ["n"] = 3 },
            ["icon"] = "https://cdn.example/i.png",
            ["action_url"] = "https://shop.example/orders/42",
        };
        var d = WebPushTestKit.Delivery(subscription, content);

        var sent = (await WebPushTestKit.Adapter(_keys, sandbox.BaseUrl).SendAsync(d, CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.Sent>();

        var message = (await sandbox.MessagesAsync("webpush", d.Id)).ShouldHaveSingleItem()!.AsObject();
        sent.ProviderMessageId.ShouldBe($"{sandbox.BaseUrl}/wp/messages/{message["id"]}");
        var expected = new JsonObject
        {
            ["title"] = "Your order shipped",
            ["body"] = "Order 42 — on its way",
            ["data"] = new JsonObject { ["order"] = "42", ["n"] = 3 },
            ["herald_delivery_id"] = d.Id,
            ["icon"] = "https://cdn.example/i.png",
            ["url"] = "https://shop.example/orders/42",
        };
        JsonNode.DeepEquals(message["fields"]!["payload"], expected).ShouldBeTrue(message["fields"]!["plaintext"]!.ToString());
        message["headers"]!["content-encoding"]!.GetValue<string>().ShouldBe("aes128gcm");
        message["headers"]!["content-type"]!.GetValue<string>().ShouldBe("application/octet-stream");
        message["headers"]!["authorization"]!.GetValue<string>().ShouldStartWith("vapid t=");
        message["fields"]!["vapid"]!["aud"]!.GetValue<string>().ShouldBe(sandbox.BaseUrl);
        message["fields"]!["vapid"]!["sub"]!.GetValue<string>().ShouldBe(WebPushTestKit.Subject);
        message["fields"]!["vapid"]!["k"]!.GetValue<string>().ShouldBe(_keys.PublicKey);
    }

    [Theory]
    [InlineData(Priority.Normal, null, null, "normal", 86400, null)]
    [InlineData(Priority.Low, null, null, "normal", 86400, null)]
    [InlineData(Priority.Urgent, null, null, "high", 3600, null)]
    [InlineData(Priority.Normal, "120", "order42", "normal", 120, "order42")]
    [InlineData(Priority.Urgent, "99999999", "order-42 status", "high", 2419200, "hash")]
    public async Task SendAsync_SetsUrgencyTtlAndTopic(Priority priority, string? ttl, string? collapseKey, string urgency, int expectedTtl, string? topic)
    {
        var content = new JsonObject { ["title"] = "t", ["body"] = "b" };
        if (ttl is not null)
        {
            content["ttl"] = ttl;
        }

        if (collapseKey is not null)
        {
            content["collapse_key"] = collapseKey;
        }

        var d = WebPushTestKit.Delivery(await WebPushTestKit.SubscribeAsync(sandbox), content, priority);
        (await WebPushTestKit.Adapter(_keys, sandbox.BaseUrl).SendAsync(d, CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.Sent>();

        var headers = (await sandbox.MessagesAsync("webpush", d.Id)).ShouldHaveSingleItem()!["headers"]!.AsObject();
        headers["urgency"]!.GetValue<string>().ShouldBe(urgency);
        headers["ttl"]!.GetValue<string>().ShouldBe(expectedTtl.ToString());
        if (topic is null)
        {
            headers.ContainsKey("topic").ShouldBeFalse();
        }
        else if (topic == collapseKey)
        {
            headers["topic"]!.GetValue<string>().ShouldBe(topic);
        }
        else
        {
            // Too long or outside [A-Za-z0-9]: the first 32 hex digits of its SHA-256, the same for the same key.
            var expected = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(collapseKey!)))[..32];
            headers["topic"]!.GetValue<string>().ShouldBe(expected);
        }
    }

    [Fact]
    public async Task SendAsync_WithAnEndpointOutsideBaseUrl_IsAnInvalidTargetAndSendsNothing()
    {
        var handler = new StubHandler(_ => new HttpResponseMessage(HttpStatusCode.Created));
        var subscription = await WebPushTestKit.SubscribeAsync(sandbox);
        subscription["endpoint"] = "http://169.254.169.254/latest/meta-data";
        var adapter = WebPushTestKit.Adapter(_keys, sandbox.BaseUrl, http: new HttpClient(handler));

        var outcome = (await adapter.SendAsync(WebPushTestKit.Delivery(subscription), CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.InvalidTarget>();

        outcome.Reason.ShouldContain("outside Herald:Providers:wp:BaseUrl");
        handler.Calls.ShouldBe(0);
    }

    [Fact]
    public async Task SendAsync_WithoutBaseUrl_RefusesPlainHttpEndpointsAndSendsNothing()
    {
        var handler = new StubHandler(_ => new HttpResponseMessage(HttpStatusCode.Created));
        var subscription = await WebPushTestKit.SubscribeAsync(sandbox);
        var adapter = WebPushTestKit.Adapter(_keys, baseUrl: null, http: new HttpClient(handler));

        (await adapter.SendAsync(WebPushTestKit.Delivery(subscription), CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.InvalidTarget>()
            .Reason.ShouldContain("must be https");
        handler.Calls.ShouldBe(0);
    }

    [Fact]
    public async Task SendAsync_AnsweredWithoutLocation_UsesOurDeliveryIdAsTheProviderId()
    {
        var handler = new StubHandler(_ => new HttpResponseMessage(HttpStatusCode.Created));
        var subscription = await WebPushTestKit.SubscribeAsync(sandbox);
        subscription["endpoint"] = "https://push.example.net/send/abc";
        var d = WebPushTestKit.Delivery(subscription);

        var sent = (await WebPushTestKit.Adapter(_keys, null, http: new HttpClient(handler)).SendAsync(d, CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.Sent>();

        sent.ProviderMessageId.ShouldBe(d.Id);
        handler.Calls.ShouldBe(1);
        handler.Last!.RequestUri.ShouldBe(new Uri("https://push.example.net/send/abc"));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"endpoint":"https://push.example.net/x"}""")]
    [InlineData("""{"endpoint":"https://push.example.net/x","keys":{"p256dh":"AAAA","auth":"AAAAAAAAAAAAAAAAAAAAAA"}}""")]
    [InlineData("""{"endpoint":"/relative","keys":{"p256dh":"AAAA","auth":"AAAA"}}""")]
    public async Task SendAsync_WithAnUnparsableSubscription_IsAnInvalidTarget(string target)
    {
        var d = TestContexts.Delivery(Channel.Push, target, new JsonObject { ["title"] = "t", ["body"] = "b" }, platform: "web");
        (await WebPushTestKit.Adapter(_keys, null).SendAsync(d, CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.InvalidTarget>();
    }

    [Fact]
    public async Task SendAsync_WithAP256dhKeyOffTheCurve_IsAnInvalidTarget()
    {
        var subscription = await WebPushTestKit.SubscribeAsync(sandbox);
        var key = System.Buffers.Text.Base64Url.DecodeFromChars(subscription["keys"]!["p256dh"]!.GetValue<string>());
        key[64] ^= 0xFF;
        subscription["keys"]!["p256dh"] = System.Buffers.Text.Base64Url.EncodeToString(key);
        (await WebPushTestKit.Adapter(_keys, sandbox.BaseUrl).SendAsync(WebPushTestKit.Delivery(subscription), CancellationToken.None))
            .ShouldBeOfType<DeliveryOutcome.InvalidTarget>().Reason.ShouldContain("p256dh");
    }

    [Fact]
    public async Task SendAsync_ToANonWebDevice_IsRejectedWithoutBlamingTheDevice()
    {
        var d = TestContexts.Delivery(Channel.Push, "fcm-token-abc", new JsonObject { ["title"] = "t", ["body"] = "b" }, platform: "android");
        (await WebPushTestKit.Adapter(_keys, null).SendAsync(d, CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.Rejected>();
    }

    [Theory]
    [InlineData(400, typeof(DeliveryOutcome.Rejected))]
    [InlineData(401, typeof(DeliveryOutcome.Misconfigured))]
    [InlineData(403, typeof(DeliveryOutcome.Misconfigured))]
    [InlineData(404, typeof(DeliveryOutcome.InvalidTarget))]
    [InlineData(410, typeof(DeliveryOutcome.InvalidTarget))]
    [InlineData(413, typeof(DeliveryOutcome.Rejected))]
    [InlineData(429, typeof(DeliveryOutcome.Retry))]
    [InlineData(500, typeof(DeliveryOutcome.Retry))]
    [InlineData(502, typeof(DeliveryOutcome.Retry))]
    public async Task SendAsync_MapsEachPushServiceStatus(int status, Type outcome)
    {
        var d = WebPushTestKit.Delivery(await WebPushTestKit.SubscribeAsync(sandbox));
        await sandbox.SetFaultsAsync("webpush", new { error_rate = 1.0, error_status = status });

        var result = await WebPushTestKit.Adapter(_keys, sandbox.BaseUrl).SendAsync(d, CancellationToken.None);

        result.ShouldBeOfType(outcome);
        result.ToString().ShouldContain(status.ToString());
    }

    [Fact]
    public async Task SendAsync_ToAnUnknownOrUnsubscribedEndpoint_IsAnInvalidTarget()
    {
        var subscription = await WebPushTestKit.SubscribeAsync(sandbox);
        var adapter = WebPushTestKit.Adapter(_keys, sandbox.BaseUrl);
        var id = subscription["endpoint"]!.GetValue<string>().Split('/')[^1];
        (await sandbox.Admin.DeleteAsync($"{sandbox.BaseUrl}/_sandbox/webpush/subscriptions/{id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await adapter.SendAsync(WebPushTestKit.Delivery(subscription), CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.InvalidTarget>()
            .Reason.ShouldStartWith("410");

        subscription["endpoint"] = $"{sandbox.BaseUrl}/wp/never-subscribed";
        (await adapter.SendAsync(WebPushTestKit.Delivery(subscription), CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.InvalidTarget>()
            .Reason.ShouldStartWith("404");
    }

    [Fact]
    public async Task SendAsync_ToASubscriptionMadeForAnotherApplicationServerKey_IsMisconfigured()
    {
        var subscription = await WebPushTestKit.SubscribeAsync(sandbox, applicationServerKey: WebPushTestKit.NewVapidKeys().PublicKey);
        (await WebPushTestKit.Adapter(_keys, sandbox.BaseUrl).SendAsync(WebPushTestKit.Delivery(subscription), CancellationToken.None))
            .ShouldBeOfType<DeliveryOutcome.Misconfigured>().Reason.ShouldStartWith("403");
    }

    private sealed class StubHandler(Func<HttpRequestMessage, HttpResponseMessage> answer) : HttpMessageHandler
    {
        public int Calls { get; private set; }

        public HttpRequestMessage? Last { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Calls++;
            Last = request;
            return Task.FromResult(answer(request));
        }
    }
}
