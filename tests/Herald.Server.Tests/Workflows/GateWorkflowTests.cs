using System.Globalization;
using System.Text.Json.Nodes;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Workflows;

/// <summary>Expiry, send windows and escalation through the HTTP API; run on the embedded store and in the distributed mode.</summary>
public abstract class GateWorkflowTests(HeraldServerFixture server)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    private HttpClient Client => server.Client;

    private static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static string Hhmm(DateTimeOffset t) => t.UtcDateTime.ToString("HH:mm", CultureInfo.InvariantCulture);

    private async Task<(string Template, string User)> ArrangeAsync(JsonObject? rule = null)
    {
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template, allChannels: true);
        var user = HeraldServerFixture.NewId("user");
        await server.PutUserAsync(user, email: $"{user}@example.com");
        if (rule is not null)
        {
            using var prefs = await Client.PutJsonAsync($"/api/v1/users/{user}/preferences", new JsonObject { ["rules"] = new JsonArray(rule) });
            await prefs.ShouldHaveStatusAsync(200);
        }

        return (template, user);
    }

    private static JsonNode Delivery(JsonNode detail, string channel) => detail["deliveries"]!.AsArray().Single(d => d!.Str("channel") == channel)!;

    private static string? Status(JsonNode detail, string channel) =>
        detail["deliveries"]!.AsArray().SingleOrDefault(d => d!.Str("channel") == channel)?.Str("status");

    private static string Trace(JsonNode detail) => string.Join("\n", detail["trace"]!.AsArray().Select(t => $"{t!.Str("decision")}: {t!.Str("reason")}"));

    [Fact]
    public async Task Expiry_DeferredByQuietHoursPastExpiry_IsExpiredNotSent()
    {
        var now = DateTimeOffset.UtcNow;
        var quiet = new JsonObject { ["start"] = Hhmm(now.AddHours(-1)), ["end"] = Hhmm(now.AddHours(2)), ["timezone"] = "UTC" };
        var (template, user) = await ArrangeAsync(new JsonObject { ["event_type"] = "*", ["channel"] = "*", ["quiet_hours"] = quiet });

        var id = await server.SendAsync(new JsonObject
        {
            ["event_type"] = template, ["recipient_id"] = user, ["channels"] = new JsonArray("in_app"), ["data"] = new JsonObject { ["name"] = "X" },
            ["expires_at"] = Iso(now.AddMinutes(30)),
        });

        var detail = await server.WaitForNotificationAsync(id, n => n["deliveries"]!.AsArray().Any(d => d!.Str("status") == "expired"), Bound);
        Delivery(detail, "in_app")["last_error"]!.GetValue<string>().ShouldContain("quiet hours until");
        Trace(detail).ShouldContain("expired: quiet hours until");
        (await server.GetFeedAsync(user))["notifications"]!.AsArray().ShouldBeEmpty();
    }

    [Fact]
    public async Task Expiry_RetryingWebhookPastExpiry_IsExpiredWithReason()
    {
        var (template, user) = await ArrangeAsync();
        // Nothing listens on this port: every attempt fails before the request is sent, a retryable error.
        using (var endpoint = await Client.PostJsonAsync("/api/v1/webhook-endpoints",
            new JsonObject { ["url"] = $"http://127.0.0.1:{HeraldServerFixture.FreePort()}/hook", ["recipient_id"] = user }))
        {
            await endpoint.ShouldHaveStatusAsync(201);
        }

        var id = await server.SendAsync(new JsonObject
        {
            ["event_type"] = template, ["recipient_id"] = user, ["channels"] = new JsonArray("webhook"), ["data"] = new JsonObject { ["name"] = "X" },
            ["expires_at"] = Iso(DateTimeOffset.UtcNow.AddSeconds(3)),
        });

        // The detail reads the notification before its deliveries, so a poll can see the delivery expired while the
        // notification still reads processing; the two settle in one transaction, so wait for both.
        var detail = await server.WaitForNotificationAsync(id, n => Status(n, "webhook") == "expired" && n.Str("status") == "completed", Bound);
        Delivery(detail, "webhook")["attempts"]!.GetValue<int>().ShouldBeGreaterThanOrEqualTo(1);
        Trace(detail).ShouldMatch("(would be after its expiry|expired at .* before it could be sent)");
    }

    [Fact]
    public async Task SendWindow_OutsideWindow_DefersToNextOpeningAndRoundTrips()
    {
        var now = DateTimeOffset.UtcNow;
        var window = new JsonObject
        {
            ["days"] = new JsonArray("mon", "tue", "wed", "thu", "fri", "sat", "sun"), ["start"] = Hhmm(now.AddHours(2)), ["end"] = Hhmm(now.AddHours(3)), ["timezone"] = "UTC",
        };
        var (template, user) = await ArrangeAsync(new JsonObject { ["event_type"] = "*", ["channel"] = "*", ["send_window"] = window });
        var saved = (await Client.GetJsonAsync($"/api/v1/users/{user}/preferences"))["rules"]![0]!["send_window"]!;
        saved["days"]!.AsArray().Count.ShouldBe(7);
        saved.Str("start").ShouldBe(window.Str("start"));
        saved.Str("timezone").ShouldBe("UTC");

        var id = await server.SendAsync(new JsonObject
        {
            ["event_type"] = template, ["recipient_id"] = user, ["channels"] = new JsonArray("in_app"), ["data"] = new JsonObject { ["name"] = "X" },
        });

        var detail = await server.WaitForNotificationAsync(id, n => Status(n, "in_app") == "deferred", Bound);
        Trace(detail).ShouldContain("outside the send window");
        Trace(detail).ShouldContain($"{window.Str("start")}–{window.Str("end")} UTC");
    }

    [Fact]
    public async Task SendWindow_UrgentOutsideWindow_IsSent()
    {
        var now = DateTimeOffset.UtcNow;
        var window = new JsonObject { ["days"] = new JsonArray("mon"), ["start"] = Hhmm(now.AddHours(2)), ["end"] = Hhmm(now.AddHours(3)), ["timezone"] = "UTC" };
        var (template, user) = await ArrangeAsync(new JsonObject { ["event_type"] = "*", ["channel"] = "*", ["send_window"] = window });

        var id = await server.SendAsync(new JsonObject
        {
            ["event_type"] = template, ["recipient_id"] = user, ["priority"] = "urgent", ["channels"] = new JsonArray("in_app"), ["data"] = new JsonObject { ["name"] = "X" },
        });

        (await server.WaitForCompletedAsync(id).WaitAsync(Bound))["deliveries"]![0]!.Str("status").ShouldBe("sent");
    }

    [Fact]
    public async Task Escalation_ItemUnread_EmailSentAfterTheDelay()
    {
        var (template, user) = await ArrangeAsync();

        var id = await server.SendAsync(new JsonObject
        {
            ["event_type"] = template, ["recipient_id"] = user, ["channels"] = new JsonArray("in_app"), ["data"] = new JsonObject { ["name"] = "X" },
            ["escalation"] = new JsonArray(new JsonObject { ["channel"] = "email", ["after"] = "PT1S" }),
        });

        var detail = await server.WaitForCompletedAsync(id).WaitAsync(Bound);
        Delivery(detail, "in_app").Str("status").ShouldBe("sent");
        var email = Delivery(detail, "email");
        email.Str("status").ShouldBe("sent");
        var created = DateTimeOffset.Parse(detail.Str("created_at"), CultureInfo.InvariantCulture);
        (DateTimeOffset.Parse(email.Str("sent_at"), CultureInfo.InvariantCulture) - created).ShouldBeGreaterThanOrEqualTo(TimeSpan.FromSeconds(1));
        Trace(detail).ShouldContain("only if the in-app item is still unread");
    }

    [Fact]
    public async Task Escalation_ItemReadInTime_EmailCancelledAndNeverSent()
    {
        var (template, user) = await ArrangeAsync();
        var id = await server.SendAsync(new JsonObject
        {
            ["event_type"] = template, ["recipient_id"] = user, ["data"] = new JsonObject { ["name"] = "X" }, ["channels"] = new JsonArray("in_app"),
            ["escalation"] = new JsonArray(new JsonObject { ["channel"] = "email", ["after"] = "PT3S" }),
        });
        await Polling.WaitUntilAsync(async () => (await server.GetFeedAsync(user))["notifications"]!.AsArray().Count == 1, Bound, "the in-app item did not appear");

        using (var read = await Client.PostEmptyAsync($"/api/v1/users/{user}/feed/{id}/read"))
        {
            await read.ShouldHaveStatusAsync(200);
        }

        var detail = await server.GetNotificationAsync(id);
        Delivery(detail, "email").Str("status").ShouldBe("cancelled");
        Trace(detail).ShouldContain("escalation to email cancelled");
        await Task.Delay(TimeSpan.FromSeconds(4));
        Delivery(await server.GetNotificationAsync(id), "email").Str("status").ShouldBe("cancelled");
        (await Client.GetJsonAsync($"/api/v1/outbox?channel=email&recipient_id={user}"))["messages"]!.AsArray().ShouldBeEmpty();
    }

    [Theory]
    [InlineData("{\"channel\":\"in_app\",\"after\":\"PT1M\"}", "escalation[0].channel")]
    [InlineData("{\"channel\":\"email\",\"after\":\"soon\"}", "escalation[0].after")]
    [InlineData("{\"channel\":\"email\",\"after\":\"P30D\"}", "escalation[0].after")]
    [InlineData("{\"channel\":\"fax\",\"after\":\"PT1M\"}", "escalation[0].channel")]
    public async Task Escalation_BadStep_Returns400NamingTheField(string step, string field)
    {
        var (template, user) = await ArrangeAsync();

        using var response = await Client.SendJsonAsync(HttpMethod.Post, "/api/v1/notifications",
            $"{{\"event_type\":\"{template}\",\"recipient_id\":\"{user}\",\"data\":{{\"name\":\"X\"}},\"escalation\":[{step}]}}");

        await response.ShouldBeProblemAsync(400, "validation", field);
    }

    [Fact]
    public async Task Escalation_ChannelsWithoutInApp_Returns400()
    {
        var (template, user) = await ArrangeAsync();

        using var response = await Client.PostJsonAsync("/api/v1/notifications", new JsonObject
        {
            ["event_type"] = template, ["recipient_id"] = user, ["data"] = new JsonObject { ["name"] = "X" }, ["channels"] = new JsonArray("sms"),
            ["escalation"] = new JsonArray(new JsonObject { ["channel"] = "email", ["after"] = "PT1M" }),
        });

        await response.ShouldBeProblemAsync(400, "validation", "escalation");
    }

    [Fact]
    public async Task Expiry_InThePastOrBeforeSchedule_Returns400()
    {
        var (template, user) = await ArrangeAsync();
        var now = DateTimeOffset.UtcNow;

        using var past = await Client.PostJsonAsync("/api/v1/notifications", new JsonObject
        {
            ["event_type"] = template, ["recipient_id"] = user, ["data"] = new JsonObject { ["name"] = "X" }, ["expires_at"] = Iso(now.AddMinutes(-1)),
        });
        using var beforeSchedule = await Client.PostJsonAsync("/api/v1/notifications", new JsonObject
        {
            ["event_type"] = template, ["recipient_id"] = user, ["data"] = new JsonObject { ["name"] = "X" },
            ["scheduled_at"] = Iso(now.AddHours(2)), ["expires_at"] = Iso(now.AddHours(1)),
        });

        await past.ShouldBeProblemAsync(400, "validation", "expires_at");
        await beforeSchedule.ShouldBeProblemAsync(400, "validation", "expires_at");
    }

    [Fact]
    public async Task SendWindow_UnknownDay_Returns400NamingTheField()
    {
        var user = HeraldServerFixture.NewId("user");

        using var response = await Client.PutJsonAsync($"/api/v1/users/{user}/preferences", new JsonObject
        {
            ["rules"] = new JsonArray(new JsonObject
            {
                ["event_type"] = "*", ["channel"] = "*",
                ["send_window"] = new JsonObject { ["days"] = new JsonArray("mon", "funday"), ["start"] = "08:00", ["end"] = "20:00", ["timezone"] = "Europe/Berlin" },
            }),
        });

        await response.ShouldBeProblemAsync(400, "validation", "rules[0].send_window.days[1]");
    }
}

public sealed class GateWorkflowSqliteTests(HeraldServerFixture server) : GateWorkflowTests(server), IClassFixture<HeraldServerFixture>;

[Collection(DistributedGroup.Name)]
public sealed class GateWorkflowDistributedTests(DistributedServerFixture server) : GateWorkflowTests(server);
