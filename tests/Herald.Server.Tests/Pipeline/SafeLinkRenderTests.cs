using System.Text.Json.Nodes;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Pipeline;

/// <summary>A link rendered from event data must be https, http or relative, or the render fails and nothing reaches the feed.</summary>
public sealed class SafeLinkRenderTests(HeraldServerFixture server) : IClassFixture<HeraldServerFixture>
{
    private async Task<string> LinkTemplateAsync()
    {
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateTemplateAsync(template, new JsonObject
        {
            ["in_app"] = new JsonObject { ["title"] = "Reset", ["body"] = "Open the link", ["action_url"] = "{{url}}" },
        }, ["url"]);
        return template;
    }

    [Fact]
    public async Task Send_ActionUrlFromDataJavascript_RenderFailsTracedAndTheFeedHasNoItem()
    {
        var template = await LinkTemplateAsync();
        var user = HeraldServerFixture.NewId("user");

        var id = await server.SendAsync(new JsonObject
        {
            ["event_type"] = template, ["recipient_id"] = user, ["data"] = new JsonObject { ["url"] = "javascript:alert(1)" },
        });

        var detail = await server.WaitForNotificationAsync(id, n => n["trace"]!.AsArray().Any(t => t.Str("decision") == "failed"));
        var failed = detail["trace"]!.AsArray().Single(t => t.Str("decision") == "failed")!;
        failed.Str("reason").ShouldContain("render failed at channels.in_app.action_url");
        detail["deliveries"]!.AsArray().ShouldBeEmpty();
        var feed = await server.GetFeedAsync(user);
        feed["notifications"]!.AsArray().ShouldBeEmpty();
        feed.ToJsonString().ShouldNotContain("javascript");
    }

    [Fact]
    public async Task Send_ActionUrlFromDataHttps_ReachesTheFeed()
    {
        var template = await LinkTemplateAsync();
        var user = HeraldServerFixture.NewId("user");

        var id = await server.SendAsync(new JsonObject
        {
            ["event_type"] = template, ["recipient_id"] = user, ["data"] = new JsonObject { ["url"] = "https://example.com/reset?t=1" },
        });
        await server.WaitForCompletedAsync(id);

        (await server.GetFeedAsync(user))["notifications"]!.AsArray().ShouldHaveSingleItem()!.Str("action_url").ShouldBe("https://example.com/reset?t=1");
    }

    [Fact]
    public async Task Preview_ActionUrlFromDataJavascript_Returns422NamingThePart()
    {
        var template = await LinkTemplateAsync();

        using var response = await server.Client.PostJsonAsync($"/api/v1/templates/{template}/preview", new JsonObject
        {
            ["data"] = new JsonObject { ["url"] = " JavaScript:alert(document.cookie)" },
        });

        var problem = await response.ShouldBeProblemAsync(422, "unsafe-link", "channels.in_app.action_url");
        problem.ErrorFor("channels.in_app.action_url").ShouldContain("https, http or relative");
    }
}
