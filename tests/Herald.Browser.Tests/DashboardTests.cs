using System.Text.Json.Nodes;
using Herald.Browser.Tests.Infrastructure;
using Herald.Server.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Herald.Browser.Tests;

/// <summary>The operator dashboard in Chromium against a real Herald: sign in, search and trace, replay, edit and publish.</summary>
[Collection(BrowserGroup.Name)]
public sealed class DashboardTests(Chromium chromium, DashboardServerFixture server) : IClassFixture<DashboardServerFixture>
{
    private async Task<IPage> SignedInAsync(string key = HeraldServerFixture.AdminKey)
    {
        var page = await chromium.NewPageAsync(server.BaseAddress);
        await page.GotoAsync("/dashboard/");
        await page.GetByLabel("API key").FillAsync(key);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview", Level = 1 })).ToBeVisibleAsync();
        return page;
    }

    [Fact]
    public async Task SignIn_WrongKey_SaysSoAndStaysOnTheSignInForm()
    {
        var page = await chromium.NewPageAsync(server.BaseAddress);
        await page.GotoAsync("/dashboard/");

        await page.GetByLabel("API key").FillAsync("not-a-key");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("That API key is not valid.");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in to Herald" })).ToBeVisibleAsync();
        chromium.PageErrors[page].ShouldBeEmpty();
    }

    [Fact]
    public async Task Notifications_SearchByRecipient_OpensTheDetailWithTimelineAndPlainWordsTrace()
    {
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template);
        var user = HeraldServerFixture.NewId("user");
        var id = await server.SendAsync(new JsonObject { ["event_type"] = template, ["recipient_id"] = user, ["data"] = new JsonObject { ["name"] = "Ada" } });
        var detail = await server.WaitForCompletedAsync(id);
        var page = await SignedInAsync();

        await page.GetByRole(AriaRole.Link, new() { Name = "Notifications" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Notifications", Level = 1 })).ToBeVisibleAsync();
        await page.GetByLabel("Recipient").First.FillAsync(user);
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = id }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Notification " + id })).ToBeVisibleAsync();
        var trace = page.Locator("#trace");
        foreach (var entry in detail["trace"]!.AsArray())
        {
            await Expect(trace).ToContainTextAsync(entry.Str("reason"));
        }

        await Expect(trace).ToContainTextAsync("The notification was planned");
        await Expect(trace).ToContainTextAsync("The in-app delivery ");
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "in_app delivery" })).ToContainTextAsync("sent via feed");
        chromium.PageErrors[page].ShouldBeEmpty();
    }

    [Fact]
    public async Task Notifications_SearchByEventTypeAndTime_PagesOnTheServer()
    {
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template);
        var user = HeraldServerFixture.NewId("user");
        var ids = new List<string>();
        for (var i = 0; i < 27; i++)
        {
            ids.Add(await server.SendAsync(new JsonObject { ["event_type"] = template, ["recipient_id"] = user, ["data"] = new JsonObject { ["name"] = "n" + i } }));
        }

        var page = await SignedInAsync();
        await page.GotoAsync($"/dashboard/#/notifications?event_type={template}&from={DateTimeOffset.UtcNow.AddHours(-1).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture)}");

        var rows = page.Locator("main table tbody tr");
        await Expect(rows).ToHaveCountAsync(25);
        var first = await rows.Locator("td:nth-child(2)").AllTextContentsAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Next page" }).ClickAsync();
        await Expect(rows).ToHaveCountAsync(2);
        var second = await rows.Locator("td:nth-child(2)").AllTextContentsAsync();

        // Ids order by time to the millisecond (UUIDv7), so two pages hold all 27, each once.
        first.Concat(second).Order().ShouldBe(ids.Order());
        await page.GetByRole(AriaRole.Link, new() { Name = "First page" }).ClickAsync();
        await Expect(rows).ToHaveCountAsync(25);
    }

    [Fact]
    public async Task DeadLetters_ReplayedFromTheUi_AreSentAndShowTheirNewAttempts()
    {
        await using var receiver = await WebhookReceiver.StartAsync(statusCode: 500);
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template);
        var user = HeraldServerFixture.NewId("user");
        using (var endpoint = await server.Client.PostJsonAsync("/api/v1/webhook-endpoints", new JsonObject { ["recipient_id"] = user, ["url"] = receiver.Url.ToString() }))
        {
            await endpoint.ShouldHaveStatusAsync(201);
        }

        var id = await server.SendAsync(new JsonObject { ["event_type"] = template, ["recipient_id"] = user, ["channels"] = new JsonArray("webhook"), ["data"] = new JsonObject { ["name"] = "x" } });
        var delivery = (await server.WaitForCompletedAsync(id))["deliveries"]!.AsArray().ShouldHaveSingleItem()!;
        delivery.Str("status").ShouldBe("dead");
        var deliveryId = delivery.Str("id");
        receiver.StatusCode = 200;
        var page = await SignedInAsync();

        await page.GetByRole(AriaRole.Link, new() { Name = "Dead letters" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Dead letters", Level = 1 })).ToBeVisibleAsync();
        await page.Locator("#dlq-channel").SelectOptionAsync("webhook");
        await page.GetByRole(AriaRole.Button, new() { Name = deliveryId }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Dead letter details" })).ToContainTextAsync("endpoint returned 500");
        await page.GetByLabel("Select " + deliveryId).CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Replay selected (1)" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Expect(dialog).ToContainTextAsync("Replay 1 dead letter?");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Replay 1" }).ClickAsync();

        var row = page.Locator($"tr[data-id='{deliveryId}']");
        await Expect(row.Locator("td").Last).ToHaveTextAsync("sent", new() { Timeout = 15_000 });
        await Expect(row.Locator("td").Nth(5)).ToHaveTextAsync("3");
        var after = (await server.GetNotificationAsync(id))["deliveries"]!.AsArray().ShouldHaveSingleItem()!;
        after.Str("status").ShouldBe("sent");
        receiver.Received.Count.ShouldBe(3);
        chromium.PageErrors[page].ShouldBeEmpty();
    }

    [Fact]
    public async Task Templates_EditedPreviewedAndPublishedInTheUi_IsTheOneTheNextSendUses()
    {
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template);
        var page = await SignedInAsync();
        await page.GotoAsync($"/dashboard/#/templates/{template}");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Template " + template })).ToBeVisibleAsync();

        var editor = page.GetByLabel("Definition (JSON: description, variables, channels, locales)");
        var definition = JsonNode.Parse(await editor.InputValueAsync())!;
        definition["channels"]!["in_app"]!["title"] = "Welcome back, {{name}}!";
        await editor.FillAsync(definition.ToJsonString());
        await page.GetByLabel("Sample data (JSON)").FillAsync("""{"name":"Grace"}""");
        await Expect(page.Locator("#tpl-preview")).ToContainTextAsync("Welcome back, Grace!");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save as new version" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Saved as v2");
        await page.GetByRole(AriaRole.Button, new() { Name = "Publish v2" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("v2 is published");
        await Expect(page.Locator("#diff-to")).ToHaveValueAsync("2");
        await Expect(page.GetByRole(AriaRole.List, new() { Name = "Differences from v1 to v2" })).ToContainTextAsync("Welcome back, {{name}}!");

        var user = HeraldServerFixture.NewId("user");
        var id = await server.SendAsync(new JsonObject { ["event_type"] = template, ["recipient_id"] = user, ["data"] = new JsonObject { ["name"] = "Ada" } });
        var detail = await server.WaitForCompletedAsync(id);
        detail["template_version"]!.GetValue<int>().ShouldBe(2);
        (await server.GetFeedAsync(user))["notifications"]!.AsArray().ShouldHaveSingleItem()!.Str("title").ShouldBe("Welcome back, Ada!");
        chromium.PageErrors[page].ShouldBeEmpty();
    }

    [Fact]
    public async Task Templates_EmailPreview_ShowsTheHtmlInItsLayoutWithPartialsResolved()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        using (var partial = await server.Client.PutJsonAsync($"/api/v1/partials/brand-{suffix}", new JsonObject { ["source"] = "<h1>ACME {{name}}</h1>" }))
        {
            await partial.ShouldHaveStatusAsync(201);
        }

        using (var layout = await server.Client.PutJsonAsync($"/api/v1/layouts/lay-{suffix}", new JsonObject { ["html"] = $"<body>{{{{> brand-{suffix}}}}}{{{{{{body}}}}}}<p>Footer</p></body>" }))
        {
            await layout.ShouldHaveStatusAsync(201);
        }

        var template = HeraldServerFixture.NewId("tpl");
        using (var created = await server.Client.PostJsonAsync("/api/v1/templates", new JsonObject
        {
            ["template_id"] = template, ["variables"] = new JsonArray("name"), ["layout"] = $"lay-{suffix}",
            ["channels"] = new JsonObject { ["email"] = new JsonObject { ["subject"] = "Hi", ["html"] = "<p>Dear {{name}}</p>" } },
        }))
        {
            await created.ShouldHaveStatusAsync(201);
        }

        var page = await SignedInAsync();
        await page.GotoAsync($"/dashboard/#/templates/{template}");
        var email = page.FrameLocator("iframe[title='Email HTML preview']").Locator("body");
        await Expect(email).ToContainTextAsync("ACME sample name");
        await page.GetByLabel("Sample data (JSON)").FillAsync("""{"name":"Grace"}""");

        await Expect(email).ToContainTextAsync("ACME Grace");
        await Expect(email).ToContainTextAsync("Dear Grace");
        await Expect(email).ToContainTextAsync("Footer");
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "email preview" })).ToContainTextAsync(new System.Text.RegularExpressions.Regex(@"ACME Grace\s+Dear Grace\s+Footer"));
        chromium.PageErrors[page].ShouldBeEmpty();
    }

    [Fact]
    public async Task SendTestForm_SendsANotificationAndLinksToIt()
    {
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template);
        var user = HeraldServerFixture.NewId("user");
        var page = await SignedInAsync();
        await page.GotoAsync("/dashboard/#/notifications");

        await page.GetByText("Send a test notification").ClickAsync();
        var form = page.Locator("details form");
        await form.GetByLabel("Recipient").FillAsync(user);
        await form.GetByLabel("Event type", new() { Exact = true }).FillAsync(template);
        await form.GetByLabel("in_app").CheckAsync();
        await form.GetByLabel("Data (JSON)").FillAsync("""{"name":"Tester"}""");
        await form.GetByRole(AriaRole.Button, new() { Name = "Send test" }).ClickAsync();
        await Expect(form).ToContainTextAsync("Accepted: ntf_");
        await form.GetByRole(AriaRole.Link).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Notification ntf_" })).ToBeVisibleAsync();
        await Polling.WaitUntilAsync(async () => (await server.GetFeedAsync(user))["notifications"]!.AsArray().Count == 1, Polling.DefaultTimeout, "the test notification never reached the feed");
        (await server.GetFeedAsync(user))["notifications"]!.AsArray().ShouldHaveSingleItem()!.Str("title").ShouldBe("Hello Tester");
    }

    [Fact]
    public async Task Provider_DisabledFromTheUi_TheNextSmsFailsOverToTheBackup_ThenEnabledAgain()
    {
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateTemplateAsync(template, new JsonObject { ["sms"] = new JsonObject { ["body"] = "code {{code}}" } }, ["code"]);
        var user = HeraldServerFixture.NewId("user");
        await server.PutUserAsync(user, phone: "+447700900456");
        var page = await SignedInAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Providers & endpoints" }).ClickAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Disable sms-primary" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("sms-primary disabled.");
        var id = await server.SendAsync(new JsonObject { ["event_type"] = template, ["recipient_id"] = user, ["data"] = new JsonObject { ["code"] = "42" } });
        var detail = await server.WaitForCompletedAsync(id);
        await page.GetByRole(AriaRole.Button, new() { Name = "Enable sms-primary" }).ClickAsync();

        detail["deliveries"]!.AsArray().ShouldHaveSingleItem()!.Str("provider").ShouldBe("sms-backup");
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("sms-primary enabled.");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Disable sms-primary" })).ToBeVisibleAsync();
        chromium.PageErrors[page].ShouldBeEmpty();
    }

    [Fact]
    public async Task ReadKey_SeesThePagesButCannotReplayOrPublish()
    {
        await server.CreateApiKeyAsync("dashboard-reader", "read");
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template);
        var page = await SignedInAsync("dashboard-reader");

        await page.GotoAsync($"/dashboard/#/templates/{template}");

        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Save as new version" })).ToBeDisabledAsync();
        await Expect(page.GetByText("Saving and publishing need an admin key.")).ToBeVisibleAsync();
        await page.GotoAsync("/dashboard/#/dead-letters");
        await Expect(page.GetByText("Replaying needs an admin key.")).ToBeVisibleAsync();
        var user = HeraldServerFixture.NewId("user");
        await server.PutUserAsync(user, email: "reader.sees@example.com");
        await page.GotoAsync($"/dashboard/#/users/{user}");
        await Expect(page.GetByText("Reading a user's feed needs a key with the content:read scope.")).ToBeVisibleAsync();
        await Expect(page.Locator("input[name=email]")).ToHaveValueAsync("r***@example.com");
        chromium.PageErrors[page].ShouldBeEmpty();
    }
}
