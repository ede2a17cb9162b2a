using System.Text.Json.Nodes;
using Herald.Browser.Tests.Infrastructure;
using Herald.Server.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Herald.Browser.Tests;

/// <summary>
/// axe-core on every dashboard page and on the inbox, in light and dark and at phone width: no serious or critical
/// violation. With HERALD_TEST_SCREENSHOTS set to a folder, the same visits save the screenshots for docs/screenshots.
/// </summary>
[Collection(BrowserGroup.Name)]
public sealed class AccessibilityTests(Chromium chromium, DashboardServerFixture server) : IClassFixture<DashboardServerFixture>
{
    private static readonly string? Shots = Environment.GetEnvironmentVariable("HERALD_TEST_SCREENSHOTS");

    private async Task<(string Template, string User, string NotificationId)> SeedAsync()
    {
        var template = "order.shipped";
        await server.CreateTemplateAsync(template, new JsonObject
        {
            ["in_app"] = new JsonObject { ["title"] = "Your order {{order}} shipped", ["body"] = "It arrives {{day}}." },
            ["email"] = new JsonObject { ["subject"] = "Order {{order}} shipped", ["text"] = "Hi {{name}}, it arrives {{day}}." },
        }, ["order", "day", "name"]);
        await server.CreateTemplateAsync(template, new JsonObject
        {
            ["in_app"] = new JsonObject { ["title"] = "Order {{order}} is on its way", ["body"] = "Expected {{day}}." },
            ["email"] = new JsonObject { ["subject"] = "Order {{order}} is on its way", ["text"] = "Hi {{name}}, expected {{day}}." },
        }, ["order", "day", "name"], publish: false);
        var user = "ada";
        await server.PutUserAsync(user, email: "ada@example.com", locale: "en", timezone: "Europe/London");
        using (var prefs = await server.Client.PutJsonAsync($"/api/v1/users/{user}/preferences", JsonNode.Parse("""
            {"rules":[{"event_type":"*","channel":"email","quiet_hours":{"start":"22:00","end":"07:00","timezone":"Europe/London"}},{"event_type":"marketing.*","enabled":false}]}
            """)!.AsObject()))
        {
            await prefs.ShouldHaveStatusAsync(200);
        }

        using (var device = await server.Client.PostJsonAsync($"/api/v1/users/{user}/devices", new JsonObject { ["token"] = "fcm-token-0123456789abcdef", ["platform"] = "android", ["app_version"] = "4.2.0" }))
        {
            await device.ShouldHaveStatusAsync(201);
        }

        string id = "";
        foreach (var order in new[] { "A-1001", "A-1002", "A-1003" })
        {
            id = await server.SendAsync(new JsonObject
            {
                ["event_type"] = template, ["recipient_id"] = user, ["channels"] = new JsonArray("in_app"),
                ["data"] = new JsonObject { ["order"] = order, ["day"] = "Thursday", ["name"] = "Ada" },
            });
        }

        await server.WaitForCompletedAsync(id);

        // Two dead letters: webhooks to a closed loopback port, dead after one quick retry.
        using (var endpoint = await server.Client.PostJsonAsync("/api/v1/webhook-endpoints", new JsonObject { ["recipient_id"] = user, ["url"] = "http://127.0.0.1:9/orders", ["description"] = "Ada's shop hook" }))
        {
            await endpoint.ShouldHaveStatusAsync(201);
        }

        foreach (var order in new[] { "A-1004", "A-1005" })
        {
            var dead = await server.SendAsync(new JsonObject
            {
                ["event_type"] = template, ["recipient_id"] = user, ["channels"] = new JsonArray("webhook"),
                ["data"] = new JsonObject { ["order"] = order, ["day"] = "Friday", ["name"] = "Ada" },
            });
            await server.WaitForCompletedAsync(dead);
        }

        return (template, user, id);
    }

    [Fact]
    public async Task DashboardPagesAndInbox_HaveNoSeriousOrCriticalViolations_InLightDarkAndPhoneWidth()
    {
        var (template, user, id) = await SeedAsync();
        var pages = new (string Name, string Hash, string Heading)[]
        {
            ("overview", "#/overview", "Overview"),
            ("notifications", "#/notifications", "Notifications"),
            ("notification", "#/notifications/" + id, "Notification " + id),
            ("dead-letters", "#/dead-letters", "Dead letters"),
            ("templates", "#/templates", "Templates"),
            ("template", "#/templates/" + template, "Template " + template),
            ("users", "#/users", "Users"),
            ("user", "#/users/" + user, "User " + user),
            ("providers", "#/providers", "Providers & endpoints"),
            ("keys", "#/keys", "API keys"),
            ("audit", "#/audit", "Audit"),
        };
        var problems = new List<string>();
        foreach (var (scheme, width, suffix) in new[] { (ColorScheme.Light, 1280, ""), (ColorScheme.Dark, 1280, "-dark"), (ColorScheme.Light, 390, "-phone") })
        {
            var page = await chromium.NewPageAsync(server.BaseAddress, width, width < 500 ? 844 : 860, scheme);
            await page.GotoAsync("/dashboard/");
            problems.AddRange((await Chromium.SeriousViolationsAsync(page)).Select(v => $"sign-in{suffix}: {v}"));
            await ShootAsync(page, "signin" + suffix);
            await page.GetByLabel("API key").FillAsync(HeraldServerFixture.AdminKey);
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
            foreach (var (name, hash, heading) in pages)
            {
                await page.GotoAsync("/dashboard/" + hash);
                await Expect(page.GetByRole(AriaRole.Heading, new() { Name = heading, Level = 1 })).ToBeVisibleAsync();
                await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
                if (name == "keys")
                {
                    // The scopes arrive with the OpenAPI document: checked (and shown) once they are there.
                    await Expect(page.GetByRole(AriaRole.Checkbox, new() { Name = "admin", Exact = true })).ToBeVisibleAsync();
                }

                if (name == "overview")
                {
                    await Expect(page.Locator(".chart")).ToBeVisibleAsync();
                    if (!string.IsNullOrEmpty(Shots))
                    {
                        // Something to draw: a few seconds of sends while the overview refreshes.
                        for (var i = 0; i < 40; i++)
                        {
                            await server.SendAsync(new JsonObject
                            {
                                ["event_type"] = template, ["recipient_id"] = "shopper-" + (i % 7).ToString(System.Globalization.CultureInfo.InvariantCulture),
                                ["channels"] = new JsonArray("in_app"), ["data"] = new JsonObject { ["order"] = "B-" + i, ["day"] = "Friday", ["name"] = "Sam" },
                            });
                            await Task.Delay(150);
                        }
                    }
                }

                problems.AddRange((await Chromium.SeriousViolationsAsync(page)).Select(v => $"{name}{suffix}: {v}"));
                await ShootAsync(page, name + suffix);
            }

            var inbox = await chromium.NewPageAsync(server.BaseAddress, width, width < 500 ? 844 : 860, scheme);
            await inbox.GotoAsync($"/inbox/demo?user={user}&token={HeraldServerFixture.SubscriberToken(user)}");
            await Expect(inbox.Locator("herald-inbox")).ToHaveAttributeAsync("data-state", "live");
            await inbox.Locator("herald-inbox .bell").ClickAsync();
            await Expect(inbox.Locator("herald-inbox li")).ToHaveCountAsync(3);
            problems.AddRange((await Chromium.SeriousViolationsAsync(inbox)).Select(v => $"inbox{suffix}: {v}"));
            await ShootAsync(inbox, "inbox" + suffix);
            chromium.PageErrors[page].ShouldBeEmpty();
            chromium.PageErrors[inbox].ShouldBeEmpty();
        }

        problems.ShouldBeEmpty();
    }

    private static async Task ShootAsync(IPage page, string name)
    {
        if (!string.IsNullOrEmpty(Shots))
        {
            Directory.CreateDirectory(Shots);
            await page.ScreenshotAsync(new() { Path = Path.Combine(Shots, name + ".png"), FullPage = false });
        }
    }
}
