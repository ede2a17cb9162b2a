using Herald.Browser.Tests.Infrastructure;
using Herald.Server.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Herald.Browser.Tests;

/// <summary>The API reference at /docs renders the server's document in a real browser and asks nothing of another origin.</summary>
[Collection(BrowserGroup.Name)]
public sealed class ApiReferenceTests(Chromium chromium, HeraldServerFixture server) : IClassFixture<HeraldServerFixture>
{
    [Fact]
    public async Task Docs_Rendered_ShowsTheOperationsAndRequestsOnlyHerald()
    {
        var page = await chromium.NewPageAsync(server.BaseAddress);
        var requested = new List<string>();
        page.Request += (_, r) => requested.Add(r.Url);

        await page.GotoAsync("/docs");

        // The document's title and its tags, as the reference lists them once it has read the document.
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Herald", Exact = true })).ToBeVisibleAsync(new() { Timeout = 20_000 });
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Notifications", Exact = true }).First).ToBeVisibleAsync();
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        requested.ShouldContain(u => u.EndsWith("/openapi/v1.json", StringComparison.Ordinal));
        var origin = server.BaseAddress.GetLeftPart(UriPartial.Authority);
        requested.Where(u => !u.StartsWith(origin + "/", StringComparison.Ordinal) && !u.StartsWith("data:", StringComparison.Ordinal) && !u.StartsWith("blob:", StringComparison.Ordinal))
            .ShouldBeEmpty("the reference loads everything from Herald");
    }
}
