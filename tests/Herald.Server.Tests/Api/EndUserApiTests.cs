using System.Text.Json.Nodes;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Api;

/// <summary>
/// The end-user API through HTTP with a subscriber token only (no API key): own preferences taking effect in planning, own
/// push devices, a push opened, digest choice; never another user's data nor an operator's route. FCM at the sandbox; both engines.
/// </summary>
public abstract class EndUserApiTests(DeviceFixture herald)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    /// <summary>A client holding only <paramref name="user"/>'s subscriber token, as the browser or app of that user.</summary>
    private async Task<HttpClient> EndUserAsync(string user)
    {
        using var minted = await herald.Client.PostEmptyAsync($"/api/v1/users/{user}/subscriber-token");
        var token = (await minted.ShouldHaveStatusAsync(200)).Str("token");
        var client = herald.CreateClient();
        client.DefaultRequestHeaders.Add("X-Herald-Subscriber-Token", token);
        return client;
    }

    [Fact]
    public async Task PutPreferences_TokenTurnsPushOff_RoundTripsAndPlanningSendsNoPush()
    {
        var template = await TemplateAsync();
        var user = HeraldServerFixture.NewId("self");
        var token = "self-" + Guid.NewGuid().ToString("N");
        using var client = await EndUserAsync(user);
        await RegisterAsync(client, user, token);

        using (var put = await client.PutJsonAsync($"/api/v1/users/{user}/preferences", Rules(new JsonObject { ["event_type"] = template, ["channel"] = "push", ["enabled"] = false })))
        {
            (await put.ShouldHaveStatusAsync(200))["rules"]!.AsArray().ShouldHaveSingleItem()!["enabled"]!.GetValue<bool>().ShouldBeFalse();
        }

        var got = await client.GetJsonAsync($"/api/v1/users/{user}/preferences");
        var rule = got["rules"]!.AsArray().ShouldHaveSingleItem()!;
        (rule.Str("event_type"), rule.Str("channel"), rule["enabled"]!.GetValue<bool>()).ShouldBe((template, "push", false));
        (await herald.Client.GetJsonAsync($"/api/v1/users/{user}/preferences"))["rules"]!.AsArray().Count.ShouldBe(1, "the operator's key reads the same rules");

        var detail = await SendAndSettleAsync(user, template);
        detail["deliveries"]!.AsArray().ShouldHaveSingleItem()!.Str("channel").ShouldBe("in_app");
        detail["trace"]!.AsArray().ShouldContain(t => t.StrOrNull("channel") == "push" && t!.Str("decision") == "skipped" && t!.Str("reason").Contains("disabled by preference"));
        (await herald.SandboxMessagesAsync("fcm", token)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Devices_TokenRegistersListsAndRemoves_PushReachesTheDeviceUntilRemoved()
    {
        var template = await TemplateAsync();
        var user = HeraldServerFixture.NewId("self");
        var token = "self-" + Guid.NewGuid().ToString("N");
        using var client = await EndUserAsync(user);

        var id = await RegisterAsync(client, user, token);
        (await client.GetJsonAsync($"/api/v1/users/{user}/devices"))["devices"]!.AsArray().ShouldHaveSingleItem()!.Str("id").ShouldBe(id);
        await SendAndSettleAsync(user, template);
        (await herald.SandboxMessagesAsync("fcm", token)).Count.ShouldBe(1);

        using (var delete = await client.DeleteAsync($"/api/v1/users/{user}/devices/{id}"))
        {
            ((int)delete.StatusCode).ShouldBe(204);
        }

        (await client.GetJsonAsync($"/api/v1/users/{user}/devices"))["devices"]!.AsArray().ShouldBeEmpty();
        var after = await SendAndSettleAsync(user, template);
        after["deliveries"]!.AsArray().ShouldNotContain(d => d!.Str("channel") == "push");
        (await herald.SandboxMessagesAsync("fcm", token)).Count.ShouldBe(1);
        using var again = await client.DeleteAsync($"/api/v1/users/{user}/devices/{id}");
        (await again.ShouldBeProblemAsync(404, "not-found")).Dispose();
    }

    [Fact]
    public async Task PushOpened_TokenReportsItsDelivery_OpenedOnceInStatusAndTrace()
    {
        var template = await TemplateAsync();
        var user = HeraldServerFixture.NewId("self");
        using var client = await EndUserAsync(user);
        await RegisterAsync(client, user, "self-" + Guid.NewGuid().ToString("N"));
        var detail = await SendAndSettleAsync(user, template);
        var push = detail["deliveries"]!.AsArray().Single(d => d!.Str("channel") == "push")!.Str("id");

        for (var i = 0; i < 2; i++)
        {
            using var opened = await client.PostAsync(new Uri($"/api/v1/users/{user}/deliveries/{push}/opened", UriKind.Relative), null);
            ((int)opened.StatusCode).ShouldBe(204, await opened.Content.ReadAsStringAsync());
        }

        var after = await herald.GetNotificationAsync(detail.Str("id"));
        after["deliveries"]!.AsArray().Single(d => d!.Str("id") == push)!.Str("status").ShouldBe("opened");
        after["trace"]!.AsArray().Count(t => t!.Str("stage") == "track" && t!.Str("decision") == "opened").ShouldBe(1, "reported again, nothing more is written");
        after["trace"]!.AsArray().ShouldContain(t => t!.Str("stage") == "track" && t.StrOrNull("channel") == "push" && t!.Str("reason") == "opened (reported by the app)");

        // The in-app delivery of the same notification is no push: as unknown as a made-up id.
        var inApp = detail["deliveries"]!.AsArray().Single(d => d!.Str("channel") == "in_app")!.Str("id");
        foreach (var other in new[] { inApp, "dlv_made_up" })
        {
            using var refused = await client.PostAsync(new Uri($"/api/v1/users/{user}/deliveries/{other}/opened", UriKind.Relative), null);
            (await refused.ShouldBeProblemAsync(404, "not-found")).Dispose();
        }
    }

    [Fact]
    public async Task EndUserRoutes_TokenOfAnotherUser_401AndTheirDataUntouched()
    {
        var template = await TemplateAsync();
        var (victim, intruder) = (HeraldServerFixture.NewId("victim"), HeraldServerFixture.NewId("intruder"));
        using var victimClient = await EndUserAsync(victim);
        var device = await RegisterAsync(victimClient, victim, "victim-" + Guid.NewGuid().ToString("N"));
        var push = (await SendAndSettleAsync(victim, template))["deliveries"]!.AsArray().Single(d => d!.Str("channel") == "push")!.Str("id");
        using var client = await EndUserAsync(intruder);

        HttpRequestMessage[] attempts =
        [
            new(HttpMethod.Get, $"/api/v1/users/{victim}/preferences"),
            Json(HttpMethod.Put, $"/api/v1/users/{victim}/preferences", Rules(new JsonObject { ["event_type"] = "*", ["channel"] = "*", ["enabled"] = false })),
            new(HttpMethod.Get, $"/api/v1/users/{victim}/devices"),
            Json(HttpMethod.Post, $"/api/v1/users/{victim}/devices", new JsonObject { ["token"] = "planted", ["platform"] = "ios" }),
            new(HttpMethod.Delete, $"/api/v1/users/{victim}/devices/{device}"),
            new(HttpMethod.Post, $"/api/v1/users/{victim}/deliveries/{push}/opened"),
            new(HttpMethod.Get, $"/api/v1/users/{victim}/feed"),
        ];
        foreach (var attempt in attempts)
        {
            using (attempt)
            using (var response = await client.SendAsync(attempt))
            {
                (await response.ShouldBeProblemAsync(401, "unauthorized")).Dispose();
            }
        }

        // Their own route with the victim's delivery id: not theirs, so not found.
        using (var own = await client.PostAsync(new Uri($"/api/v1/users/{intruder}/deliveries/{push}/opened", UriKind.Relative), null))
        {
            (await own.ShouldBeProblemAsync(404, "not-found")).Dispose();
        }

        (await herald.Client.GetJsonAsync($"/api/v1/users/{victim}/preferences"))["rules"]!.AsArray().ShouldBeEmpty();
        (await herald.Client.GetJsonAsync($"/api/v1/users/{victim}/devices"))["devices"]!.AsArray().ShouldHaveSingleItem()!.Str("id").ShouldBe(device);
        var detail = await herald.GetNotificationAsync((await herald.ListNotificationsAsync(victim)).Single()!.Str("id"));
        detail["deliveries"]!.AsArray().Single(d => d!.Str("id") == push)!.Str("status").ShouldNotBe("opened");
    }

    [Fact]
    public async Task OperatorRoutes_SubscriberTokenOnly_401()
    {
        var user = HeraldServerFixture.NewId("self");
        using var client = await EndUserAsync(user);

        HttpRequestMessage[] attempts =
        [
            new(HttpMethod.Get, $"/api/v1/users/{user}"),
            Json(HttpMethod.Put, $"/api/v1/users/{user}", new JsonObject { ["email"] = "self@example.com" }),
            new(HttpMethod.Delete, $"/api/v1/users/{user}"),
            new(HttpMethod.Post, $"/api/v1/users/{user}/subscriber-token"),
            new(HttpMethod.Get, $"/api/v1/notifications?recipient_id={user}"),
            Json(HttpMethod.Post, "/api/v1/notifications", new JsonObject { ["event_type"] = "x", ["recipient_id"] = user }),
            new(HttpMethod.Get, "/api/v1/digest-rules"),
            new(HttpMethod.Get, "/api/v1/keys"),
            new(HttpMethod.Get, "/api/v1/audit"),
        ];
        foreach (var attempt in attempts)
        {
            using (attempt)
            using (var response = await client.SendAsync(attempt))
            {
                (await response.ShouldBeProblemAsync(401, "unauthorized")).Dispose();
            }
        }
    }

    [Theory]
    [InlineData("{\"rules\":[{\"event_type\":\"a.b\",\"channel\":\"email\",\"digest\":true}]}", "rules[0].digest")]
    [InlineData("{\"rules\":[{\"event_type\":\"a..b\",\"channel\":\"email\"}]}", "rules[0].event_type")]
    [InlineData("{\"rules\":[{\"event_type\":\"a.b\",\"channel\":\"fax\"}]}", "rules[0].channel")]
    [InlineData("{\"rules\":[{\"event_type\":\"*\",\"channel\":\"*\",\"quiet_hours\":{\"start\":\"25:00\",\"end\":\"07:00\",\"timezone\":\"UTC\"}}]}", "rules[0].quiet_hours.start")]
    [InlineData("{\"rules\":[{\"event_type\":\"*\",\"channel\":\"*\",\"quiet_hours\":{\"start\":\"22:00\",\"end\":\"07:00\",\"timezone\":\"Mars/Olympus\"}}]}", "rules[0].quiet_hours.timezone")]
    [InlineData("{}", "rules")]
    public async Task PutPreferences_TokenBadInput_400ProblemNamingTheFieldAndNothingSaved(string json, string field)
    {
        var user = HeraldServerFixture.NewId("self");
        using var client = await EndUserAsync(user);

        using var response = await client.SendJsonAsync(HttpMethod.Put, $"/api/v1/users/{user}/preferences", json);

        (await response.ShouldBeProblemAsync(400, "validation", field)).Dispose();
        (await client.GetJsonAsync($"/api/v1/users/{user}/preferences"))["rules"]!.AsArray().ShouldBeEmpty();
    }

    [Theory]
    [InlineData("{\"token\":\"t\",\"platform\":\"blackberry\"}", "platform")]
    [InlineData("{\"platform\":\"ios\"}", "token")]
    public async Task AddDevice_TokenBadInput_400ProblemAndNoDevice(string json, string field)
    {
        var user = HeraldServerFixture.NewId("self");
        using var client = await EndUserAsync(user);

        using var response = await client.SendJsonAsync(HttpMethod.Post, $"/api/v1/users/{user}/devices", json);

        (await response.ShouldBeProblemAsync(400, "validation", field)).Dispose();
        (await client.GetJsonAsync($"/api/v1/users/{user}/devices"))["devices"]!.AsArray().ShouldBeEmpty();
    }

    [Fact]
    public async Task EndUserRoutes_MalformedJson_400Problem()
    {
        var user = HeraldServerFixture.NewId("self");
        using var client = await EndUserAsync(user);

        using var prefs = await client.SendJsonAsync(HttpMethod.Put, $"/api/v1/users/{user}/preferences", "{\"rules\":[");
        using var device = await client.SendJsonAsync(HttpMethod.Post, $"/api/v1/users/{user}/devices", "{\"token\":\"t\",\"platform\":\"ios\",\"owner\":\"x\"}");

        prefs.StatusCode.ShouldBe(System.Net.HttpStatusCode.BadRequest);
        prefs.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
        device.StatusCode.ShouldBe(System.Net.HttpStatusCode.BadRequest);
        device.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
    }

    [Fact]
    public async Task DigestChoice_UserChoosesInstantOverABatchingRuleAndDigestWhereTheRuleOnlyAllowsIt_PlanningFollows()
    {
        var (batched, optional) = (await TemplateAsync(inAppOnly: true), await TemplateAsync(inAppOnly: true));
        var digestTemplate = await TemplateAsync(inAppOnly: true);
        await PutDigestRuleAsync(batched, new JsonObject { ["window"] = "PT1H", ["template_id"] = digestTemplate });
        await PutDigestRuleAsync(optional, new JsonObject { ["window"] = "PT1H", ["batch"] = false, ["fold_rate_limited"] = true, ["template_id"] = digestTemplate });
        var user = HeraldServerFixture.NewId("self");
        using var client = await EndUserAsync(user);

        var before = await client.GetJsonAsync($"/api/v1/users/{user}/preferences");
        var options = before["digest_options"]!.AsArray();
        options.Single(o => o!.Str("event_type") == batched)!["digest_by_default"]!.GetValue<bool>().ShouldBeTrue();
        options.Single(o => o!.Str("event_type") == optional)!["digest_by_default"]!.GetValue<bool>().ShouldBeFalse();
        using (var put = await client.PutJsonAsync($"/api/v1/users/{user}/preferences", Rules(
            new JsonObject { ["event_type"] = batched, ["channel"] = "*", ["enabled"] = true, ["digest"] = false },
            new JsonObject { ["event_type"] = optional, ["channel"] = "*", ["enabled"] = true, ["digest"] = true })))
        {
            (await put.ShouldHaveStatusAsync(200))["rules"]!.AsArray().Select(r => r!["digest"]!.GetValue<bool>()).ShouldBe([false, true]);
        }

        var instant = await SendAndSettleAsync(user, batched);
        instant.Str("status").ShouldBe("completed");
        instant["deliveries"]!.AsArray().ShouldHaveSingleItem()!.Str("channel").ShouldBe("in_app");
        var digestedId = await herald.SendAsync(new JsonObject { ["event_type"] = optional, ["recipient_id"] = user, ["data"] = new JsonObject { ["n"] = "2" } });
        var digested = await herald.WaitForNotificationAsync(digestedId, x => x.Str("status") == "digested", Wait);
        digested["deliveries"]!.AsArray().ShouldBeEmpty();
        digested["trace"]!.AsArray().ShouldContain(t => t!.Str("decision") == "digested" && t!.Str("reason").Contains("the recipient's choice"));
    }

    [Theory]
    [InlineData("PUT", "preferences")]
    [InlineData("POST", "devices")]
    [InlineData("DELETE", "devices/dev_1")]
    [InlineData("POST", "deliveries/dlv_1/opened")]
    public async Task Preflight_EndUserRouteFromAnotherOrigin_AllowedWithTheTokenHeaderButNotAnOperatorRoute(string method, string route)
    {
        using var client = herald.CreateClient();
        HttpRequestMessage Preflight(string path)
        {
            var request = new HttpRequestMessage(HttpMethod.Options, path);
            request.Headers.Add("Origin", "https://shop.example.com");
            request.Headers.Add("Access-Control-Request-Method", method);
            request.Headers.Add("Access-Control-Request-Headers", "x-herald-subscriber-token,content-type");
            return request;
        }

        using var endUser = Preflight($"/api/v1/users/u1/{route}");
        using var operatorRoute = Preflight("/api/v1/users/u1");
        using var allowed = await client.SendAsync(endUser);
        using var refused = await client.SendAsync(operatorRoute);

        allowed.Headers.GetValues("Access-Control-Allow-Origin").ShouldBe(["*"]);
        allowed.Headers.GetValues("Access-Control-Allow-Methods").Single().ShouldContain(method);
        refused.Headers.Contains("Access-Control-Allow-Origin").ShouldBeFalse();
    }

    private async Task PutDigestRuleAsync(string eventType, JsonObject rule)
    {
        using var response = await herald.Client.PutJsonAsync($"/api/v1/digest-rules/{eventType}", rule);
        await response.ShouldHaveStatusAsync(200);
    }

    private static JsonObject Rules(params JsonObject[] rules) => new() { ["rules"] = new JsonArray([.. rules]) };

    private static HttpRequestMessage Json(HttpMethod method, string path, JsonNode body) =>
        new(method, path) { Content = new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json") };

    private async Task<string> TemplateAsync(bool inAppOnly = false)
    {
        var template = HeraldServerFixture.NewId("self-t");
        var channels = new JsonObject { ["in_app"] = new JsonObject { ["title"] = "Hi {{n}}", ["body"] = "There" } };
        if (!inAppOnly)
        {
            channels["push"] = new JsonObject { ["title"] = "Hi {{n}}", ["body"] = "There" };
        }

        await herald.CreateTemplateAsync(template, channels, ["n"]);
        return template;
    }

    private static async Task<string> RegisterAsync(HttpClient client, string user, string token)
    {
        using var response = await client.PostJsonAsync($"/api/v1/users/{user}/devices", new JsonObject { ["token"] = token, ["platform"] = "android" });
        return (await response.ShouldHaveStatusAsync(201)).Str("id");
    }

    private async Task<JsonNode> SendAndSettleAsync(string user, string template)
    {
        var id = await herald.SendAsync(new JsonObject { ["event_type"] = template, ["recipient_id"] = user, ["data"] = new JsonObject { ["n"] = "1" } });
        return await herald.WaitForNotificationAsync(id, x => x.Str("status") == "completed", Wait);
    }
}

public sealed class SqliteEndUserApiTests(SqliteDeviceFixture herald) : EndUserApiTests(herald), IClassFixture<SqliteDeviceFixture>;

public sealed class PostgresEndUserApiTests(PostgresDeviceFixture herald) : EndUserApiTests(herald), IClassFixture<PostgresDeviceFixture>;
