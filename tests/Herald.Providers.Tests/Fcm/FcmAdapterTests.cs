using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Herald.Core.Domain;
using Herald.Providers.Tests.Infrastructure;

namespace Herald.Providers.Tests.Fcm;

public sealed class FcmAdapterTests(SandboxFixture sandbox) : IClassFixture<SandboxFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => sandbox.ClearFaultsAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task SendAsync_UrgentWithEverything_SendsTheHttpV1MessageShape()
    {
        var content = new JsonObject
        {
            ["title"] = "Sign-in from a new device",
            ["body"] = "Was this you?",
            ["data"] = new JsonObject { ["url"] = "https://example.com/s", ["count"] = 3, ["flag"] = true, ["nested"] = new JsonObject { ["a"] = 1 } },
            ["badge"] = 2,
            ["sound"] = "default",
            ["collapse_key"] = "security",
            ["ttl"] = 600,
        };
        var d = FcmSetup.Delivery(content: content, priority: Priority.Urgent);

        var sent = (await FcmSetup.Adapter(sandbox).SendAsync(d, CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.Sent>();

        sent.ProviderMessageId.ShouldStartWith($"projects/{FcmSetup.ServiceAccount(sandbox)["project_id"]}/messages/");
        var recorded = (await sandbox.MessagesAsync("fcm", d.Id)).Single()!;
        recorded["to"]!.GetValue<string>().ShouldBe(d.Target);
        recorded["headers"]!["authorization"]!.GetValue<string>().ShouldStartWith("Bearer ya29.");
        var message = recorded["fields"]!;
        message["token"]!.GetValue<string>().ShouldBe(d.Target);
        message["notification"]!["title"]!.GetValue<string>().ShouldBe("Sign-in from a new device");
        message["notification"]!["body"]!.GetValue<string>().ShouldBe("Was this you?");
        var data = message["data"]!.AsObject();
        data["url"]!.GetValue<string>().ShouldBe("https://example.com/s");
        data["count"]!.GetValue<string>().ShouldBe("3");
        data["flag"]!.GetValue<string>().ShouldBe("true");
        data["nested"]!.GetValue<string>().ShouldBe("{\"a\":1}");
        data["herald_delivery_id"]!.GetValue<string>().ShouldBe(d.Id);
        message["android"]!["priority"]!.GetValue<string>().ShouldBe("HIGH");
        message["android"]!["ttl"]!.GetValue<string>().ShouldBe("600s");
        message["android"]!["collapse_key"]!.GetValue<string>().ShouldBe("security");
        message["android"]!["notification"]!["sound"]!.GetValue<string>().ShouldBe("default");
        message["apns"]!["headers"]!["apns-priority"]!.GetValue<string>().ShouldBe("10");
        message["apns"]!["headers"]!["apns-collapse-id"]!.GetValue<string>().ShouldBe("security");
        long.Parse(message["apns"]!["headers"]!["apns-expiration"]!.GetValue<string>())
            .ShouldBeInRange(DateTimeOffset.UtcNow.AddSeconds(590).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.AddSeconds(610).ToUnixTimeSeconds());
        message["apns"]!["payload"]!["aps"]!["badge"]!.GetValue<int>().ShouldBe(2);
        message["webpush"]!["headers"]!["Urgency"]!.GetValue<string>().ShouldBe("high");
    }

    [Fact]
    public async Task SendAsync_NormalPriorityWithoutTtl_SendsNormalWithTheDefaultTtl()
    {
        var d = FcmSetup.Delivery();

        (await FcmSetup.Adapter(sandbox).SendAsync(d, CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.Sent>();

        var message = (await sandbox.MessagesAsync("fcm", d.Id)).Single()!["fields"]!;
        message["android"]!["priority"]!.GetValue<string>().ShouldBe("NORMAL");
        message["android"]!["ttl"]!.GetValue<string>().ShouldBe("86400s");
        message["android"]!["collapse_key"].ShouldBeNull();
        message["apns"]!["headers"]!["apns-priority"]!.GetValue<string>().ShouldBe("5");
        message["data"]!.AsObject().Select(p => p.Key).ShouldBe(["herald_delivery_id"]);
    }

    [Fact]
    public async Task SendAsync_SeveralSends_FetchOneAccessToken()
    {
        var adapter = FcmSetup.Adapter(sandbox);
        var before = await GrantsAsync();

        for (var i = 0; i < 4; i++)
        {
            (await adapter.SendAsync(FcmSetup.Delivery(), CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.Sent>();
        }

        (await GrantsAsync()).ShouldBe(before + 1);
    }

    [Theory]
    [InlineData("invalid-")]
    [InlineData("mismatch-")]
    [InlineData("unregistered-")]
    public async Task SendAsync_TokenFcmRefuses_IsInvalidTarget(string prefix)
    {
        var d = FcmSetup.Delivery(prefix + Guid.NewGuid().ToString("N"));
        (await FcmSetup.Adapter(sandbox).SendAsync(d, CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.InvalidTarget>();
        (await sandbox.MessagesAsync("fcm", d.Id)).ShouldBeEmpty();
    }

    [Fact]
    public async Task SendAsync_QuotaExceeded_IsRetriedAfterRetryAfter()
    {
        await sandbox.SetFaultsAsync("fcm", new { rate_limit_rate = 1.0, retry_after_seconds = 30 });
        var retry = (await FcmSetup.Adapter(sandbox).SendAsync(FcmSetup.Delivery(), CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.Retry>();
        retry.RetryAfter.ShouldBe(TimeSpan.FromSeconds(30));
        retry.Reason.ShouldContain("QUOTA_EXCEEDED");
    }

    [Theory]
    [InlineData(500, "INTERNAL", typeof(DeliveryOutcome.Retry))]
    [InlineData(503, "UNAVAILABLE", typeof(DeliveryOutcome.Retry))]
    [InlineData(401, "THIRD_PARTY_AUTH_ERROR", typeof(DeliveryOutcome.Misconfigured))]
    [InlineData(403, null, typeof(DeliveryOutcome.Misconfigured))]
    [InlineData(400, "INVALID_ARGUMENT", typeof(DeliveryOutcome.Rejected))]
    [InlineData(404, "UNREGISTERED", typeof(DeliveryOutcome.InvalidTarget))]
    public async Task SendAsync_DocumentedError_MapsToItsOutcome(int status, string? code, Type expected)
    {
        await sandbox.SetFaultsAsync("fcm", new { error_rate = 1.0, error_status = status, error_code = code });
        (await FcmSetup.Adapter(sandbox).SendAsync(FcmSetup.Delivery(), CancellationToken.None)).ShouldBeOfType(expected);
    }

    [Fact]
    public async Task SendAsync_ProjectTheKeyCannotSendFor_IsMisconfigured()
    {
        var adapter = FcmSetup.Adapter(sandbox, settings: new Dictionary<string, string?> { ["ProjectId"] = "someone-elses-project" });
        var outcome = (await adapter.SendAsync(FcmSetup.Delivery(), CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.Misconfigured>();
        outcome.Reason.ShouldContain("PERMISSION_DENIED");
    }

    [Fact]
    public async Task SendAsync_KeyTheTokenEndpointRefuses_IsMisconfiguredAndSendsNothing()
    {
        using var other = RSA.Create(2048);
        var key = FcmSetup.ServiceAccount(sandbox, k => k["private_key"] = other.ExportPkcs8PrivateKeyPem());
        var d = FcmSetup.Delivery();

        var outcome = (await FcmSetup.Adapter(sandbox, serviceAccount: key).SendAsync(d, CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.Misconfigured>();

        outcome.Reason.ShouldContain("invalid_grant");
        (await sandbox.MessagesAsync("fcm", d.Id)).ShouldBeEmpty();
    }

    [Fact]
    public async Task SendAsync_TokenEndpointUnreachable_IsRetried()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var key = FcmSetup.ServiceAccount(sandbox, k => k["token_uri"] = $"http://127.0.0.1:{port}/token");

        var outcome = (await FcmSetup.Adapter(sandbox, serviceAccount: key).SendAsync(FcmSetup.Delivery(), CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.Retry>();

        outcome.Reason.ShouldContain("unreachable");
    }

    [Fact]
    public async Task SendAsync_ContentNotJson_IsRejectedWithoutACall()
    {
        var d = FcmSetup.Delivery() with { Content = "not json" };
        (await FcmSetup.Adapter(sandbox).SendAsync(d, CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.Rejected>();
        (await sandbox.MessagesAsync("fcm", d.Id)).ShouldBeEmpty();
    }

    private async Task<long> GrantsAsync() =>
        (await sandbox.Admin.GetFromJsonAsync<JsonObject>($"{sandbox.BaseUrl}/_sandbox/fcm/stats"))!["token_grants"]!.GetValue<long>();
}
