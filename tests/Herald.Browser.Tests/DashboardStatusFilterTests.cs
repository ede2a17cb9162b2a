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

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task StatusFilter_DocumentWithAnEnum_OffersItsStatuses_FetchedOnce_AndSearchesByThem(bool namedNullableSchema)
    {
        var page = await SignedInAsync();
        var fetches = 0;
        await page.RouteAsync("**" + OpenApiPath, async route =>
        {
            Interlocked.Increment(ref fetches);
            var response = await route.FetchAsync();
            var document = JsonNode.Parse(await response.TextAsync())!;
            var statuses = new JsonObject { ["type"] = "string", ["enum"] = new JsonArray("accepted", "completed", "digested") };
            if (namedNullableSchema)
            {
                // The shape a generator gives a nullable enum type: a component, referenced next to null.
                document["components"]!["schemas"]!["NotificationStatusFilter"] = statuses;
                var parameter = StatusParameter(document);
                parameter["schema"] = JsonNode.Parse("""{"oneOf":[{"type":"null"},{"$ref":"#/components/schemas/NotificationStatusFilter"}]}""");
            }
            else
            {
                StatusSchema(document)["enum"] = statuses["enum"]!.DeepClone();
            }

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

    private static JsonObject StatusParameter(JsonNode document) =>
        document["paths"]!["/api/v1/notifications"]!["get"]!["parameters"]!.AsArray()
            .Single(p => p!["name"]!.GetValue<string>() == "status" && p["in"]!.GetValue<string>() == "query")!.AsObject();

    private static JsonObject StatusSchema(JsonNode document) => StatusParameter(document)["schema"]!.AsObject();

    private static string[] StatusEnum(JsonNode document) => [.. EnumOf(document, StatusSchema(document)).Distinct()];

    /// <summary>The string values of a schema's enum, following a local $ref and the members of oneOf/anyOf.</summary>
    private static IEnumerable<string> EnumOf(JsonNode document, JsonNode schema)
    {
        if (schema["$ref"] is { } reference)
        {
            schema = reference.GetValue<string>()["#/".Length..].Split('/').Aggregate(document, (node, part) => node[part]!);
        }

        if (schema["enum"] is JsonArray values)
        {
            return values.OfType<JsonValue>().Select(v => v.GetValue<string>());
        }

        return new[] { "oneOf", "anyOf" }.SelectMany(key => schema[key] is JsonArray members ? members.SelectMany(m => EnumOf(document, m!)) : []);
    }
}
