using System.Text.Json.Nodes;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Api;

/// <summary>Rendered content and unmasked addresses need content:read (or admin); read alone sees masked targets and no bodies.</summary>
public sealed class ContentScopeTests(HeraldServerFixture server) : IClassFixture<HeraldServerFixture>
{
    private const string Email = "secret.person@example.com";
    private const string Phone = "+15005550006";

    private async Task<(string User, string NotificationId)> ArrangeSentAsync()
    {
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template, allChannels: true);
        var user = HeraldServerFixture.NewId("user");
        await server.PutUserAsync(user, email: Email, phone: Phone);
        var id = await server.SendAsync(new JsonObject { ["event_type"] = template, ["recipient_id"] = user, ["data"] = new JsonObject { ["name"] = "Otp 424242" } });
        await server.WaitForCompletedAsync(id);
        return (user, id);
    }

    private async Task<HttpClient> KeyAsync(params string[] scopes)
    {
        var key = "scope-key-" + Guid.NewGuid().ToString("N");
        await server.CreateApiKeyAsync(key, scopes);
        return server.CreateClient(key);
    }

    [Fact]
    public async Task Reads_ReadKey_SeeMaskedTargetsAndNoContent()
    {
        var (user, id) = await ArrangeSentAsync();
        using var reader = await KeyAsync("read");

        var profile = await reader.GetJsonAsync($"/api/v1/users/{user}");
        var outbox = (await reader.GetJsonAsync($"/api/v1/outbox?recipient_id={user}"))["messages"]!.AsArray();
        var email = (await reader.GetJsonAsync($"/api/v1/notifications/{id}"))["deliveries"]!.AsArray().Single(d => d.Str("channel") == "email")!;
        var delivery = await reader.GetJsonAsync($"/api/v1/dead-letters/{email.Str("id")}");
        using var feed = await reader.GetAsync(new Uri($"/api/v1/users/{user}/feed", UriKind.Relative));

        profile.Str("email").ShouldBe("s***@example.com");
        profile.Str("phone").ShouldBe("+1********06");
        outbox.Count.ShouldBe(2); // email and sms: the user has no push device
        outbox.ShouldAllBe(m => m!["message"] == null);
        outbox.Single(m => m.Str("channel") == "email")!.Str("target").ShouldBe("s***@example.com");
        outbox.Single(m => m.Str("channel") == "sms")!.Str("target").ShouldBe("+1********06");
        email.Str("target").ShouldBe("s***@example.com");
        delivery["content"].ShouldBeNull();
        delivery.Str("target").ShouldBe("s***@example.com");
        (await feed.ShouldBeProblemAsync(403, "forbidden")).Detail().ShouldContain("content:read");
        foreach (var text in new[] { profile.ToJsonString(), outbox.ToJsonString(), delivery.ToJsonString() })
        {
            text.ShouldNotContain(Email);
            text.ShouldNotContain("424242");
        }
    }

    [Fact]
    public async Task Reads_ContentReadKey_SeeContentAndFullTargets()
    {
        var (user, id) = await ArrangeSentAsync();
        using var reader = await KeyAsync("content:read");

        var me = await reader.GetJsonAsync("/api/v1/me");
        var profile = await reader.GetJsonAsync($"/api/v1/users/{user}");
        var outbox = (await reader.GetJsonAsync($"/api/v1/outbox?recipient_id={user}"))["messages"]!.AsArray();
        var email = (await reader.GetJsonAsync($"/api/v1/notifications/{id}"))["deliveries"]!.AsArray().Single(d => d.Str("channel") == "email")!;
        var delivery = await reader.GetJsonAsync($"/api/v1/dead-letters/{email.Str("id")}");
        var feed = await reader.GetJsonAsync($"/api/v1/users/{user}/feed");

        me["scopes"]!.AsArray().Select(s => s!.GetValue<string>()).ShouldBe(["content:read"]);
        profile.Str("email").ShouldBe(Email);
        profile.Str("phone").ShouldBe(Phone);
        outbox.Single(m => m.Str("channel") == "email")!.Str("target").ShouldBe(Email);
        outbox.Single(m => m.Str("channel") == "sms")!["message"]!.ToJsonString().ShouldContain("Otp 424242");
        delivery["content"]!.ToJsonString().ShouldContain("Otp 424242");
        feed["notifications"]!.AsArray().ShouldHaveSingleItem()!.Str("title").ShouldBe("Hello Otp 424242");
    }

    [Fact]
    public async Task CreateApiKey_UnknownScope_IsRefused()
    {
        var failure = await Should.ThrowAsync<ArgumentException>(() => server.CreateApiKeyAsync("bad-scope-" + Guid.NewGuid().ToString("N"), "read", "contents:read"));

        failure.Message.ShouldContain("contents:read");
    }

    [Fact]
    public async Task OpenApi_GuardedEndpoints_ListTheAuthProblems()
    {
        using var anonymous = server.CreateClient();

        var responses = (await anonymous.GetJsonAsync("/openapi/v1.json"))["paths"]!["/api/v1/outbox"]!["get"]!["responses"]!.AsObject();

        responses.Select(r => r.Key).ShouldBeSubsetOf(["200", "400", "401", "403", "429"]);
        responses.Select(r => r.Key).ShouldContain("429");
    }
}
