using System.Text.Json.Nodes;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Api;

public sealed class NotificationsEndpointsTests(HeraldServerFixture server) : IClassFixture<HeraldServerFixture>
{
    private HttpClient Client => server.Client;

    [Fact]
    public async Task Send_ValidRequest_Returns202WithIdAndAcceptedStatus()
    {
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template);

        using var response = await Client.PostJsonAsync("/api/v1/notifications", new JsonObject
        {
            ["event_type"] = template, ["recipient_id"] = HeraldServerFixture.NewId("user"), ["data"] = new JsonObject { ["name"] = "Ada" },
        });

        var body = await response.ShouldHaveStatusAsync(202);
        body.Str("id").ShouldStartWith("ntf_");
        body.Str("status").ShouldBe("accepted");
        body.AsObject().Count.ShouldBe(2);
    }

    [Fact]
    public async Task Send_AllChannels_DeliversToFeedAndOutboxAndEveryDevice()
    {
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template, allChannels: true);
        var user = HeraldServerFixture.NewId("user");
        await server.PutUserAsync(user, email: "ada@example.com", phone: "+14155550123");
        var tokens = new[] { "device-token-" + Guid.NewGuid().ToString("N"), "device-token-" + Guid.NewGuid().ToString("N") };
        foreach (var token in tokens)
        {
            using var device = await Client.PostJsonAsync($"/api/v1/users/{user}/devices", new JsonObject { ["token"] = token, ["platform"] = "ios" });
            await device.ShouldHaveStatusAsync(201);
        }

        var id = await server.SendAsync(new JsonObject { ["event_type"] = template, ["recipient_id"] = user, ["data"] = new JsonObject { ["name"] = "Ada" } });
        var detail = await server.WaitForCompletedAsync(id);

        var deliveries = detail["deliveries"]!.AsArray();
        deliveries.Count.ShouldBe(5);
        deliveries.ShouldAllBe(d => d!["status"]!.GetValue<string>() == "sent");
        deliveries.Count(d => d!["channel"]!.GetValue<string>() == "push").ShouldBe(2);

        var feed = await server.GetFeedAsync(user);
        var item = feed["notifications"]!.AsArray().ShouldHaveSingleItem()!;
        item.Str("notification_id").ShouldBe(id);
        item.Str("title").ShouldBe("Hello Ada");
        item.Str("body").ShouldBe("Body for Ada");
        item.Str("action_url").ShouldBe("https://example.com/Ada");

        var outbox = (await Client.GetJsonAsync($"/api/v1/outbox?recipient_id={user}"))["messages"]!.AsArray();
        outbox.Count.ShouldBe(4);
        var email = outbox.Single(m => m!.Str("channel") == "email")!;
        email.Str("provider").ShouldBe("capture");
        email["message"].Str("to").ShouldBe("ada@example.com");
        email["message"].Str("subject").ShouldBe("Subject Ada");
        email["message"].Str("text").ShouldBe("Hi Ada");
        var sms = outbox.Single(m => m!.Str("channel") == "sms")!;
        sms["message"].Str("to").ShouldBe("+14155550123");
        sms["message"].Str("body").ShouldBe("SMS Ada");
        var pushes = outbox.Where(m => m!.Str("channel") == "push").ToList();
        pushes.Select(p => p!["message"].Str("token")).ShouldBe(tokens, ignoreOrder: true);
        pushes.ShouldAllBe(p => p!["message"]!["notification"]!["title"]!.GetValue<string>() == "Push Ada");
    }

    [Fact]
    public async Task Get_DeliveredNotification_ShowsMaskedTargetsAndTraceOfDecisions()
    {
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template, allChannels: true);
        var user = HeraldServerFixture.NewId("user");
        await server.PutUserAsync(user, email: "grace@example.com", phone: "+14155550199");
        var token = "abcdef0123456789xyz";
        using (var device = await Client.PostJsonAsync($"/api/v1/users/{user}/devices", new JsonObject { ["token"] = token, ["platform"] = "android" }))
        {
            await device.ShouldHaveStatusAsync(201);
        }

        var id = await server.SendAsync(new JsonObject
        {
            ["event_type"] = template, ["recipient_id"] = user, ["priority"] = "low", ["data"] = new JsonObject { ["name"] = "Grace" },
        });
        var detail = await server.WaitForCompletedAsync(id);

        detail.Str("id").ShouldBe(id);
        detail.Str("event_type").ShouldBe(template);
        detail.Str("recipient_id").ShouldBe(user);
        detail.Str("priority").ShouldBe("low");
        detail.Str("status").ShouldBe("completed");
        detail.Str("created_at").ShouldNotBeNullOrEmpty();
        var deliveries = detail["deliveries"]!.AsArray();
        string TargetOf(string channel) => deliveries.Single(d => d!.Str("channel") == channel)!.Str("target");
        TargetOf("email").ShouldBe("g***@example.com");
        TargetOf("sms").ShouldBe("+1********99");
        TargetOf("push").ShouldBe("abcdef…yz");
        TargetOf("in_app").ShouldBe(user);
        foreach (var d in deliveries)
        {
            d.Str("id").ShouldStartWith("dlv_");
            d!["attempts"]!.GetValue<int>().ShouldBe(1);
            d["sent_at"].ShouldNotBeNull();
            d["last_error"].ShouldBeNull();
            d.Str("provider").ShouldNotBeNullOrEmpty();
        }

        var trace = detail["trace"]!.AsArray();
        trace.ShouldContain(t => t!.Str("stage") == "plan" && t.Str("decision") == "planned" && t.Str("reason") == "4 deliveries planned");
        foreach (var channel in new[] { "email", "sms", "push", "in_app" })
        {
            trace.ShouldContain(t => t!.Str("stage") == "plan" && t.StrOrNull("channel") == channel && t.Str("decision") == "queued");
            trace.ShouldContain(t => t!.Str("stage") == "dispatch" && t.StrOrNull("channel") == channel && t.Str("decision") == "sent"
                && t.Str("reason").StartsWith("sent via"));
        }

        trace.ShouldAllBe(t => t!["at"] != null);
    }

    [Fact]
    public async Task Get_RecipientWithoutEmail_TraceExplainsSkippedChannel()
    {
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template, allChannels: true);
        var user = HeraldServerFixture.NewId("user");

        var id = await server.SendAsync(new JsonObject
        {
            ["event_type"] = template, ["recipient_id"] = user, ["channels"] = new JsonArray("email", "in_app"), ["data"] = new JsonObject { ["name"] = "X" },
        });
        var detail = await server.WaitForCompletedAsync(id);

        detail["deliveries"]!.AsArray().ShouldHaveSingleItem()!.Str("channel").ShouldBe("in_app");
        detail["trace"]!.AsArray().ShouldContain(t => t!.Str("decision") == "skipped" && t.Str("reason") == "recipient has no email address");
    }

    [Fact]
    public async Task Get_UnknownId_Returns404Problem()
    {
        using var response = await Client.GetAsync("/api/v1/notifications/ntf_doesnotexist");

        var problem = await response.ShouldBeProblemAsync(404, "not-found");
        problem.Detail().ShouldContain("ntf_doesnotexist");
    }

    [Fact]
    public async Task List_RecipientAndStatusFilters_ReturnOnlyMatchingNotifications()
    {
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template);
        var user = HeraldServerFixture.NewId("user");
        var other = HeraldServerFixture.NewId("user");
        var sent = await server.SendAsync(new JsonObject { ["event_type"] = template, ["recipient_id"] = user, ["data"] = new JsonObject { ["name"] = "a" } });
        var scheduled = await server.SendAsync(new JsonObject
        {
            ["event_type"] = template, ["recipient_id"] = user, ["data"] = new JsonObject { ["name"] = "b" }, ["scheduled_at"] = DateTimeOffset.UtcNow.AddHours(1),
        });
        await server.SendAsync(new JsonObject { ["event_type"] = template, ["recipient_id"] = other, ["data"] = new JsonObject { ["name"] = "c" } });
        await server.WaitForCompletedAsync(sent);

        var mine = await server.ListNotificationsAsync(user);
        mine.Select(n => n.Str("id")).ShouldBe([scheduled, sent], ignoreOrder: true);
        mine.ShouldAllBe(n => n!.Str("recipient_id") == user);
        mine.ShouldAllBe(n => n!["deliveries"] == null && n["trace"] == null);

        var onlyScheduled = (await Client.GetJsonAsync($"/api/v1/notifications?recipient_id={user}&status=scheduled"))["notifications"]!.AsArray();
        var item = onlyScheduled.ShouldHaveSingleItem()!;
        item.Str("id").ShouldBe(scheduled);
        item.Str("status").ShouldBe("scheduled");
        item.Str("scheduled_at").ShouldNotBeNullOrEmpty();

        var onlyCompleted = (await Client.GetJsonAsync($"/api/v1/notifications?recipient_id={user}&status=completed"))["notifications"]!.AsArray();
        onlyCompleted.ShouldHaveSingleItem()!.Str("id").ShouldBe(sent);
    }

    [Theory]
    [InlineData("planned")]
    [InlineData("suppressed")]
    [InlineData("Completed")]
    public async Task List_UnknownStatus_Returns400ProblemNamingTheFieldAndAllowedStatuses(string status)
    {
        using var response = await Client.GetAsync($"/api/v1/notifications?status={status}");

        var problem = await response.ShouldBeProblemAsync(400, "validation", "status");
        var detail = problem.Detail();
        detail.ShouldContain($"'{status}'");
        foreach (var allowed in Herald.Core.Domain.NotificationStatus.All)
        {
            detail.ShouldContain(allowed);
        }
    }

    [Fact]
    public async Task List_LimitAndCursor_PagesNewestFirstWithoutGapsOrRepeats()
    {
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template);
        var user = HeraldServerFixture.NewId("user");
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await server.SendAsync(new JsonObject { ["event_type"] = template, ["recipient_id"] = user, ["data"] = new JsonObject { ["name"] = $"n{i}" } }));
        }

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await Client.GetJsonAsync($"/api/v1/notifications?recipient_id={user}&limit=2" + (cursor is null ? "" : $"&cursor={cursor}"));
            var items = page["notifications"]!.AsArray();
            items.Count.ShouldBeLessThanOrEqualTo(2);
            seen.AddRange(items.Select(n => n.Str("id")));
            cursor = page["next_cursor"]?.GetValue<string>();
            pages++;
        }
        while (cursor is not null && pages < 10);

        pages.ShouldBe(3);
        seen.ShouldBe(ids.OrderByDescending(x => x, StringComparer.Ordinal).ToList());
        seen.ShouldBe(ids, ignoreOrder: true);
    }

    [Fact]
    public async Task Cancel_ScheduledNotification_CancelsItAndSecondCancelReturns409Problem()
    {
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template);
        var user = HeraldServerFixture.NewId("user");
        var at = DateTimeOffset.UtcNow.AddMinutes(30);
        using var accepted = await Client.PostJsonAsync("/api/v1/notifications", new JsonObject
        {
            ["event_type"] = template, ["recipient_id"] = user, ["data"] = new JsonObject { ["name"] = "later" }, ["scheduled_at"] = at,
        });
        var acceptedBody = await accepted.ShouldHaveStatusAsync(202);
        acceptedBody.Str("status").ShouldBe("scheduled");
        var id = acceptedBody.Str("id");
        var before = await server.GetNotificationAsync(id);
        before.Str("status").ShouldBe("scheduled");
        DateTimeOffset.Parse(before.Str("scheduled_at"), System.Globalization.CultureInfo.InvariantCulture).ShouldBe(at, TimeSpan.FromMilliseconds(1));

        using var cancel = await Client.DeleteAsync($"/api/v1/notifications/{id}");

        var cancelled = await cancel.ShouldHaveStatusAsync(200);
        cancelled.Str("id").ShouldBe(id);
        cancelled.Str("status").ShouldBe("cancelled");
        cancelled["deliveries"]!.AsArray().ShouldBeEmpty();
        cancelled["trace"]!.AsArray().ShouldContain(t => t!.Str("decision") == "cancelled" && t.Str("stage") == "api");
        (await server.GetNotificationAsync(id)).Str("status").ShouldBe("cancelled");

        using var again = await Client.DeleteAsync($"/api/v1/notifications/{id}");
        var problem = await again.ShouldBeProblemAsync(409, "nothing-to-cancel");
        problem.Detail().ShouldContain(id);
    }

    [Fact]
    public async Task Cancel_AlreadySentNotification_Returns409Problem()
    {
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template);
        var id = await server.SendAsync(new JsonObject { ["event_type"] = template, ["recipient_id"] = HeraldServerFixture.NewId("user"), ["data"] = new JsonObject { ["name"] = "now" } });
        await server.WaitForCompletedAsync(id);

        using var response = await Client.DeleteAsync($"/api/v1/notifications/{id}");

        await response.ShouldBeProblemAsync(409, "nothing-to-cancel");
        var detail = await server.GetNotificationAsync(id);
        detail.Str("status").ShouldBe("completed");
        detail["deliveries"]!.AsArray().ShouldHaveSingleItem()!.Str("status").ShouldBe("sent");
    }

    [Fact]
    public async Task Cancel_UnknownId_Returns404Problem()
    {
        using var response = await Client.DeleteAsync("/api/v1/notifications/ntf_nope");

        (await response.ShouldBeProblemAsync(404, "not-found")).Detail().ShouldContain("ntf_nope");
    }
}
