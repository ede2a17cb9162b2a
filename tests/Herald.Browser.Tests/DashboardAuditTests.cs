using System.Text.Json.Nodes;
using Herald.Browser.Tests.Infrastructure;
using Herald.Server.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Herald.Browser.Tests;

/// <summary>The Audit page lists operator actions newest first, filters them by the server's own action names, and is admin only.</summary>
[Collection(BrowserGroup.Name)]
public sealed class DashboardAuditTests(Chromium chromium, DashboardServerFixture server) : IClassFixture<DashboardServerFixture>
{
    [Fact]
    public async Task AuditPage_AfterPublishAndUserUpdate_ListsThemAndFiltersByAction()
    {
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateTemplateAsync(template, new JsonObject { ["in_app"] = new JsonObject { ["title"] = "t", ["body"] = "b" } });
        var user = HeraldServerFixture.NewId("user");
        await server.PutUserAsync(user);
        var page = await SignedInAsync(HeraldServerFixture.AdminKey);

        await page.GotoAsync("/dashboard/#/audit");

        var rows = page.GetByRole(AriaRole.Table).Locator("tbody tr");
        await Expect(rows.Filter(new() { HasText = template })).ToHaveCountAsync(2);
        await Expect(rows.First).ToContainTextAsync("user.updated");
        await Expect(page.GetByLabel("Action")).Not.ToHaveAttributeAsync("aria-busy", "true");
        await page.GetByLabel("Action").SelectOptionAsync("template.published");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("#/audit\\?action=template\\.published$"));
        await Expect(rows.Filter(new() { HasText = template })).ToHaveCountAsync(1);
        await Expect(rows.Filter(new() { HasText = "user.updated" })).ToHaveCountAsync(0);
        chromium.PageErrors[page].ShouldBeEmpty();
    }

    [Fact]
    public async Task AuditPage_ReadKey_SaysItNeedsAnAdminKey()
    {
        var key = HeraldServerFixture.NewId("read");
        await server.CreateApiKeyAsync(key, "read");
        var page = await SignedInAsync(key);

        await page.GotoAsync("/dashboard/#/audit");

        await Expect(page.GetByText("The audit log needs an admin key.")).ToBeVisibleAsync();
        chromium.PageErrors[page].ShouldBeEmpty();
    }

    private async Task<IPage> SignedInAsync(string key)
    {
        var page = await chromium.NewPageAsync(server.BaseAddress);
        await page.GotoAsync("/dashboard/");
        await page.GetByLabel("API key").FillAsync(key);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview", Level = 1 })).ToBeVisibleAsync();
        return page;
    }
}
