using System.Globalization;
using System.Text.Json.Nodes;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Api;

public sealed class PreferencesEndpointsTests(HeraldServerFixture server) : IClassFixture<HeraldServerFixture>
{
    private HttpClient Client => server.Client;

    private async Task PutPreferencesAsync(string user, params JsonObject[] rules)
    {
        using var response = await Client.PutJsonAsync($"/api/v1/users/{user}/preferences", new JsonObject { ["rules"] = new JsonArray([.. rules]) });
        await response.ShouldHaveStatusAsync(200);
    }

    [Fact]
    public async Task PutPreferences_Rules_ReturnsThemAndGetRoundTrips()
    {
        var user = HeraldServerFixture.NewId("user");
        var rules = new JsonArray(
            new JsonObject { ["event_type"] = "order.*", ["channel"] = "email", ["enabled"] = false },
            new JsonObject
            {
                ["event_type"] = "*", ["channel"] = "push", ["enabled"] = true, ["frequency_cap"] = 3,
                ["quiet_hours"] = new JsonObject { ["start"] = "22:00", ["end"] = "07:30", ["timezone"] = "America/Los_Angeles" },
            });

        using var put = await Client.PutJsonAsync($"/api/v1/users/{user}/preferences", new JsonObject { ["rules"] = rules });

        var saved = await put.ShouldHaveStatusAsync(200);
        var got = await Client.GetJsonAsync($"/api/v1/users/{user}/preferences");
        foreach (var body in new[] { saved, got })
        {
            var r = body["rules"]!.AsArray();
            r.Count.ShouldBe(2);
            r[0].Str("event_type").ShouldBe("order.*");
            r[0].Str("channel").ShouldBe("email");
            r[0]!["enabled"]!.GetValue<bool>().ShouldBeFalse();
            r[0]!["quiet_hours"].ShouldBeNull();
            r[1].Str("event_type").ShouldBe("*");
            r[1]!["frequency_cap"]!.GetValue<int>().ShouldBe(3);
            r[1]!["quiet_hours"].Str("start").ShouldBe("22:00");
            r[1]!["quiet_hours"].Str("end").ShouldBe("07:30");
            r[1]!["quiet_hours"].Str("timezone").ShouldBe("America/Los_Angeles");
        }
    }

    [Fact]
    public async Task GetPreferences_UserWithoutRules_ReturnsEmptyList()
    {
        var got = await Client.GetJsonAsync($"/api/v1/users/{HeraldServerFixture.NewId("user")}/preferences");

        got["rules"]!.AsArray().ShouldBeEmpty();
    }

    [Fact]
    public async Task Send_ChannelDisabledByPreference_CreatesNoDeliveryAndTraceSaysSo()
    {
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template, allChannels: true);
        var user = HeraldServerFixture.NewId("user");
        await server.PutUserAsync(user, email: "pref@example.com");
        await PutPreferencesAsync(user, new JsonObject { ["event_type"] = template, ["channel"] = "email", ["enabled"] = false });

        var id = await server.SendAsync(new JsonObject
        {
            ["event_type"] = template, ["recipient_id"] = user, ["channels"] = new JsonArray("email", "in_app"), ["data"] = new JsonObject { ["name"] = "p" },
        });
        var detail = await server.WaitForCompletedAsync(id);

        detail["deliveries"]!.AsArray().ShouldHaveSingleItem()!.Str("channel").ShouldBe("in_app");
        var entry = detail["trace"]!.AsArray().Single(t => t.StrOrNull("channel") == "email")!;
        entry.Str("decision").ShouldBe("skipped");
        entry.Str("reason").ShouldContain("disabled by preference");
        (await Client.GetJsonAsync($"/api/v1/outbox?recipient_id={user}"))["messages"]!.AsArray().ShouldBeEmpty();
    }

    [Fact]
    public async Task Send_UrgentWithChannelDisabled_BypassesPreferenceAndDelivers()
    {
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template, allChannels: true);
        var user = HeraldServerFixture.NewId("user");
        await server.PutUserAsync(user, email: "urgent@example.com");
        await PutPreferencesAsync(user, new JsonObject { ["event_type"] = "*", ["channel"] = "email", ["enabled"] = false });

        var id = await server.SendAsync(new JsonObject
        {
            ["event_type"] = template, ["recipient_id"] = user, ["priority"] = "urgent", ["channels"] = new JsonArray("email"), ["data"] = new JsonObject { ["name"] = "u" },
        });
        var detail = await server.WaitForCompletedAsync(id);

        var delivery = detail["deliveries"]!.AsArray().ShouldHaveSingleItem()!;
        delivery.Str("channel").ShouldBe("email");
        delivery.Str("status").ShouldBe("sent");
        detail["trace"]!.AsArray().ShouldContain(t => t.Str("decision") == "bypassed" && t.Str("reason").Contains("urgent"));
        (await Client.GetJsonAsync($"/api/v1/outbox?recipient_id={user}&channel=email"))["messages"]!.AsArray().ShouldHaveSingleItem();
    }

    [Fact]
    public async Task Send_DuringQuietHours_DefersDeliveryAndTraceSaysQuietHours()
    {
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template);
        var user = HeraldServerFixture.NewId("user");
        var now = DateTime.UtcNow;
        var start = now.AddHours(-1).ToString("HH:mm", CultureInfo.InvariantCulture);
        var end = now.AddHours(1).ToString("HH:mm", CultureInfo.InvariantCulture);
        await PutPreferencesAsync(user, new JsonObject
        {
            ["event_type"] = "*", ["channel"] = "in_app", ["enabled"] = true,
            ["quiet_hours"] = new JsonObject { ["start"] = start, ["end"] = end, ["timezone"] = "UTC" },
        });

        var id = await server.SendAsync(new JsonObject { ["event_type"] = template, ["recipient_id"] = user, ["data"] = new JsonObject { ["name"] = "q" } });
        var detail = await server.WaitForNotificationAsync(id, n => n["deliveries"]!.AsArray().Any(d => d.Str("status") == "deferred"));

        detail.Str("status").ShouldBe("processing");
        detail["deliveries"]!.AsArray().ShouldHaveSingleItem()!["sent_at"].ShouldBeNull();
        var entry = detail["trace"]!.AsArray().Single(t => t.Str("decision") == "deferred")!;
        entry.Str("channel").ShouldBe("in_app");
        entry.Str("reason").ShouldBe($"quiet hours until {end} UTC");
        (await server.GetFeedAsync(user))["notifications"]!.AsArray().ShouldBeEmpty();
    }

    [Fact]
    public async Task Cancel_DeliveryDeferredByQuietHours_CancelsTheUnsentDelivery()
    {
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template);
        var user = HeraldServerFixture.NewId("user");
        var now = DateTime.UtcNow;
        await PutPreferencesAsync(user, new JsonObject
        {
            ["event_type"] = "*", ["channel"] = "*",
            ["quiet_hours"] = new JsonObject
            {
                ["start"] = now.AddHours(-1).ToString("HH:mm", CultureInfo.InvariantCulture), ["end"] = now.AddHours(1).ToString("HH:mm", CultureInfo.InvariantCulture), ["timezone"] = "UTC",
            },
        });
        var id = await server.SendAsync(new JsonObject { ["event_type"] = template, ["recipient_id"] = user, ["data"] = new JsonObject { ["name"] = "c" } });
        await server.WaitForNotificationAsync(id, n => n["deliveries"]!.AsArray().Any(d => d.Str("status") == "deferred"));

        using var cancel = await Client.DeleteAsync($"/api/v1/notifications/{id}");

        var body = await cancel.ShouldHaveStatusAsync(200);
        body["deliveries"]!.AsArray().ShouldHaveSingleItem()!.Str("status").ShouldBe("cancelled");
        body["trace"]!.AsArray().ShouldContain(t => t.Str("decision") == "cancelled" && t.Str("reason").Contains("1 unsent deliveries cancelled"));
        body.Str("status").ShouldNotBe("processing");
        using var again = await Client.DeleteAsync($"/api/v1/notifications/{id}");
        await again.ShouldBeProblemAsync(409, "nothing-to-cancel");
    }

    [Fact]
    public async Task Send_UrgentDuringQuietHours_IsDeliveredNow()
    {
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template);
        var user = HeraldServerFixture.NewId("user");
        var now = DateTime.UtcNow;
        await PutPreferencesAsync(user, new JsonObject
        {
            ["event_type"] = "*", ["channel"] = "*",
            ["quiet_hours"] = new JsonObject
            {
                ["start"] = now.AddHours(-1).ToString("HH:mm", CultureInfo.InvariantCulture), ["end"] = now.AddHours(1).ToString("HH:mm", CultureInfo.InvariantCulture), ["timezone"] = "UTC",
            },
        });

        var id = await server.SendAsync(new JsonObject { ["event_type"] = template, ["recipient_id"] = user, ["priority"] = "urgent", ["data"] = new JsonObject { ["name"] = "now" } });
        var detail = await server.WaitForCompletedAsync(id);

        detail["deliveries"]!.AsArray().ShouldHaveSingleItem()!.Str("status").ShouldBe("sent");
    }

    [Fact]
    public async Task PutPreferences_InvalidQuietHoursTimezone_Returns400NamingFieldAndKeepsOldRules()
    {
        var user = HeraldServerFixture.NewId("user");
        await PutPreferencesAsync(user, new JsonObject { ["event_type"] = "*", ["channel"] = "sms", ["enabled"] = false });

        using var response = await Client.PutJsonAsync($"/api/v1/users/{user}/preferences", new JsonObject
        {
            ["rules"] = new JsonArray(new JsonObject
            {
                ["event_type"] = "*", ["channel"] = "push",
                ["quiet_hours"] = new JsonObject { ["start"] = "22:00", ["end"] = "07:00", ["timezone"] = "Nowhere/Land" },
            }),
        });

        var problem = await response.ShouldBeProblemAsync(400, "validation", "rules[0].quiet_hours.timezone");
        problem.ErrorFor("rules[0].quiet_hours.timezone").ShouldContain("Nowhere/Land");
        var rules = (await Client.GetJsonAsync($"/api/v1/users/{user}/preferences"))["rules"]!.AsArray();
        rules.ShouldHaveSingleItem()!.Str("channel").ShouldBe("sms");
    }

    [Theory]
    [InlineData("{\"rules\":[{\"event_type\":\"*\",\"channel\":\"fax\"}]}", "rules[0].channel")]
    [InlineData("{\"rules\":[{\"event_type\":\"*\",\"frequency_cap\":0}]}", "rules[0].frequency_cap")]
    [InlineData("{\"rules\":[{\"event_type\":\"*\",\"quiet_hours\":{\"start\":\"25:00\",\"end\":\"07:00\",\"timezone\":\"UTC\"}}]}", "rules[0].quiet_hours.start")]
    [InlineData("{}", "rules")]
    public async Task PutPreferences_InvalidRule_Returns400NamingField(string json, string field)
    {
        var user = HeraldServerFixture.NewId("user");

        using var response = await Client.SendJsonAsync(HttpMethod.Put, $"/api/v1/users/{user}/preferences", json);

        await response.ShouldBeProblemAsync(400, "validation", field);
        (await Client.GetJsonAsync($"/api/v1/users/{user}/preferences"))["rules"]!.AsArray().ShouldBeEmpty();
    }
}
