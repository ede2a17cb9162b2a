using System.Globalization;
using System.Text.Json.Nodes;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Api;

/// <summary>DELETE /api/v1/users/{id}: the right to erasure, through the HTTP API on the embedded store.</summary>
public sealed class ErasureEndpointTests(HeraldServerFixture server) : IClassFixture<HeraldServerFixture>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    private HttpClient Client => server.Client;

    [Fact]
    public async Task Delete_UserWithHistory_PurgesPersonalDataKeepsAnonymousCountsAndCancelsScheduledWork()
    {
        var from = DateTimeOffset.UtcNow.AddSeconds(-1);
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template, allChannels: true);
        var user = HeraldServerFixture.NewId("user");
        var other = HeraldServerFixture.NewId("user");
        await server.PutUserAsync(user, email: "erase.me@example.com", phone: "+14155550177", timezone: "Europe/Paris");
        await server.PutUserAsync(other, email: "keep.me@example.com");
        using (var prefs = await Client.PutJsonAsync($"/api/v1/users/{user}/preferences", new JsonObject
        {
            ["rules"] = new JsonArray(new JsonObject { ["event_type"] = "marketing.*", ["channel"] = "email", ["enabled"] = false }),
        }))
        {
            await prefs.ShouldHaveStatusAsync(200);
        }

        using (var device = await Client.PostJsonAsync($"/api/v1/users/{user}/devices", new JsonObject { ["token"] = "push-erase-" + Guid.NewGuid().ToString("N"), ["platform"] = "ios" }))
        {
            await device.ShouldHaveStatusAsync(201);
        }

        var sent = await server.SendAsync(new JsonObject { ["event_type"] = template, ["recipient_id"] = user, ["data"] = new JsonObject { ["name"] = "Secret Name" } });
        var kept = await server.SendAsync(new JsonObject { ["event_type"] = template, ["recipient_id"] = other, ["data"] = new JsonObject { ["name"] = "Other" } });
        await server.WaitForCompletedAsync(sent).WaitAsync(Bound);
        await server.WaitForCompletedAsync(kept).WaitAsync(Bound);
        var scheduled = await server.SendAsync(new JsonObject
        {
            ["event_type"] = template, ["recipient_id"] = user, ["data"] = new JsonObject { ["name"] = "Later" },
            ["scheduled_at"] = DateTimeOffset.UtcNow.AddSeconds(2).ToString("O", CultureInfo.InvariantCulture),
        });
        var window = $"from={Rfc3339(from)}&to={Rfc3339(DateTimeOffset.UtcNow.AddSeconds(1))}&group_by=event_type";
        var before = Group(await Client.GetJsonAsync($"/api/v1/analytics?{window}"), template);

        using var response = await Client.DeleteAsync(new Uri($"/api/v1/users/{user}", UriKind.Relative));

        var erased = await response.ShouldHaveStatusAsync(200);
        erased.Str("user_id").ShouldBe(user);
        var pseudonym = erased.Str("pseudonym");
        pseudonym.ShouldStartWith("erased-");
        erased["profile"]!.GetValue<bool>().ShouldBeTrue();
        erased["devices"]!.GetValue<int>().ShouldBe(1);
        erased["feed_items"]!.GetValue<int>().ShouldBe(1);
        erased["notifications"]!.GetValue<int>().ShouldBe(2);
        erased["outbox_messages"]!.GetValue<int>().ShouldBe(3);
        erased["cancelled"]!.GetValue<int>().ShouldBe(1);

        using (var gone = await Client.GetAsync(new Uri($"/api/v1/users/{user}", UriKind.Relative)))
        {
            await gone.ShouldBeProblemAsync(404, "not-found");
        }

        (await Client.GetJsonAsync($"/api/v1/users/{user}/preferences"))["rules"]!.AsArray().ShouldBeEmpty();
        (await server.GetFeedAsync(user))["notifications"]!.AsArray().ShouldBeEmpty();
        (await server.ListNotificationsAsync(user)).ShouldBeEmpty();
        (await Client.GetJsonAsync($"/api/v1/outbox?recipient_id={user}"))["messages"]!.AsArray().ShouldBeEmpty();

        // The records stay, anonymous: no name, address, number, token or rendered text anywhere in them.
        var detail = await server.GetNotificationAsync(sent);
        detail.Str("recipient_id").ShouldBe(pseudonym);
        var text = detail.ToJsonString();
        foreach (var personal in new[] { user, "Secret Name", "erase.me@example.com", "+14155550177", "push-erase-" })
        {
            text.ShouldNotContain(personal);
        }

        detail["deliveries"]!.AsArray().Select(d => d.Str("status")).ShouldBe(["sent", "sent", "sent", "sent"], ignoreOrder: true);

        // The scheduled notification is cancelled and never sent.
        await Task.Delay(TimeSpan.FromSeconds(3));
        var later = await server.GetNotificationAsync(scheduled);
        later.Str("status").ShouldBe("cancelled");
        later["deliveries"]!.AsArray().ShouldBeEmpty();
        (await Client.GetJsonAsync($"/api/v1/outbox?recipient_id={pseudonym}"))["messages"]!.AsArray().ShouldBeEmpty();

        // Anonymous counts are unchanged; the other user is untouched.
        var after = Group(await Client.GetJsonAsync($"/api/v1/analytics?{window}"), template);
        after["counts"]!.ToJsonString().ShouldBe(before["counts"]!.ToJsonString());
        (await Client.GetJsonAsync($"/api/v1/users/{other}")).Str("email").ShouldBe("keep.me@example.com");
        (await server.GetFeedAsync(other))["notifications"]!.AsArray().Count.ShouldBe(1);
    }

    [Fact]
    public async Task Delete_UnknownUser_Returns200WithNothingErased()
    {
        using var response = await Client.DeleteAsync(new Uri($"/api/v1/users/{HeraldServerFixture.NewId("nobody")}", UriKind.Relative));

        var erased = await response.ShouldHaveStatusAsync(200);
        erased["profile"]!.GetValue<bool>().ShouldBeFalse();
        erased["notifications"]!.GetValue<int>().ShouldBe(0);
    }

    [Fact]
    public async Task Delete_UserIdWithEncodedSlash_ErasesThatUser()
    {
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template, allChannels: true);
        var user = "team/" + HeraldServerFixture.NewId("user");
        var sent = await server.SendAsync(new JsonObject { ["event_type"] = template, ["recipient_id"] = user, ["data"] = new JsonObject { ["name"] = "Slash" } });
        await server.WaitForCompletedAsync(sent).WaitAsync(Bound);

        using var response = await Client.DeleteAsync(new Uri($"/api/v1/users/{Uri.EscapeDataString(user)}", UriKind.Relative));

        var erased = await response.ShouldHaveStatusAsync(200);
        erased.Str("user_id").ShouldBe(user);
        erased["notifications"]!.GetValue<int>().ShouldBe(1);
    }

    [Fact]
    public async Task Delete_UserIdWithEscapedPercentTwoF_ErasesTheLiteralId()
    {
        var user = "a%2Fb-" + HeraldServerFixture.NewId("user");

        using var response = await Client.DeleteAsync(new Uri($"/api/v1/users/{Uri.EscapeDataString(user)}", UriKind.Relative));

        (await response.ShouldHaveStatusAsync(200)).Str("user_id").ShouldBe(user);
    }

    [Fact]
    public async Task Delete_ReservedLifecycleRecipient_Returns400()
    {
        using var response = await Client.DeleteAsync(new Uri("/api/v1/users/_ops", UriKind.Relative));

        await response.ShouldBeProblemAsync(400, "validation", "user_id");
    }

    [Fact]
    public async Task Delete_WithReadKey_Returns403()
    {
        await server.CreateApiKeyAsync("erasure-read-key", "read");
        using var reader = server.CreateClient("erasure-read-key");

        using var response = await reader.DeleteAsync(new Uri($"/api/v1/users/{HeraldServerFixture.NewId("user")}", UriKind.Relative));

        ((int)response.StatusCode).ShouldBe(403);
    }

    private static string Rfc3339(DateTimeOffset t) => Uri.EscapeDataString(t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));

    private static JsonNode Group(JsonNode summary, string key) =>
        summary["groups"]!.AsArray().Single(g => g!.Str("key") == key)!;
}
