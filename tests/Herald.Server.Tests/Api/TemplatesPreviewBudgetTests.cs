using System.Diagnostics;
using System.Text.Json.Nodes;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Api;

/// <summary>Preview renders on a budget: a template that would run for hours or fill memory is a 422, quickly, and drafts need admin.</summary>
public sealed class TemplatesPreviewBudgetTests(HeraldServerFixture server) : IClassFixture<HeraldServerFixture>
{
    private const string FourNestedEach = "{{#each a}}{{#each ../a}}{{#each ../../a}}{{#each ../../../a}}x{{/each}}{{/each}}{{/each}}{{/each}}";

    private HttpClient Client => server.Client;

    private static JsonObject Draft(string smsBody, JsonObject data) => new()
    {
        ["definition"] = new JsonObject { ["channels"] = new JsonObject { ["sms"] = new JsonObject { ["body"] = smsBody } } },
        ["data"] = data,
    };

    private static JsonObject Items(int count) =>
        new() { ["a"] = new JsonArray([.. Enumerable.Range(0, count).Select(i => (JsonNode?)JsonValue.Create(i))]) };

    [Fact]
    public async Task Preview_FourNestedEachOver300Items_Returns422QuicklyWhileOtherRequestsAreAnswered()
    {
        var id = HeraldServerFixture.NewId("tpl");
        await server.CreateTemplateAsync(id, new JsonObject { ["sms"] = new JsonObject { ["body"] = "Hi {{name}}" } }, ["name"]);
        var started = Stopwatch.StartNew();

        var bombs = Enumerable.Range(0, 4).Select(async _ =>
        {
            using var response = await Client.PostJsonAsync($"/api/v1/templates/{id}/preview", Draft(FourNestedEach, Items(300)));
            return (await response.ShouldBeProblemAsync(422, "render-budget-exceeded", "channels.sms.body")).ErrorFor("channels.sms.body");
        }).ToList();
        for (var i = 0; i < 3; i++)
        {
            var asked = Stopwatch.StartNew();
            using var stored = await Client.PostJsonAsync($"/api/v1/templates/{id}/preview", new JsonObject { ["data"] = new JsonObject { ["name"] = "Bo" } });
            (await stored.ShouldHaveStatusAsync(200))["channels"]!["sms"].Str("body").ShouldBe("Hi Bo");
            asked.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(3));
        }

        var messages = await Task.WhenAll(bombs).WaitAsync(TimeSpan.FromSeconds(15));
        messages.ShouldAllBe(m => m.Contains("Herald:Templates:MaxSteps", StringComparison.Ordinal));
        started.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Preview_MutuallyRecursiveInlinePartials_Returns422NamingPartialDepth()
    {
        const string body = "{{#*inline \"a\"}}{{> b}}{{> b}}{{/inline}}{{#*inline \"b\"}}{{> a}}{{> a}}{{/inline}}{{> a}}";

        using var response = await Client.PostJsonAsync($"/api/v1/templates/{HeraldServerFixture.NewId("tpl")}/preview", Draft(body, []));

        var problem = await response.ShouldBeProblemAsync(422, "render-budget-exceeded", "channels.sms.body");
        problem.ErrorFor("channels.sms.body").ShouldContain("Herald:Templates:");
    }

    [Fact]
    public async Task Preview_PartialsFanningOutWithinDepth_Returns422NamingSteps()
    {
        // Ten calls a level, twelve levels deep: inside any depth limit, 10^12 calls without a byte of output.
        var levels = string.Concat(Enumerable.Range(0, 12).Select(i =>
            $"{{{{#*inline \"p{i}\"}}}}{string.Concat(Enumerable.Repeat($"{{{{> p{i + 1}}}}}", 10))}{{{{/inline}}}}"));

        using var response = await Client.PostJsonAsync($"/api/v1/templates/{HeraldServerFixture.NewId("tpl")}/preview",
            Draft(levels + "{{#*inline \"p12\"}}{{/inline}}{{> p0}}", []));

        var problem = await response.ShouldBeProblemAsync(422, "render-budget-exceeded", "channels.sms.body");
        problem.ErrorFor("channels.sms.body").ShouldContain("Herald:Templates:MaxSteps");
    }

    [Fact]
    public async Task Preview_HugeOutput_Returns422NamingOutputBudget()
    {
        var data = Items(200);
        data["big"] = new string('x', 50_000);

        using var response = await Client.PostJsonAsync($"/api/v1/templates/{HeraldServerFixture.NewId("tpl")}/preview", Draft("{{#each a}}{{../big}}{{/each}}", data));

        var problem = await response.ShouldBeProblemAsync(422, "render-budget-exceeded", "channels.sms.body");
        problem.ErrorFor("channels.sms.body").ShouldContain("Herald:Templates:MaxOutputChars");
    }

    [Fact]
    public async Task Preview_DraftWithReadKey_Returns403NamingAdmin()
    {
        var key = "hk_read_" + Guid.NewGuid().ToString("N");
        await server.CreateApiKeyAsync(key, "read");
        using var reader = server.CreateClient(key);

        using var response = await reader.PostJsonAsync($"/api/v1/templates/{HeraldServerFixture.NewId("tpl")}/preview", Draft("Hi {{name}}", new JsonObject { ["name"] = "Bo" }));

        var problem = await response.ShouldBeProblemAsync(403, "forbidden");
        problem.RootElement.GetProperty("detail").GetString()!.ShouldContain("'admin'");
    }

    [Fact]
    public async Task Preview_StoredVersionWithReadKey_Renders()
    {
        var id = HeraldServerFixture.NewId("tpl");
        await server.CreateTemplateAsync(id, new JsonObject { ["sms"] = new JsonObject { ["body"] = "Hi {{name}}" } }, ["name"]);
        var key = "hk_read_" + Guid.NewGuid().ToString("N");
        await server.CreateApiKeyAsync(key, "read");
        using var reader = server.CreateClient(key);

        using var response = await reader.PostJsonAsync($"/api/v1/templates/{id}/preview", new JsonObject { ["data"] = new JsonObject { ["name"] = "Bo" } });

        (await response.ShouldHaveStatusAsync(200))["channels"]!["sms"].Str("body").ShouldBe("Hi Bo");
    }

    [Fact]
    public async Task Preview_OrdinaryDraftWithAdminKey_Renders()
    {
        using var response = await Client.PostJsonAsync($"/api/v1/templates/{HeraldServerFixture.NewId("tpl")}/preview",
            Draft("{{#each a}}[{{this}}]{{/each}} for {{name}}", new JsonObject { ["a"] = new JsonArray(1, 2), ["name"] = "Bo" }));

        (await response.ShouldHaveStatusAsync(200))["channels"]!["sms"].Str("body").ShouldBe("[1][2] for Bo");
    }
}
