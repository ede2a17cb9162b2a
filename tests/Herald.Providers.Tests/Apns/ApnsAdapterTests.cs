using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Herald.Core.Domain;
using Herald.Providers.Apns;
using Herald.Providers.Tests.Infrastructure;

namespace Herald.Providers.Tests.Apns;

public sealed class ApnsAdapterTests(SandboxFixture sandbox) : IClassFixture<SandboxFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => sandbox.ClearFaultsAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task SendAsync_Urgent_SendsApplesHeadersAndPayload()
    {
        var content = new JsonObject
        {
            ["title"] = "Sign-in from a new device",
            ["body"] = "Was this you?",
            ["data"] = new JsonObject { ["url"] = "https://example.com/s", ["count"] = 3 },
            ["badge"] = 2,
            ["sound"] = "default",
            ["collapse_id"] = "security",
            ["ttl"] = 600,
        };
        var d = ApnsSetup.Delivery(content: content, priority: Priority.Urgent);

        var sent = (await ApnsSetup.Adapter(sandbox).SendAsync(d, CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.Sent>();

        var apnsId = ApnsRequest.NotificationId(d.Id);
        Guid.TryParseExact(apnsId, "D", out _).ShouldBeTrue();
        ApnsRequest.NotificationId(d.Id + "x").ShouldNotBe(apnsId);
        sent.ProviderMessageId.ShouldBe(apnsId);
        var recorded = (await sandbox.MessagesAsync("apns", d.Id)).Single()!;
        var headers = recorded["headers"]!;
        headers["apns-id"]!.GetValue<string>().ShouldBe(apnsId);
        headers["apns-topic"]!.GetValue<string>().ShouldBe(ApnsSetup.Credentials(sandbox)["bundle_id"]!.GetValue<string>());
        headers["apns-push-type"]!.GetValue<string>().ShouldBe("alert");
        headers["apns-priority"]!.GetValue<string>().ShouldBe("10");
        headers["apns-collapse-id"]!.GetValue<string>().ShouldBe("security");
        long.Parse(headers["apns-expiration"]!.GetValue<string>())
            .ShouldBeInRange(DateTimeOffset.UtcNow.AddSeconds(590).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.AddSeconds(610).ToUnixTimeSeconds());
        var (jwtHeader, claims) = Decode(headers["authorization"]!.GetValue<string>());
        jwtHeader["alg"]!.GetValue<string>().ShouldBe("ES256");
        jwtHeader["kid"]!.GetValue<string>().ShouldBe(ApnsSetup.Credentials(sandbox)["key_id"]!.GetValue<string>());
        claims["iss"]!.GetValue<string>().ShouldBe(ApnsSetup.Credentials(sandbox)["team_id"]!.GetValue<string>());
        var payload = recorded["fields"]!;
        payload["aps"]!["alert"]!["title"]!.GetValue<string>().ShouldBe("Sign-in from a new device");
        payload["aps"]!["alert"]!["body"]!.GetValue<string>().ShouldBe("Was this you?");
        payload["aps"]!["badge"]!.GetValue<int>().ShouldBe(2);
        payload["aps"]!["sound"]!.GetValue<string>().ShouldBe("default");
        payload["url"]!.GetValue<string>().ShouldBe("https://example.com/s");
        payload["count"]!.GetValue<int>().ShouldBe(3);
        payload["herald_delivery_id"]!.GetValue<string>().ShouldBe(d.Id);
    }

    [Fact]
    public async Task SendAsync_NormalWithoutTtl_SendsPriority5StoredFor24Hours()
    {
        var d = ApnsSetup.Delivery();

        (await ApnsSetup.Adapter(sandbox).SendAsync(d, CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.Sent>();

        var headers = (await sandbox.MessagesAsync("apns", d.Id)).Single()!["headers"]!;
        headers["apns-priority"]!.GetValue<string>().ShouldBe("5");
        headers["apns-collapse-id"].ShouldBeNull();
        long.Parse(headers["apns-expiration"]!.GetValue<string>())
            .ShouldBeInRange(DateTimeOffset.UtcNow.AddHours(24).AddSeconds(-10).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.AddHours(24).AddSeconds(10).ToUnixTimeSeconds());
    }

    [Fact]
    public async Task SendAsync_NoTitleOrBody_SendsABackgroundPush()
    {
        var d = ApnsSetup.Delivery(content: new JsonObject { ["data"] = new JsonObject { ["sync"] = "inbox" } }, priority: Priority.Urgent);

        (await ApnsSetup.Adapter(sandbox).SendAsync(d, CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.Sent>();

        var recorded = (await sandbox.MessagesAsync("apns", d.Id)).Single()!;
        recorded["headers"]!["apns-push-type"]!.GetValue<string>().ShouldBe("background");
        recorded["headers"]!["apns-priority"]!.GetValue<string>().ShouldBe("5");
        recorded["fields"]!["aps"]!["content-available"]!.GetValue<int>().ShouldBe(1);
        recorded["fields"]!["aps"]!["alert"].ShouldBeNull();
    }

    [Fact]
    public async Task SendAsync_ProviderToken_IsReusedWithinItsLifetimeAndReplacedAfter()
    {
        // Start 55 minutes in the past so that every token the fake clock signs is under an hour old for the sandbox.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow.AddMinutes(-55));
        var adapter = ApnsSetup.Adapter(sandbox, time: clock);

        var first = await SendAndGetTokenAsync(adapter);
        clock.Advance(TimeSpan.FromMinutes(19));
        var second = await SendAndGetTokenAsync(adapter);
        clock.Advance(TimeSpan.FromMinutes(32));
        var third = await SendAndGetTokenAsync(adapter);

        second.ShouldBe(first);
        third.ShouldNotBe(first);
        Decode(third).Claims["iat"]!.GetValue<long>().ShouldBe(clock.GetUtcNow().ToUnixTimeSeconds());
    }

    [Fact]
    public async Task SendAsync_ExpiredProviderToken_IsRetriedAndTheNextSendSignsAFreshToken()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow.AddMinutes(-65));
        var adapter = ApnsSetup.Adapter(sandbox, time: clock, change: s => s["TokenLifetime"] = "01:00:00");

        var retry = (await adapter.SendAsync(ApnsSetup.Delivery(), CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.Retry>();
        retry.Reason.ShouldContain("ExpiredProviderToken");

        // Ten minutes on, the refused token would still be within its lifetime: only dropping it makes this send work.
        clock.Advance(TimeSpan.FromMinutes(10));
        (await adapter.SendAsync(ApnsSetup.Delivery(), CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.Sent>();
    }

    [Fact]
    public async Task SendAsync_KeyApnsDoesNotKnow_IsMisconfigured()
    {
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var adapter = ApnsSetup.Adapter(sandbox, change: s => s["PrivateKey"] = other.ExportPkcs8PrivateKeyPem());
        var outcome = (await adapter.SendAsync(ApnsSetup.Delivery(), CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.Misconfigured>();
        outcome.Reason.ShouldContain("InvalidProviderToken");
    }

    [Fact]
    public async Task SendAsync_BundleIdNotTheKeys_IsMisconfigured()
    {
        var adapter = ApnsSetup.Adapter(sandbox, change: s => s["BundleId"] = "com.someone.else");
        var outcome = (await adapter.SendAsync(ApnsSetup.Delivery(), CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.Misconfigured>();
        outcome.Reason.ShouldContain("TopicDisallowed");
    }

    [Fact]
    public async Task SendAsync_MalformedDeviceToken_IsInvalidTarget()
    {
        var outcome = (await ApnsSetup.Adapter(sandbox).SendAsync(ApnsSetup.Delivery("not-a-token"), CancellationToken.None))
            .ShouldBeOfType<DeliveryOutcome.InvalidTarget>();
        outcome.Reason.ShouldContain("BadDeviceToken");
    }

    [Theory]
    [InlineData(400, "DeviceTokenNotForTopic", typeof(DeliveryOutcome.InvalidTarget))]
    [InlineData(410, "ExpiredToken", typeof(DeliveryOutcome.InvalidTarget))]
    [InlineData(400, "BadPriority", typeof(DeliveryOutcome.Rejected))]
    [InlineData(403, "Forbidden", typeof(DeliveryOutcome.Misconfigured))]
    [InlineData(429, "TooManyProviderTokenUpdates", typeof(DeliveryOutcome.Retry))]
    [InlineData(500, "InternalServerError", typeof(DeliveryOutcome.Retry))]
    [InlineData(503, "Shutdown", typeof(DeliveryOutcome.Retry))]
    public async Task SendAsync_DocumentedReason_MapsToItsOutcome(int status, string reason, Type expected)
    {
        await sandbox.SetFaultsAsync("apns", new { error_rate = 1.0, error_status = status, error_code = reason });
        var outcome = await ApnsSetup.Adapter(sandbox).SendAsync(ApnsSetup.Delivery(), CancellationToken.None);
        outcome.ShouldBeOfType(expected);
        outcome.ToString().ShouldContain(reason);
    }

    [Fact]
    public async Task Sandbox_RequestOverHttp11_IsRefused()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{sandbox.BaseUrl}/3/device/{ApnsSetup.NewToken()}") { Content = new StringContent("{\"aps\":{}}") };
        using var response = await sandbox.Admin.SendAsync(request);
        response.StatusCode.ShouldBe(HttpStatusCode.HttpVersionNotSupported);
    }

    [Fact]
    public async Task Sandbox_KeyEndpoint_ServesAP8KeyAndIds()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{sandbox.Http2BaseUrl}/_sandbox/apns/key") { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var response = await sandbox.Admin.SendAsync(request);
        var key = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        key["private_key"]!.GetValue<string>().ShouldStartWith("-----BEGIN PRIVATE KEY-----");
        key["team_id"]!.GetValue<string>().ShouldNotBeNullOrEmpty();
        key["key_id"]!.GetValue<string>().ShouldNotBeNullOrEmpty();
        key["bundle_id"]!.GetValue<string>().ShouldNotBeNullOrEmpty();
    }

    private async Task<string> SendAndGetTokenAsync(ApnsAdapter adapter)
    {
        var d = ApnsSetup.Delivery();
        (await adapter.SendAsync(d, CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.Sent>();
        return (await sandbox.MessagesAsync("apns", d.Id)).Single()!["headers"]!["authorization"]!.GetValue<string>();
    }

    private static (JsonNode Header, JsonNode Claims) Decode(string authorization)
    {
        authorization.ShouldStartWith("bearer ");
        var parts = authorization["bearer ".Length..].Split('.');
        parts.Length.ShouldBe(3);
        Base64Url.DecodeFromChars(parts[2]).Length.ShouldBe(64);
        return (JsonNode.Parse(Encoding.UTF8.GetString(Base64Url.DecodeFromChars(parts[0])))!,
            JsonNode.Parse(Encoding.UTF8.GetString(Base64Url.DecodeFromChars(parts[1])))!);
    }
}
