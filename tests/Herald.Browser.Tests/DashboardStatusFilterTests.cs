using System.Text.Json.Nodes;
using Herald.Browser.Tests.Infrastructure;
using Herald.Server.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Herald.Browser.Tests;

/// <summary>
/// The notification search's status filter offers the statuses the server's OpenAPI document lists for
/// <c>GET /api/v1/notifications?status=</c> (the parameter's schema enum), fetched once per load, and none when it lists none.
/// </summary>
[Collection(BrowserGroup.Name)]
public sealed class DashboardStatusFilterTests(Chromium chromium, DashboardServerFixture server) : IClassFixture<DashboardServerFixture>
{
    private const string OpenApiPath = "/openapi/v1.json";

    [Fact]
    public async Task StatusFilter_ServersOwnDocument_OffersExactlyItsEnum()
    {
        var expected = StatusEnum(await server.Client.GetJsonAsync(OpenApiPath));
        var page = await SignedInAsync();

        await page.GotoAsync("/dashboard/#/notifications");

        await ExpectOptionsAsync(page, expected);
        chromium.PageErrors[page].ShouldBeEmpty();
    }

    [Fact]
    public async Task StatusFilter_DocumentWithAnEnum_OffersItsStatuses_FetchedOnce_AndSearchesByThem()
    {
        var page = await SignedInAsync();
        var fetches = 0;
        await page.RouteAsync("**" + OpenApiPath, async route =>
        {
            Interlocked.Increment(ref fetches);
            var response = await route.FetchAsync();
            var document = JsonNode.Parse(await response.TextAsync())!;
            StatusSchema(document)["enum"] = new JsonArray("accepted", "completed", "digested");
            await route.FulfillAsync(new() { Response = response, Body = document.ToJsonString() });
        });

        await page.GotoAsync("/dashboard/#/notifications");
        await ExpectOptionsAsync(page, ["accepted", "completed", "digested"]);
        await page.GetByLabel("Status").SelectOptionAsync("digested");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("#/notifications\\?status=digested$"));
        await Expect(page.GetByLabel("Status")).ToHaveValueAsync("digested");
        await page.GetByRole(AriaRole.Link, new() { Name = "Templates" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Templates", Level = 1 })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Notifications" }).ClickAsync();
        await ExpectOptionsAsync(page, ["accepted", "completed", "digested"]);

        fetches.ShouldBe(1);
        chromium.PageErrors[page].ShouldBeEmpty();
    }

    [Fact]
    public async Task StatusFilter_DocumentWithoutAnEnum_OffersNoStatus()
    {
        var page = await SignedInAsync();
        await page.RouteAsync("**" + OpenApiPath, async route =>
        {
            var response = await route.FetchAsync();
            var document = JsonNode.Parse(await response.TextAsync())!;
            StatusSchema(document).Remove("enum");
            await route.FulfillAsync(new() { Response = response, Body = document.ToJsonString() });
        });

        await page.GotoAsync("/dashboard/#/notifications");

        await ExpectOptionsAsync(page, []);
        chromium.PageErrors[page].ShouldBeEmpty();
    }

    [Fact]
    public async Task StatusFilter_DocumentUnavailable_SaysSoAndTheSearchStillWorks()
    {
        var page = await SignedInAsync();
        await page.RouteAsync("**" + OpenApiPath, route => route.FulfillAsync(new() { Status = 503, ContentType = "application/problem+json", Body = """{"title":"Service unavailable","status":503}""" }));

        await page.GotoAsync("/dashboard/#/notifications?status=completed");

        await Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("Could not load the statuses to filter by: Service unavailable");
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Results" })).ToBeVisibleAsync();
        await ExpectOptionsAsync(page, ["completed"]);
    }

    private async Task<IPage> SignedInAsync()
    {
        var page = await chromium.NewPageAsync(server.BaseAddress);
        await page.GotoAsync("/dashboard/");
        await page.GetByLabel("API key").FillAsync(HeraldServerFixture.AdminKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview", Level = 1 })).ToBeVisibleAsync();
        return page;
    }

    /// <summary>Once the statuses are in (the select is no longer busy), it offers "any" and then exactly <paramref name="statuses"/>, in order.</summary>
    private static async Task ExpectOptionsAsync(IPage page, string[] statuses)
    {
        await Expect(page.Locator("select[name=status]:not([aria-busy])")).ToBeAttachedAsync();
        var options = page.Locator("select[name=status] option");
        await Expect(options).ToHaveCountAsync(statuses.Length + 1);
        (await options.AllTextContentsAsync()).ShouldBe(["any", .. statuses]);
    }

    private static JsonObject StatusSchema(JsonNode document) =>
        document["paths"]!["/api/v1/notifications"]!["get"]!["parameters"]!.AsArray()
            .Single(p => p!["name"]!.GetValue<string>() == "status" && p["in"]!.GetValue<string>() == "query")!["schema"]!.AsObject();

    private static string[] StatusEnum(JsonNode document)
    {
        var schema = StatusSchema(document);
        if (schema["$ref"] is { } reference)
        {
            // A schema named once under components: follow the local pointer.
            schema = reference.GetValue<string>()["#/".Length..].Split('/').Aggregate((JsonNode)document, (node, part) => node[part]!).AsObject();
        }

        return schema["enum"] is JsonArray values ? [.. values.Where(v => v is JsonValue).Select(v => v!.GetValue<string>())] : [];
    }
}
