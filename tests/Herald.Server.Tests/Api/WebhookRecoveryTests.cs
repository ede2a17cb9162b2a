using System.Globalization;
using System.Text.Json.Nodes;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Api;

/// <summary>
/// What arrives while a webhook endpoint is disabled is held and sent once it is enabled; <c>POST …/recover</c> sends again
/// what an endpoint missed in a range, never twice. Run against both engines, through the API and a loopback receiver.
/// </summary>
public abstract class WebhookRecoveryTests(HeraldServerFixture server)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    /// <summary>A pause long enough for a lane to have sent anything it wrongly took (lanes poll every 50 ms here).</summary>
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(800);

    private HttpClient Client => server.Client;

    /// <summary>True where one recipient's deliveries are sent one at a time in order (the partitioned transport).</summary>
    protected abstract bool SendsInOrderPerRecipient { get; }

    [Fact]
    public async Task Send_WhileEndpointDisabled_HeldThenDeliveredExactlyOnceAfterEnable()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (template, recipient) = await SetUpAsync();
        var endpoint = await CreateEndpointAsync(recipient, receiver.Url);
        using (var disable = await Client.PostEmptyAsync($"/api/v1/webhook-endpoints/{endpoint}/disable"))
        {
            await disable.ShouldHaveStatusAsync(200);
        }

        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add(await SendAsync(template, recipient, $"n{i}"));
        }

        var deliveryIds = new List<string>();
        foreach (var id in ids)
        {
            var held = await server.WaitForNotificationAsync(id, n => n.Str("status") != "accepted" && n.Str("status") != "planning", Wait);
            var delivery = held["deliveries"]!.AsArray().Single()!;
            delivery.Str("status").ShouldBe("held");
            delivery["attempts"]!.GetValue<int>().ShouldBe(0);
            held.Str("status").ShouldBe("processing");
            held["trace"]!.AsArray().ShouldContain(t => t.Str("decision") == "held");
            deliveryIds.Add(delivery.Str("id"));
        }

        await Task.Delay(Quiet);
        receiver.Received.ShouldBeEmpty();

        using (var enable = await Client.PostEmptyAsync($"/api/v1/webhook-endpoints/{endpoint}/enable"))
        {
            (await enable.ShouldHaveStatusAsync(200))["enabled"]!.GetValue<bool>().ShouldBeTrue();
        }

        foreach (var id in ids)
        {
            var sent = await server.WaitForNotificationAsync(id, n => n.Str("status") == "completed", Wait);
            sent["deliveries"]!.AsArray().Single()!.Str("status").ShouldBe("sent");
            sent["trace"]!.AsArray().ShouldContain(t => t.Str("decision") == "released");
        }

        await Task.Delay(Quiet);
        var received = receiver.Received.Select(r => r.Id).ToList();
        received.Order(StringComparer.Ordinal).ShouldBe(deliveryIds.Order(StringComparer.Ordinal));
        if (SendsInOrderPerRecipient)
        {
            received.ShouldBe(deliveryIds);
        }
    }

    [Fact]
    public async Task Enable_ManyHeld_SentNoMoreAtOnceThanTheLaneConcurrency()
    {
        const int count = 8;
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Delay = TimeSpan.FromMilliseconds(150);
        var (template, recipient) = await SetUpAsync();
        var endpoint = await CreateEndpointAsync(recipient, receiver.Url);
        using (var disable = await Client.PostEmptyAsync($"/api/v1/webhook-endpoints/{endpoint}/disable"))
        {
            await disable.ShouldHaveStatusAsync(200);
        }

        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            ids.Add(await SendAsync(template, recipient, $"burst{i}"));
        }

        foreach (var id in ids)
        {
            await server.WaitForNotificationAsync(id, n => Status(n) == "held", Wait);
        }

        using (var enable = await Client.PostEmptyAsync($"/api/v1/webhook-endpoints/{endpoint}/enable"))
        {
            await enable.ShouldHaveStatusAsync(200);
        }

        foreach (var id in ids)
        {
            await server.WaitForNotificationAsync(id, n => n.Str("status") == "completed", Wait);
        }

        receiver.Received.Count.ShouldBe(count);
        receiver.MaxInFlight.ShouldBeInRange(1, WebhookRecoveryServerFixture.LaneConcurrency);
    }

    [Fact]
    public async Task Retry_EndpointDisabledMeanwhile_HeldWithoutUsingAnAttemptThenSentOnceEnabled()
    {
        await using var receiver = await WebhookReceiver.StartAsync(statusCode: 500);
        var (template, recipient) = await SetUpAsync();
        var endpoint = await CreateEndpointAsync(recipient, receiver.Url);
        var id = await SendAsync(template, recipient, "retry");
        await server.WaitForNotificationAsync(id, n => Status(n) == "retrying", Wait);

        using (var disable = await Client.PostEmptyAsync($"/api/v1/webhook-endpoints/{endpoint}/disable"))
        {
            await disable.ShouldHaveStatusAsync(200);
        }

        var held = Delivery(await server.WaitForNotificationAsync(id, n => Status(n) is "held" or "failed" or "dead", Wait));
        held.Str("status").ShouldBe("held");
        held["attempts"]!.GetValue<int>().ShouldBe(1);
        receiver.Received.Count.ShouldBe(1);
        receiver.StatusCode = 200;

        using (var enable = await Client.PostEmptyAsync($"/api/v1/webhook-endpoints/{endpoint}/enable"))
        {
            await enable.ShouldHaveStatusAsync(200);
        }

        var sent = (await server.WaitForNotificationAsync(id, n => n.Str("status") == "completed", Wait))["deliveries"]!.AsArray().Single()!;
        sent.Str("status").ShouldBe("sent");
        sent["attempts"]!.GetValue<int>().ShouldBe(2);
        await Task.Delay(Quiet);
        receiver.Received.Select(r => (r.Id, r.AnsweredStatus)).ShouldBe([(held.Str("id"), 500), (held.Str("id"), 200)]);
    }

    [Fact]
    public async Task Cancel_HeldDelivery_CancelledAndNotSentWhenEnabled()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (template, recipient) = await SetUpAsync();
        var endpoint = await CreateEndpointAsync(recipient, receiver.Url);
        using (var disable = await Client.PostEmptyAsync($"/api/v1/webhook-endpoints/{endpoint}/disable"))
        {
            await disable.ShouldHaveStatusAsync(200);
        }

        var id = await SendAsync(template, recipient, "cancel me");
        await server.WaitForNotificationAsync(id, n => Status(n) is not null and not "queued", Wait);

        using var cancel = await Client.DeleteAsync($"/api/v1/notifications/{id}");
        using var enable = await Client.PostEmptyAsync($"/api/v1/webhook-endpoints/{endpoint}/enable");

        var cancelled = await cancel.ShouldHaveStatusAsync(200);
        cancelled.Str("status").ShouldBe("cancelled");
        Delivery(cancelled).Str("status").ShouldBe("cancelled");
        await enable.ShouldHaveStatusAsync(200);
        await Task.Delay(Quiet);
        receiver.Received.ShouldBeEmpty();
    }

    [Fact]
    public async Task Recover_Range_ResendsOnlyFailedInRangeAndNeverTwice()
    {
        // 410 fails a delivery at once and disables the endpoint: two failures, one on each side of `middle`.
        await using var receiver = await WebhookReceiver.StartAsync(statusCode: 410);
        var (template, recipient) = await SetUpAsync();
        var endpoint = await CreateEndpointAsync(recipient, receiver.Url);
        var start = DateTimeOffset.UtcNow.AddSeconds(-1);
        var early = await SendFailedAsync(template, recipient, endpoint, "early");
        await Task.Delay(20);
        var middle = DateTimeOffset.UtcNow;
        await Task.Delay(20);
        var late = await SendFailedAsync(template, recipient, endpoint, "late");
        receiver.StatusCode = 200;
        using (var enable = await Client.PostEmptyAsync($"/api/v1/webhook-endpoints/{endpoint}/enable"))
        {
            await enable.ShouldHaveStatusAsync(200);
        }

        var first = await RecoverAsync(endpoint, new JsonObject { ["since"] = Rfc3339(middle) });

        first.Str("endpoint_id").ShouldBe(endpoint);
        first["recovered"]!.GetValue<int>().ShouldBe(1);
        (await server.WaitForNotificationAsync(late.Notification, n => n.Str("status") == "completed" && Delivery(n).Str("status") == "sent", Wait))["trace"]!.AsArray()
            .ShouldContain(t => t.Str("decision") == "recovered");
        Delivery(await server.GetNotificationAsync(early.Notification)).Str("status").ShouldBe("failed");

        var again = await RecoverAsync(endpoint, new JsonObject { ["since"] = Rfc3339(middle) });

        again["recovered"]!.GetValue<int>().ShouldBe(0);
        await Task.Delay(Quiet);
        receiver.Received.Count(r => r.Id == late.Delivery).ShouldBe(2);
        receiver.Received.Count(r => r.Id == early.Delivery).ShouldBe(1);

        var before = await RecoverAsync(endpoint, new JsonObject { ["since"] = Rfc3339(start), ["until"] = Rfc3339(middle) });

        before["recovered"]!.GetValue<int>().ShouldBe(1);
        await server.WaitForNotificationAsync(early.Notification, n => n.Str("status") == "completed" && Delivery(n).Str("status") == "sent", Wait);
        await Task.Delay(Quiet);
        receiver.Received.Select(r => (r.Id, r.AnsweredStatus)).ShouldBe(
            [(early.Delivery, 410), (late.Delivery, 410), (late.Delivery, 200), (early.Delivery, 200)]);
    }

    [Fact]
    public async Task Recover_BadRequests_ReturnProblems()
    {
        var recipient = HeraldServerFixture.NewId("user");
        var endpoint = await CreateEndpointAsync(recipient, new Uri("http://127.0.0.1:9/hooks"));
        var now = DateTimeOffset.UtcNow;
        var path = $"/api/v1/webhook-endpoints/{endpoint}/recover";

        using var unknown = await Client.PostJsonAsync("/api/v1/webhook-endpoints/whe_missing/recover", new JsonObject { ["since"] = Rfc3339(now.AddHours(-1)) });
        using var noSince = await Client.PostJsonAsync(path, new JsonObject { ["until"] = Rfc3339(now) });
        using var notATime = await Client.PostJsonAsync(path, new JsonObject { ["since"] = "yesterday" });
        using var future = await Client.PostJsonAsync(path, new JsonObject { ["since"] = Rfc3339(now.AddHours(1)) });
        using var reversed = await Client.PostJsonAsync(path, new JsonObject { ["since"] = Rfc3339(now.AddHours(-1)), ["until"] = Rfc3339(now.AddHours(-2)) });
        using var malformed = await Client.SendJsonAsync(HttpMethod.Post, path, "{\"since\":");
        using (var disable = await Client.PostEmptyAsync($"/api/v1/webhook-endpoints/{endpoint}/disable"))
        {
            await disable.ShouldHaveStatusAsync(200);
        }

        using var disabled = await Client.PostJsonAsync(path, new JsonObject { ["since"] = Rfc3339(now.AddHours(-1)) });

        (await unknown.ShouldBeProblemAsync(404, "not-found")).Detail().ShouldContain("whe_missing");
        await noSince.ShouldBeProblemAsync(400, "validation", "since");
        await notATime.ShouldBeProblemAsync(400, "validation", "since");
        (await future.ShouldBeProblemAsync(400, "validation", "since")).Detail().ShouldContain("future");
        await reversed.ShouldBeProblemAsync(400, "validation", "until");
        await malformed.ShouldBeProblemAsync(400, "malformed-json");
        (await disabled.ShouldBeProblemAsync(409, "endpoint-disabled")).Detail().ShouldContain(endpoint);
    }

    private async Task<(string Template, string Recipient)> SetUpAsync()
    {
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template);
        return (template, HeraldServerFixture.NewId("user"));
    }

    private async Task<string> CreateEndpointAsync(string recipient, Uri url)
    {
        using var response = await Client.PostJsonAsync("/api/v1/webhook-endpoints", new JsonObject { ["recipient_id"] = recipient, ["url"] = url.ToString() });
        return (await response.ShouldHaveStatusAsync(201)).Str("id");
    }

    private Task<string> SendAsync(string template, string recipient, string name) => server.SendAsync(new JsonObject
    {
        ["event_type"] = "order.shipped", ["template_id"] = template, ["recipient_id"] = recipient, ["channels"] = new JsonArray("webhook"),
        ["data"] = new JsonObject { ["name"] = name },
    });

    /// <summary>Sends one notification the receiver answers 410 to (failed, endpoint disabled), then enables the endpoint again.</summary>
    private async Task<(string Notification, string Delivery)> SendFailedAsync(string template, string recipient, string endpoint, string name)
    {
        var id = await SendAsync(template, recipient, name);
        var failed = Delivery(await server.WaitForNotificationAsync(id, n => n.Str("status") == "completed", Wait));
        failed.Str("status").ShouldBe("failed");
        using var enable = await Client.PostEmptyAsync($"/api/v1/webhook-endpoints/{endpoint}/enable");
        await enable.ShouldHaveStatusAsync(200);
        return (id, failed.Str("id"));
    }

    private async Task<JsonNode> RecoverAsync(string endpoint, JsonObject body)
    {
        using var response = await Client.PostJsonAsync($"/api/v1/webhook-endpoints/{endpoint}/recover", body);
        return await response.ShouldHaveStatusAsync(202);
    }

    private static JsonNode Delivery(JsonNode notification) => notification["deliveries"]!.AsArray().Single()!;

    /// <summary>The status of the notification's one delivery, or null before it is planned.</summary>
    private static string? Status(JsonNode notification) => notification["deliveries"]?.AsArray().SingleOrDefault()?.StrOrNull("status");

    private static string Rfc3339(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}

/// <summary>A webhook retry every second, so a test can disable an endpoint between two attempts.</summary>
public sealed class WebhookRecoveryServerFixture : HeraldServerFixture
{
    /// <summary>Provider calls in flight per lane: small, so a burst of released deliveries would show above it.</summary>
    public const int LaneConcurrency = 3;

    internal static readonly Dictionary<string, string?> Settings = new()
    {
        ["Herald:Webhooks:RetrySchedule"] = "1s,1s,1s,1s,1s",
        ["Herald:Pipeline:LaneConcurrency"] = LaneConcurrency.ToString(CultureInfo.InvariantCulture),
    };

    protected override IReadOnlyDictionary<string, string?> ExtraSettings => Settings;
}

/// <summary>The distributed mode (PostgreSQL, RabbitMQ lanes) with the same webhook settings.</summary>
public sealed class WebhookRecoveryDistributedFixture : DistributedServerFixture
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings =>
        new Dictionary<string, string?>(base.ExtraSettings.Concat(WebhookRecoveryServerFixture.Settings));
}

public sealed class WebhookRecoverySqliteTests(WebhookRecoveryServerFixture server) : WebhookRecoveryTests(server), IClassFixture<WebhookRecoveryServerFixture>
{
    protected override bool SendsInOrderPerRecipient => false;
}

public sealed class WebhookRecoveryDistributedTests(WebhookRecoveryDistributedFixture server) : WebhookRecoveryTests(server), IClassFixture<WebhookRecoveryDistributedFixture>
{
    protected override bool SendsInOrderPerRecipient => true;
}
