using System.Net;
using System.Text.Json.Nodes;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Api;

/// <summary>Two SMS providers (captures) in failover order, and webhooks that go dead after one quick retry.</summary>
public sealed class DashboardApiServerFixture : HeraldServerFixture
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Herald:Providers:sms-a:Type"] = "capture",
        ["Herald:Providers:sms-b:Type"] = "capture",
        ["Herald:Channels:sms:Providers"] = "sms-a,sms-b",
        ["Herald:Webhooks:RetrySchedule"] = "100ms",
    };
}

/// <summary>The API the dashboard and the inbox stand on: search, filters, operator switches, archive, tokens, and the UI files.</summary>
public sealed class DashboardApiTests(DashboardApiServerFixture server) : IClassFixture<DashboardApiServerFixture>
{
    private HttpClient Client => server.Client;

    [Fact]
    public async Task ListNotifications_ByEventTypeAndTimeRange_FiltersOnTheServer()
    {
        var a = HeraldServerFixture.NewId("tpl");
        var b = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(a);
        await server.CreateStandardTemplateAsync(b);
        var user = HeraldServerFixture.NewId("user");
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        var first = await server.SendAsync(new JsonObject { ["event_type"] = a, ["recipient_id"] = user, ["data"] = new JsonObject { ["name"] = "1" } });
        await server.SendAsync(new JsonObject { ["event_type"] = b, ["recipient_id"] = user, ["data"] = new JsonObject { ["name"] = "2" } });
        var third = await server.SendAsync(new JsonObject { ["event_type"] = a, ["recipient_id"] = user, ["data"] = new JsonObject { ["name"] = "3" } });

        var byType = await Client.GetJsonAsync($"/api/v1/notifications?recipient_id={user}&event_type={a}");
        var inRange = await Client.GetJsonAsync($"/api/v1/notifications?event_type={a}&from={Uri.EscapeDataString(before.ToString("O"))}&to={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddSeconds(1).ToString("O"))}");
        var future = await Client.GetJsonAsync($"/api/v1/notifications?event_type={a}&from={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(1).ToString("O"))}");
        var past = await Client.GetJsonAsync($"/api/v1/notifications?event_type={a}&to={Uri.EscapeDataString(before.ToString("O"))}");

        byType["notifications"]!.AsArray().Select(n => n.Str("id")).ShouldBe([third, first]);
        inRange["notifications"]!.AsArray().Select(n => n.Str("id")).ShouldBe([third, first]);
        future["notifications"]!.AsArray().ShouldBeEmpty();
        past["notifications"]!.AsArray().ShouldBeEmpty();
    }

    [Fact]
    public async Task ListNotifications_BadTime_IsAProblemNamingTheField()
    {
        using var response = await Client.GetAsync(new Uri("/api/v1/notifications?from=yesterday", UriKind.Relative));

        using var problem = await response.ShouldBeProblemAsync(400, "validation", "from");
    }

    [Fact]
    public async Task DeadLetters_FilteredByChannel_AndOneShowsItsPayload()
    {
        await using var receiver = await WebhookReceiver.StartAsync(statusCode: 500);
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template);
        var user = HeraldServerFixture.NewId("user");
        using (var endpoint = await Client.PostJsonAsync("/api/v1/webhook-endpoints", new JsonObject { ["recipient_id"] = user, ["url"] = receiver.Url.ToString() }))
        {
            await endpoint.ShouldHaveStatusAsync(201);
        }

        var id = await server.SendAsync(new JsonObject { ["event_type"] = template, ["recipient_id"] = user, ["channels"] = new JsonArray("webhook"), ["data"] = new JsonObject { ["name"] = "payload-check" } });
        var deliveryId = (await server.WaitForCompletedAsync(id))["deliveries"]!.AsArray().ShouldHaveSingleItem()!.Str("id");

        var webhooks = await Client.GetJsonAsync("/api/v1/dead-letters?channel=webhook&limit=500");
        var sms = await Client.GetJsonAsync("/api/v1/dead-letters?channel=sms&limit=500");
        var one = await Client.GetJsonAsync($"/api/v1/dead-letters/{deliveryId}");
        using var bad = await Client.GetAsync(new Uri("/api/v1/dead-letters?channel=pigeon", UriKind.Relative));

        webhooks["dead_letters"]!.AsArray().ShouldContain(d => d.Str("delivery_id") == deliveryId);
        webhooks["dead_letters"]!.AsArray().ShouldAllBe(d => d.Str("channel") == "webhook");
        sms["dead_letters"]!.AsArray().ShouldNotContain(d => d.Str("delivery_id") == deliveryId);
        one.Str("status").ShouldBe("dead");
        one.Str("last_error").ShouldBe("endpoint returned 500");
        one["content"]!.ToJsonString().ShouldContain("payload-check");
        using var problem = await bad.ShouldBeProblemAsync(400, "validation", "channel");
    }

    [Fact]
    public async Task WebhookEndpoints_ListedAndDisabledByAnOperator_ThenEnabled()
    {
        var created = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await Client.PostJsonAsync("/api/v1/webhook-endpoints", new JsonObject { ["recipient_id"] = HeraldServerFixture.NewId("user"), ["url"] = $"https://example.com/hook{i}" });
            created.Add((await response.ShouldHaveStatusAsync(201)).Str("id"));
        }

        using var disabled = await Client.PostEmptyAsync($"/api/v1/webhook-endpoints/{created[1]}/disable");
        var page = await Client.GetJsonAsync("/api/v1/webhook-endpoints?limit=500");
        using var enabled = await Client.PostEmptyAsync($"/api/v1/webhook-endpoints/{created[1]}/enable");
        using var unknown = await Client.PostEmptyAsync("/api/v1/webhook-endpoints/whe_nope/disable");

        var body = await disabled.ShouldHaveStatusAsync(200);
        body["enabled"]!.GetValue<bool>().ShouldBeFalse();
        body.Str("disabled_reason").ShouldBe("disabled by an operator");
        var listed = page["endpoints"]!.AsArray();
        created.ShouldAllBe(id => listed.Any(e => e!.Str("id") == id));
        listed.ShouldAllBe(e => e!["secret"] == null);
        listed.Single(e => e.Str("id") == created[1])!["enabled"]!.GetValue<bool>().ShouldBeFalse();
        (await enabled.ShouldHaveStatusAsync(200))["enabled"]!.GetValue<bool>().ShouldBeTrue();
        using var problem = await unknown.ShouldBeProblemAsync(404, "not-found");
    }

    [Fact]
    public async Task Provider_DisabledByAnOperator_IsSkippedForTheNextInOrder_UntilEnabled()
    {
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateTemplateAsync(template, new JsonObject { ["sms"] = new JsonObject { ["body"] = "code {{code}}" } }, ["code"]);
        var user = HeraldServerFixture.NewId("user");
        await server.PutUserAsync(user, phone: "+447700900123");

        using var off = await Client.PostEmptyAsync("/api/v1/providers/sms-a/disable");
        var skipped = await server.WaitForCompletedAsync(await server.SendAsync(new JsonObject { ["event_type"] = template, ["recipient_id"] = user, ["data"] = new JsonObject { ["code"] = "1" } }));
        using var on = await Client.PostEmptyAsync("/api/v1/providers/sms-a/enable");
        var back = await server.WaitForCompletedAsync(await server.SendAsync(new JsonObject { ["event_type"] = template, ["recipient_id"] = user, ["data"] = new JsonObject { ["code"] = "2" } }));
        using var unknown = await Client.PostEmptyAsync("/api/v1/providers/nope/disable");

        (await off.ShouldHaveStatusAsync(200))["providers"]!.AsArray().Single(p => p.Str("name") == "sms-a")!["enabled"]!.GetValue<bool>().ShouldBeFalse();
        skipped["deliveries"]!.AsArray().ShouldHaveSingleItem()!.Str("provider").ShouldBe("sms-b");
        skipped["trace"]!.AsArray().ShouldContain(t => t.Str("reason").Contains("sms-a: disabled by an operator"));
        (await on.ShouldHaveStatusAsync(200))["providers"]!.AsArray().Single(p => p.Str("name") == "sms-a")!["enabled"]!.GetValue<bool>().ShouldBeTrue();
        back["deliveries"]!.AsArray().ShouldHaveSingleItem()!.Str("provider").ShouldBe("sms-a");
        using var problem = await unknown.ShouldBeProblemAsync(404, "not-found");
    }

    [Fact]
    public async Task Feed_ArchiveWithTheSubscriberToken_HidesTheItemAndLowersTheCount()
    {
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template);
        var user = HeraldServerFixture.NewId("user");
        var id = await server.SendAsync(new JsonObject { ["event_type"] = template, ["recipient_id"] = user, ["data"] = new JsonObject { ["name"] = "a" } });
        await server.WaitForCompletedAsync(id);
        using var anonymous = server.CreateClient();
        anonymous.DefaultRequestHeaders.Add("X-Herald-Subscriber-Token", HeraldServerFixture.SubscriberToken(user));

        using var archived = await anonymous.PostEmptyAsync($"/api/v1/users/{user}/feed/{id}/archive");
        using var again = await anonymous.PostEmptyAsync($"/api/v1/users/{user}/feed/ntf_unknown/archive");

        (await archived.ShouldHaveStatusAsync(200))["unread_count"]!.GetValue<int>().ShouldBe(0);
        (await server.GetFeedAsync(user))["notifications"]!.AsArray().ShouldBeEmpty();
        using var problem = await again.ShouldBeProblemAsync(404, "not-found");
    }

    [Fact]
    public async Task Feed_PreflightFromAnotherOrigin_IsAllowedForTheTokenHeader_OtherRoutesAreNot()
    {
        using var feed = new HttpRequestMessage(HttpMethod.Options, "/api/v1/users/u1/feed/read-all");
        feed.Headers.Add("Origin", "https://shop.example");
        feed.Headers.Add("Access-Control-Request-Method", "POST");
        feed.Headers.Add("Access-Control-Request-Headers", "x-herald-subscriber-token");
        using var send = new HttpRequestMessage(HttpMethod.Options, "/api/v1/notifications");
        send.Headers.Add("Origin", "https://shop.example");
        send.Headers.Add("Access-Control-Request-Method", "POST");

        using var feedResponse = await Client.SendAsync(feed);
        using var sendResponse = await Client.SendAsync(send);

        feedResponse.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        feedResponse.Headers.GetValues("Access-Control-Allow-Origin").ShouldBe(["*"]);
        feedResponse.Headers.GetValues("Access-Control-Allow-Headers").Single().ShouldContain("X-Herald-Subscriber-Token", Case.Insensitive);
        sendResponse.Headers.Contains("Access-Control-Allow-Origin").ShouldBeFalse();
    }

    [Fact]
    public async Task SubscriberToken_MintedWithASendKey_OpensThatUsersFeedOnly()
    {
        var user = HeraldServerFixture.NewId("user");
        using var minted = await Client.PostEmptyAsync($"/api/v1/users/{user}/subscriber-token");
        var token = (await minted.ShouldHaveStatusAsync(200)).Str("token");
        using var anonymous = server.CreateClient();

        using var mine = await anonymous.GetAsync(new Uri($"/api/v1/users/{user}/feed?token={token}", UriKind.Relative));
        using var other = await anonymous.GetAsync(new Uri($"/api/v1/users/someone-else/feed?token={token}", UriKind.Relative));

        // An expiring JWT since issue 18 (earlier releases returned the never-expiring hex HMAC).
        token.Split('.').Length.ShouldBe(3);
        await mine.ShouldHaveStatusAsync(200);
        using var problem = await other.ShouldBeProblemAsync(401, "unauthorized");
    }

    [Fact]
    public async Task Me_NamesTheKeysScopes_DevicesAreListedMasked()
    {
        await server.CreateApiKeyAsync("reader-key-for-me", "read");
        using var reader = server.CreateClient("reader-key-for-me");
        var user = HeraldServerFixture.NewId("user");
        using (var device = await Client.PostJsonAsync($"/api/v1/users/{user}/devices", new JsonObject { ["token"] = "fcm-0123456789abcdefghij", ["platform"] = "android" }))
        {
            await device.ShouldHaveStatusAsync(201);
        }

        var me = await reader.GetJsonAsync("/api/v1/me");
        var devices = await reader.GetJsonAsync($"/api/v1/users/{user}/devices");
        using var anonymous = server.CreateClient();
        using var nobody = await anonymous.GetAsync(new Uri("/api/v1/me", UriKind.Relative));

        me["scopes"]!.AsArray().Select(s => s!.GetValue<string>()).ShouldBe(["notifications:read"], "/me names scopes as they are called today (read is an earlier name)");
        var listed = devices["devices"]!.AsArray().ShouldHaveSingleItem()!;
        listed.Str("platform").ShouldBe("android");
        listed.Str("token").ShouldNotBe("fcm-0123456789abcdefghij");
        using var problem = await nobody.ShouldBeProblemAsync(401, "unauthorized");
    }

    [Fact]
    public async Task Preview_OfAnUnsavedDefinition_RendersItWithoutStoringAVersion()
    {
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template);

        using var response = await Client.PostJsonAsync($"/api/v1/templates/{template}/preview", JsonNode.Parse("""
            {"data":{"name":"Ada"},"definition":{"variables":["name"],"channels":{"in_app":{"title":"Draft for {{name}}"}}}}
            """));
        // The editor previews on every keystroke: the next draft renders its own text, not the first one's.
        using var edited = await Client.PostJsonAsync($"/api/v1/templates/{template}/preview", JsonNode.Parse("""
            {"data":{"name":"Ada"},"definition":{"variables":["name"],"channels":{"in_app":{"title":"Second draft for {{name}}"}}}}
            """));
        using var broken = await Client.PostJsonAsync($"/api/v1/templates/{template}/preview", JsonNode.Parse("""
            {"data":{},"definition":{"channels":{"carrier_pigeon":{"title":"x"}}}}
            """));

        (await response.ShouldHaveStatusAsync(200))["channels"]!["in_app"]!.Str("title").ShouldBe("Draft for Ada");
        (await edited.ShouldHaveStatusAsync(200))["channels"]!["in_app"]!.Str("title").ShouldBe("Second draft for Ada");
        (await Client.GetJsonAsync($"/api/v1/templates/{template}"))["latest_version"]!.GetValue<int>().ShouldBe(1);
        (await broken.ReadJsonAsync())["status"]!.GetValue<int>().ShouldBe(400);
    }

    [Fact]
    public async Task UiFiles_AreServedWithAStrictPolicyAndAnETag()
    {
        using var anonymous = server.CreateClient();

        using var index = await anonymous.GetAsync(new Uri("/dashboard/", UriKind.Relative));
        using var script = await anonymous.GetAsync(new Uri("/inbox/herald-inbox.js", UriKind.Relative));
        using var again = new HttpRequestMessage(HttpMethod.Get, "/dashboard/app.js");
        using var first = await anonymous.GetAsync(new Uri("/dashboard/app.js", UriKind.Relative));
        again.Headers.IfNoneMatch.Add(first.Headers.ETag!);
        using var cached = await anonymous.SendAsync(again);
        using var missing = await anonymous.GetAsync(new Uri("/dashboard/nope.js", UriKind.Relative));
        using var demo = await anonymous.GetAsync(new Uri("/inbox/demo", UriKind.Relative));

        index.StatusCode.ShouldBe(HttpStatusCode.OK);
        index.Content.Headers.ContentType!.MediaType.ShouldBe("text/html");
        index.Headers.GetValues("Content-Security-Policy").Single().ShouldContain("script-src 'self'");
        (await index.Content.ReadAsStringAsync()).ShouldContain("/dashboard/app.js");
        script.Content.Headers.ContentType!.MediaType.ShouldBe("text/javascript");
        script.Headers.GetValues("Access-Control-Allow-Origin").ShouldBe(["*"]);
        (await script.Content.ReadAsStringAsync()).ShouldContain("customElements.define('herald-inbox'");
        cached.StatusCode.ShouldBe(HttpStatusCode.NotModified);
        using var problem = await missing.ShouldBeProblemAsync(404, "not-found");
        (await demo.Content.ReadAsStringAsync()).ShouldContain("<script src=\"/inbox/herald-inbox.js\" defer></script>");
    }
}
