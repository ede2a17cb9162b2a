using System.Globalization;
using System.Text.Json.Nodes;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Workflows;

/// <summary>Topics, topic sends and campaigns through the HTTP API; run on the embedded store and in the distributed mode.</summary>
public abstract class CampaignTests(HeraldServerFixture server)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private HttpClient Client => server.Client;

    private async Task<string> TemplateAsync()
    {
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template);
        return template;
    }

    private async Task SubscribeAsync(string topic, string user)
    {
        using var response = await Client.PutAsync(new Uri($"/api/v1/topics/{topic}/subscribers/{user}", UriKind.Relative), null);
        ((int)response.StatusCode).ShouldBe(204);
    }

    private async Task<JsonNode> CampaignAsync(string id) => await Client.GetJsonAsync($"/api/v1/campaigns/{id}");

    private async Task<List<string>> UsersAsync(int count, string prefix)
    {
        var users = Enumerable.Range(0, count).Select(i => $"{prefix}-{i:D3}").ToList();
        foreach (var u in users)
        {
            await server.PutUserAsync(u, timezone: "UTC");
        }

        return users;
    }

    [Fact]
    public async Task Topics_SubscribeListUnsubscribe_PagesInUserIdOrder()
    {
        var topic = HeraldServerFixture.NewId("topic");
        foreach (var u in new[] { "c", "a", "b", "a" })
        {
            await SubscribeAsync(topic, u);
        }

        var first = await Client.GetJsonAsync($"/api/v1/topics/{topic}/subscribers?limit=2");
        first["subscribers"]!.AsArray().Select(x => x!.GetValue<string>()).ShouldBe(["a", "b"]);
        var second = await Client.GetJsonAsync($"/api/v1/topics/{topic}/subscribers?limit=2&cursor={first.Str("next_cursor")}");
        second["subscribers"]!.AsArray().Select(x => x!.GetValue<string>()).ShouldBe(["c"]);
        second["next_cursor"].ShouldBeNull();

        using (var removed = await Client.DeleteAsync(new Uri($"/api/v1/topics/{topic}/subscribers/b", UriKind.Relative)))
        {
            ((int)removed.StatusCode).ShouldBe(204);
        }

        using (var again = await Client.DeleteAsync(new Uri($"/api/v1/topics/{topic}/subscribers/b", UriKind.Relative)))
        {
            await again.ShouldBeProblemAsync(404, "not-found");
        }

        (await Client.GetJsonAsync($"/api/v1/topics/{topic}/subscribers"))["subscribers"]!.AsArray().Select(x => x!.GetValue<string>()).ShouldBe(["a", "c"]);
    }

    [Fact]
    public async Task TopicSend_FansOutToExactlyTheSubscribersOnceEvenWhenRetried()
    {
        var template = await TemplateAsync();
        var topic = HeraldServerFixture.NewId("topic");
        var users = await UsersAsync(3, HeraldServerFixture.NewId("fan"));
        foreach (var u in users)
        {
            await SubscribeAsync(topic, u);
        }

        var outsider = HeraldServerFixture.NewId("outsider");
        var body = new JsonObject { ["event_type"] = template, ["topic"] = topic, ["data"] = new JsonObject { ["name"] = "All" }, ["idempotency_key"] = HeraldServerFixture.NewId("key") };

        using var first = await Client.PostJsonAsync("/api/v1/notifications", body);
        using var retry = await Client.PostJsonAsync("/api/v1/notifications", body.DeepClone());

        var accepted = await first.ShouldHaveStatusAsync(202);
        var id = accepted.Str("id");
        id.ShouldStartWith("cmp_");
        (await retry.ShouldHaveStatusAsync(202)).Str("id").ShouldBe(id);
        retry.Headers.GetValues("Idempotent-Replayed").ShouldBe(["true"]);
        await Polling.WaitUntilAsync(async () => (await CampaignAsync(id))["progress"]!["sent"]!.GetValue<long>() == 3, Bound, "the topic send did not reach every subscriber");
        foreach (var u in users)
        {
            (await server.ListNotificationsAsync(u)).Count.ShouldBe(1);
            (await server.GetFeedAsync(u))["notifications"]!.AsArray().ShouldHaveSingleItem()!.Str("title").ShouldBe("Hello All");
        }

        (await server.ListNotificationsAsync(outsider)).ShouldBeEmpty();
        var campaign = await CampaignAsync(id);
        campaign.Str("kind").ShouldBe("topic_send");
        campaign.Str("status").ShouldBe("released");
        campaign["progress"]!["total"]!.GetValue<long>().ShouldBe(3);
        campaign["progress"]!["planned"]!.GetValue<long>().ShouldBe(3);
    }

    [Fact]
    public async Task Campaign_PacedRate_MeasuredRateWithinTenPercent()
    {
        const int count = 80;
        const double rate = 20;
        var template = await TemplateAsync();
        var users = await UsersAsync(count, HeraldServerFixture.NewId("paced"));

        using var created = await Client.PostJsonAsync("/api/v1/campaigns", new JsonObject
        {
            ["name"] = "paced", ["event_type"] = template, ["data"] = new JsonObject { ["name"] = "Paced" }, ["channels"] = new JsonArray("in_app"),
            ["recipient_ids"] = new JsonArray([.. users.Select(u => (JsonNode)u)]), ["rate"] = rate,
        });
        var id = (await created.ShouldHaveStatusAsync(201)).Str("id");
        await Polling.WaitUntilAsync(async () => (await CampaignAsync(id))["progress"]!["sent"]!.GetValue<long>() == count, TimeSpan.FromSeconds(30),
            "the campaign did not finish");

        var sent = new List<DateTimeOffset>();
        foreach (var u in users)
        {
            var notification = (await server.ListNotificationsAsync(u)).ShouldHaveSingleItem()!;
            notification.Str("priority").ShouldBe("low");
            var detail = await server.GetNotificationAsync(notification.Str("id"));
            sent.Add(DateTimeOffset.Parse(detail["deliveries"]![0]!.Str("sent_at"), CultureInfo.InvariantCulture));
        }

        sent.Sort();
        var measured = (count - 1) / (sent[^1] - sent[0]).TotalSeconds;
        measured.ShouldBeInRange(rate * 0.9, rate * 1.1, $"measured {measured:F1}/s over {(sent[^1] - sent[0]).TotalSeconds:F2} s");
    }

    [Fact]
    public async Task Campaign_PauseHoldsAndResumeFinishesWithoutDuplicates()
    {
        const int count = 30;
        var template = await TemplateAsync();
        var users = await UsersAsync(count, HeraldServerFixture.NewId("pause"));
        using var created = await Client.PostJsonAsync("/api/v1/campaigns", new JsonObject
        {
            ["event_type"] = template, ["data"] = new JsonObject { ["name"] = "P" }, ["channels"] = new JsonArray("in_app"),
            ["recipient_ids"] = new JsonArray([.. users.Select(u => (JsonNode)u)]), ["rate"] = 10,
        });
        var id = (await created.ShouldHaveStatusAsync(201)).Str("id");
        await Polling.WaitUntilAsync(async () => (await CampaignAsync(id))["progress"]!["sent"]!.GetValue<long>() >= 3, Bound, "nothing was sent");

        using (var pause = await Client.PostEmptyAsync($"/api/v1/campaigns/{id}/pause"))
        {
            (await pause.ShouldHaveStatusAsync(200)).Str("status").ShouldBe("paused");
        }

        var held = await CampaignAsync(id);
        held["progress"]!["paused"]!.GetValue<long>().ShouldBeGreaterThan(0);
        var sentAtPause = held["progress"]!["sent"]!.GetValue<long>();
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        // A notification a planner had already claimed when the pause came may still go out; nothing else does.
        (await CampaignAsync(id))["progress"]!["sent"]!.GetValue<long>().ShouldBeLessThanOrEqualTo(sentAtPause + 2);
        using (var again = await Client.PostEmptyAsync($"/api/v1/campaigns/{id}/pause"))
        {
            await again.ShouldBeProblemAsync(409, "campaign-state");
        }

        using (var resume = await Client.PostEmptyAsync($"/api/v1/campaigns/{id}/resume"))
        {
            await resume.ShouldHaveStatusAsync(200);
        }

        await Polling.WaitUntilAsync(async () => (await CampaignAsync(id))["progress"]!["sent"]!.GetValue<long>() == count, Bound, "the resumed campaign did not finish");
        foreach (var u in users)
        {
            (await server.ListNotificationsAsync(u)).Count.ShouldBe(1);
        }
    }

    [Fact]
    public async Task Campaign_Cancel_StopsWhatIsNotSent()
    {
        var template = await TemplateAsync();
        var users = await UsersAsync(20, HeraldServerFixture.NewId("cancel"));
        using var created = await Client.PostJsonAsync("/api/v1/campaigns", new JsonObject
        {
            ["event_type"] = template, ["data"] = new JsonObject { ["name"] = "C" }, ["channels"] = new JsonArray("in_app"),
            ["recipient_ids"] = new JsonArray([.. users.Select(u => (JsonNode)u)]), ["rate"] = 4,
        });
        var id = (await created.ShouldHaveStatusAsync(201)).Str("id");
        await Polling.WaitUntilAsync(async () => (await CampaignAsync(id))["progress"]!["sent"]!.GetValue<long>() >= 1, Bound, "nothing was sent");

        using var cancel = await Client.PostEmptyAsync($"/api/v1/campaigns/{id}/cancel");

        var cancelled = await cancel.ShouldHaveStatusAsync(200);
        cancelled.Str("status").ShouldBe("cancelled");
        var sent = cancelled["progress"]!["sent"]!.GetValue<long>();
        cancelled["progress"]!["cancelled"]!.GetValue<long>().ShouldBeGreaterThan(0);
        sent.ShouldBeLessThan(20);
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        (await CampaignAsync(id))["progress"]!["sent"]!.GetValue<long>().ShouldBeLessThanOrEqualTo(sent + 1);
    }

    [Fact]
    public async Task Campaign_LocalTime_EachRecipientDueAtTheirOwnNineOClock()
    {
        var template = await TemplateAsync();
        var tokyo = HeraldServerFixture.NewId("tokyo");
        var paris = HeraldServerFixture.NewId("paris");
        await server.PutUserAsync(tokyo, timezone: "Asia/Tokyo");
        await server.PutUserAsync(paris, timezone: "Europe/Paris");
        var date = DateTimeOffset.UtcNow.AddDays(10).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

        using var created = await Client.PostJsonAsync("/api/v1/campaigns", new JsonObject
        {
            ["event_type"] = template, ["data"] = new JsonObject { ["name"] = "L" }, ["recipient_ids"] = new JsonArray(tokyo, paris), ["scheduled_at"] = $"{date}T09:00 local",
        });
        var campaign = await created.ShouldHaveStatusAsync(201);
        campaign.Str("scheduled_at").ShouldBe($"{date}T09:00 local");

        // Not released yet: releasing starts 5 minutes before the first recipient (UTC+14) is due.
        campaign["progress"]!["released"]!.GetValue<long>().ShouldBe(0);
        campaign["progress"]!["total"]!.GetValue<long>().ShouldBe(2);
    }

    [Theory]
    [InlineData("{\"event_type\":\"x\",\"data\":{},\"topic\":\"t\",\"recipient_ids\":[\"a\"]}", "topic")]
    [InlineData("{\"event_type\":\"x\",\"data\":{},\"recipient_ids\":[\"a\"],\"rate\":0}", "rate")]
    [InlineData("{\"event_type\":\"x\",\"data\":{},\"recipient_ids\":[\"a\"],\"scheduled_at\":\"tomorrow\"}", "scheduled_at")]
    [InlineData("{\"event_type\":\"x\",\"data\":{},\"recipient_ids\":[\"_ops\"]}", "recipient_ids[0]")]
    public async Task Campaign_BadInput_Returns400NamingTheField(string json, string field)
    {
        using var response = await Client.SendJsonAsync(HttpMethod.Post, "/api/v1/campaigns", json);

        await response.ShouldBeProblemAsync(400, "validation", field);
    }

    [Fact]
    public async Task TopicSend_WithRecipientToo_Returns400()
    {
        using var response = await Client.SendJsonAsync(HttpMethod.Post, "/api/v1/notifications", "{\"event_type\":\"x\",\"data\":{},\"topic\":\"t\",\"recipient_id\":\"a\"}");

        await response.ShouldBeProblemAsync(400, "validation", "topic");
    }
}

public sealed class CampaignSqliteTests(HeraldServerFixture server) : CampaignTests(server), IClassFixture<HeraldServerFixture>;

[Collection(DistributedGroup.Name)]
public sealed class CampaignDistributedTests(DistributedServerFixture server) : CampaignTests(server);
