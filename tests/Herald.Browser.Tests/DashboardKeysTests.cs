using System.Text.Json.Nodes;
using Herald.Browser.Tests.Infrastructure;
using Herald.Server.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Herald.Browser.Tests;

/// <summary>
/// The Keys page against the real API: a secret made or rotated on the page is shown once and works (checked over HTTP
/// with it), a key revoked on the page is refused, and the page holds no serious accessibility violation with its secret
/// panel or a dialog open.
/// </summary>
[Collection(BrowserGroup.Name)]
public sealed class DashboardKeysTests(Chromium chromium, DashboardServerFixture server) : IClassFixture<DashboardServerFixture>
{
    [Fact]
    public async Task KeysPage_Create_ShowsTheSecretOnceAndItWorksWithItsScopes()
    {
        var name = HeraldServerFixture.NewId("svc");
        var page = await SignedInAsync(HeraldServerFixture.AdminKey);
        await page.Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"]);
        await page.GotoAsync("/dashboard/#/keys");

        await page.GetByLabel("Name", new() { Exact = true }).FillAsync(name);
        await page.GetByRole(AriaRole.Checkbox, new() { Name = "notifications:read", Exact = true }).CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Create key" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Secret for " + name })).ToBeFocusedAsync();
        await Expect(page.GetByText("you will not see it again")).ToBeVisibleAsync();
        var secret = await page.GetByLabel("Secret", new() { Exact = true }).InputValueAsync();
        secret.ShouldStartWith("hk_");
        (await StatusWithAsync(secret, HttpMethod.Get, "/api/v1/templates")).ShouldBe(200);
        (await StatusWithAsync(secret, HttpMethod.Post, "/api/v1/notifications")).ShouldBe(403);
        var row = Row(page, name);
        await Expect(row).ToContainTextAsync("notifications:read");
        await Expect(row).ToContainTextAsync("active");
        await Expect(row).ToContainTextAsync(secret[..7] + "…");
        await page.GetByRole(AriaRole.Button, new() { Name = "Copy" }).ClickAsync();
        (await page.EvaluateAsync<string>("() => navigator.clipboard.readText()")).ShouldBe(secret);
        (await Chromium.SeriousViolationsAsync(page)).ShouldBeEmpty();

        await page.GetByRole(AriaRole.Button, new() { Name = "Done" }).ClickAsync();
        (await page.ContentAsync()).ShouldNotContain(secret);
        await page.GotoAsync("/dashboard/#/overview");
        await page.GotoAsync("/dashboard/#/keys");
        await Expect(Row(page, name)).ToBeVisibleAsync();
        (await page.ContentAsync()).ShouldNotContain(secret);
        chromium.PageErrors[page].ShouldBeEmpty();
    }

    [Fact]
    public async Task KeysPage_CreateWithoutScope_SaysWhyAndCreatesNothing()
    {
        var name = HeraldServerFixture.NewId("noscope");
        var page = await SignedInAsync(HeraldServerFixture.AdminKey);
        await page.GotoAsync("/dashboard/#/keys");
        await Expect(page.GetByRole(AriaRole.Checkbox, new() { Name = "admin", Exact = true })).ToBeVisibleAsync();

        await page.GetByLabel("Name", new() { Exact = true }).FillAsync(name);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create key" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("'scopes' must name at least one");
        (await server.Client.GetJsonAsync("/api/v1/keys")).ToJsonString().ShouldNotContain(name);
        chromium.PageErrors[page].ShouldBeEmpty();
    }

    [Fact]
    public async Task KeysPage_Revoke_AfterConfirmingTheKeyIsRefusedWith401()
    {
        var (name, secret) = await CreateKeyAsync("notifications:send");
        (await StatusWithAsync(secret, HttpMethod.Post, "/api/v1/users/u1/subscriber-token")).ShouldBe(200);
        var page = await SignedInAsync(HeraldServerFixture.AdminKey);
        await page.GotoAsync("/dashboard/#/keys");

        await page.GetByRole(AriaRole.Button, new() { Name = "Revoke " + name }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = $"Revoke {name}?" });
        await Expect(dialog).ToBeVisibleAsync();
        (await Chromium.SeriousViolationsAsync(page)).ShouldBeEmpty();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Revoke key" }).ClickAsync();

        await Expect(dialog).ToBeHiddenAsync();
        await Expect(Row(page, name)).ToContainTextAsync("revoked");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Revoke " + name })).ToBeDisabledAsync();
        using var client = server.CreateClient(secret);
        using var refused = await client.PostEmptyAsync("/api/v1/users/u1/subscriber-token");
        (await refused.ShouldBeProblemAsync(401, "unauthorized")).Detail().ShouldContain("revoked");
        chromium.PageErrors[page].ShouldBeEmpty();
    }

    [Fact]
    public async Task KeysPage_RevokeCancelled_KeepsTheKey()
    {
        var (name, secret) = await CreateKeyAsync("notifications:read");
        var page = await SignedInAsync(HeraldServerFixture.AdminKey);
        await page.GotoAsync("/dashboard/#/keys");

        await page.GetByRole(AriaRole.Button, new() { Name = "Revoke " + name }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Dialog)).ToBeHiddenAsync();
        await Expect(Row(page, name)).ToContainTextAsync("active");
        (await StatusWithAsync(secret, HttpMethod.Get, "/api/v1/templates")).ShouldBe(200);
    }

    [Fact]
    public async Task KeysPage_Rotate_ShowsTheNewSecretOnceAndBothWorkDuringTheOverlap()
    {
        var (name, old) = await CreateKeyAsync("notifications:read");
        var page = await SignedInAsync(HeraldServerFixture.AdminKey);
        await page.GotoAsync("/dashboard/#/keys");

        await page.GetByRole(AriaRole.Button, new() { Name = "Rotate " + name }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = $"Rotate {name}?" });
        await dialog.GetByLabel("Old secret keeps working for").SelectOptionAsync(new SelectOptionValue { Label = "1 hour" });
        (await Chromium.SeriousViolationsAsync(page)).ShouldBeEmpty();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Rotate key" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "New secret for " + name })).ToBeVisibleAsync();
        var fresh = await page.GetByLabel("Secret", new() { Exact = true }).InputValueAsync();
        fresh.ShouldStartWith("hk_");
        fresh.ShouldNotBe(old);
        (await StatusWithAsync(fresh, HttpMethod.Get, "/api/v1/templates")).ShouldBe(200);
        (await StatusWithAsync(old, HttpMethod.Get, "/api/v1/templates")).ShouldBe(200);
        await Expect(Row(page, name)).ToContainTextAsync("rotating");
        await Expect(Row(page, name)).ToContainTextAsync(fresh[..7] + "…");
        var key = (await server.Client.GetJsonAsync("/api/v1/keys"))["keys"]!.AsArray().Single(k => k.Str("name") == name)!;
        var overlap = key["previous_secret_expires_at"]!.GetValue<DateTimeOffset>() - TimeProvider.System.GetUtcNow();
        overlap.ShouldBeInRange(TimeSpan.FromMinutes(55), TimeSpan.FromMinutes(61));
        chromium.PageErrors[page].ShouldBeEmpty();
    }

    [Fact]
    public async Task KeysPage_RevokeOwnKey_WarnsThenSignsOut()
    {
        var (name, secret) = await CreateKeyAsync("admin");
        var page = await SignedInAsync(secret);
        await page.GotoAsync("/dashboard/#/keys");
        await Expect(Row(page, name)).ToContainTextAsync("this session’s key");

        await page.GetByRole(AriaRole.Button, new() { Name = "Revoke " + name }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Expect(dialog).ToContainTextAsync("You are signed in with this key: revoking it signs you out.");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Revoke key" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in to Herald" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("The API key was refused");
    }

    [Fact]
    public async Task KeysPage_KeysWithFieldsItDoesNotKnow_ListsThemAndShowsAnEnvironmentColumn()
    {
        var (name, _) = await CreateKeyAsync("notifications:read");
        var page = await SignedInAsync(HeraldServerFixture.AdminKey);
        // What other parts of issue 18 add to a key (an environment, rate limits): the page must list such keys as they come.
        await page.RouteAsync("**/api/v1/keys", async route =>
        {
            var response = await route.FetchAsync();
            var body = JsonNode.Parse(await response.TextAsync())!;
            foreach (var key in body["keys"]!.AsArray())
            {
                key!["environment"] = "env_default";
                key["rate_limit"] = new JsonObject { ["requests_per_second"] = 50, ["notifications_per_second"] = null };
                key["future_field"] = new JsonArray(1, "two", new JsonObject());
            }

            await route.FulfillAsync(new() { Response = response, Body = body.ToJsonString() });
        });

        await page.GotoAsync("/dashboard/#/keys");

        await Expect(page.GetByRole(AriaRole.Columnheader, new() { Name = "Environment" })).ToBeVisibleAsync();
        await Expect(Row(page, name)).ToContainTextAsync("env_default");
        await Expect(Row(page, name)).ToContainTextAsync("active");
        (await Chromium.SeriousViolationsAsync(page)).ShouldBeEmpty();
        chromium.PageErrors[page].ShouldBeEmpty();
    }

    [Fact]
    public async Task KeysPage_ReadKey_SaysItNeedsAnAdminKey()
    {
        var key = HeraldServerFixture.NewId("read");
        await server.CreateApiKeyAsync(key, "notifications:read");
        var page = await SignedInAsync(key);

        await page.GotoAsync("/dashboard/#/keys");

        await Expect(page.GetByText("Managing API keys needs an admin key.")).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Create key" })).ToHaveCountAsync(0);
        chromium.PageErrors[page].ShouldBeEmpty();
    }

    private static ILocator Row(IPage page, string name) => page.GetByRole(AriaRole.Table).Locator("tbody tr").Filter(new() { HasText = name });

    /// <summary>A key made through the API (the page under test only lists it): its name and secret.</summary>
    private async Task<(string Name, string Secret)> CreateKeyAsync(string scope)
    {
        var name = HeraldServerFixture.NewId("key");
        using var response = await server.Client.PostJsonAsync("/api/v1/keys", new JsonObject { ["name"] = name, ["scopes"] = new JsonArray(scope) });
        return (name, (await response.ShouldHaveStatusAsync(201)).Str("secret"));
    }

    private async Task<int> StatusWithAsync(string key, HttpMethod method, string path)
    {
        using var client = server.CreateClient(key);
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (method == HttpMethod.Post)
        {
            request.Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
        }

        using var response = await client.SendAsync(request);
        return (int)response.StatusCode;
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
