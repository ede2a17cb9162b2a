using System.Diagnostics;
using System.Text.Json.Nodes;
using Herald.Browser.Tests.Infrastructure;
using Herald.Server.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Herald.Browser.Tests;

/// <summary>The inbox web component on its demo page, live over SSE from a real Herald.</summary>
[Collection(BrowserGroup.Name)]
public sealed class InboxTests(Chromium chromium, HeraldServerFixture server) : IClassFixture<HeraldServerFixture>
{
    internal static async Task<(IPage Page, ILocator Inbox)> OpenInboxAsync(Chromium chromium, Uri baseAddress, string user)
    {
        var page = await chromium.NewPageAsync(baseAddress);
        await page.GotoAsync($"/inbox/demo?user={user}&token={HeraldServerFixture.SubscriberToken(user)}");
        var inbox = page.Locator("herald-inbox");
        await Expect(inbox).ToHaveAttributeAsync("data-state", "live");
        return (page, inbox);
    }

    internal static JsonObject InApp(string template, string user, string name) =>
        new() { ["event_type"] = template, ["recipient_id"] = user, ["channels"] = new JsonArray("in_app"), ["data"] = new JsonObject { ["name"] = name } };

    [Fact]
    public async Task SentThroughTheApi_AppearsWithinOneSecond_TheBadgeCountsIt_MarkingReadUpdatesIt()
    {
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template);
        var user = HeraldServerFixture.NewId("user");
        var (page, inbox) = await OpenInboxAsync(chromium, server.BaseAddress, user);
        var bell = inbox.GetByRole(AriaRole.Button, new() { Name = "Notifications, none unread" });
        await Expect(bell).ToBeVisibleAsync();
        await Expect(inbox.Locator(".badge")).ToBeHiddenAsync();

        await page.EvaluateAsync("""
            () => {
              window.heard = [];
              document.querySelector('herald-inbox').addEventListener('herald-notification', e => window.heard.push(e.detail.notification_id));
            }
            """);

        var id = await server.SendAsync(InApp(template, user, "Ada"));
        var clock = Stopwatch.StartNew();
        await Expect(inbox.Locator($"li[data-id='{id}']")).ToBeAttachedAsync(new() { Timeout = 1_000 });
        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(1));
        (await page.EvaluateAsync<string[]>("() => window.heard")).ShouldBe([id]);

        await Expect(inbox.Locator(".badge")).ToHaveTextAsync("1");
        await Expect(inbox).ToHaveAttributeAsync("data-unread", "1");
        await inbox.GetByRole(AriaRole.Button, new() { Name = "Notifications, 1 unread" }).ClickAsync();
        var item = inbox.Locator($"li[data-id='{id}']");
        await Expect(item).ToContainTextAsync("Hello Ada");
        await Expect(item).ToHaveClassAsync("unread");
        await item.GetByRole(AriaRole.Button, new() { Name = "Mark read: Hello Ada" }).ClickAsync();

        await Expect(inbox.Locator(".badge")).ToBeHiddenAsync();
        await Expect(inbox).ToHaveAttributeAsync("data-unread", "0");
        await Expect(item).ToHaveClassAsync("read");
        (await server.GetFeedAsync(user))["unread_count"]!.GetValue<int>().ShouldBe(0);
        chromium.PageErrors[page].ShouldBeEmpty();
    }

    [Fact]
    public async Task Keyboard_OpensWithEnter_ArchivesAndMarksAllRead_EscapeCloses()
    {
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template);
        var user = HeraldServerFixture.NewId("user");
        var first = await server.SendAsync(InApp(template, user, "one"));
        var second = await server.SendAsync(InApp(template, user, "two"));
        await server.WaitForCompletedAsync(first);
        await server.WaitForCompletedAsync(second);
        var (page, inbox) = await OpenInboxAsync(chromium, server.BaseAddress, user);
        await Expect(inbox).ToHaveAttributeAsync("data-unread", "2");

        var bell = inbox.GetByRole(AriaRole.Button, new() { Name = "Notifications, 2 unread" });
        await bell.FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(bell).ToHaveAttributeAsync("aria-expanded", "true");
        await inbox.GetByRole(AriaRole.Button, new() { Name = "Archive: Hello two" }).PressAsync("Enter");
        await Expect(inbox.Locator($"li[data-id='{second}']")).ToHaveCountAsync(0);
        await Expect(inbox).ToHaveAttributeAsync("data-unread", "1");
        await inbox.GetByRole(AriaRole.Button, new() { Name = "Mark all as read" }).ClickAsync();
        await Expect(inbox).ToHaveAttributeAsync("data-unread", "0");
        await page.Keyboard.PressAsync("Escape");

        await Expect(inbox.GetByRole(AriaRole.Button, new() { Name = "Notifications, none unread" })).ToHaveAttributeAsync("aria-expanded", "false");
        var feed = await server.GetFeedAsync(user);
        feed["notifications"]!.AsArray().Select(n => n.Str("notification_id")).ShouldBe([first]);
        chromium.PageErrors[page].ShouldBeEmpty();
    }

    [Fact]
    public async Task Strings_FrenchGivenAsAttributeAndProperty_BellPanelAndRowsTranslated()
    {
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template);
        var user = HeraldServerFixture.NewId("user");
        await server.WaitForCompletedAsync(await server.SendAsync(InApp(template, user, "Ada")));
        var (page, inbox) = await OpenInboxAsync(chromium, server.BaseAddress, user);
        var french = new JsonObject
        {
            ["heading"] = "Notifications", ["bellUnread"] = "Notifications, {count} non lues", ["bellNone"] = "Notifications, aucune non lue",
            ["markAll"] = "Tout marquer comme lu", ["markRead"] = "Marquer lu", ["markReadLabel"] = "Marquer lu : {title}", ["live"] = "En direct",
        };

        await page.EvaluateAsync("s => document.querySelector('herald-inbox').setAttribute('strings', s)", french.ToJsonString());
        await page.EvaluateAsync("() => { document.querySelector('herald-inbox').strings = { archiveLabel: 'Archiver : {title}' }; }");

        await Expect(inbox.Locator(".state")).ToHaveTextAsync("En direct");
        await inbox.GetByRole(AriaRole.Button, new() { Name = "Notifications, 1 non lues" }).ClickAsync();
        await Expect(inbox.GetByRole(AriaRole.Button, new() { Name = "Archiver : Hello Ada" })).ToBeVisibleAsync();
        await inbox.GetByRole(AriaRole.Button, new() { Name = "Marquer lu : Hello Ada" }).ClickAsync();
        await Expect(inbox.GetByRole(AriaRole.Button, new() { Name = "Notifications, aucune non lue" })).ToBeVisibleAsync();
        await Expect(inbox.GetByRole(AriaRole.Button, new() { Name = "Tout marquer comme lu" })).ToBeDisabledAsync();
        chromium.PageErrors[page].ShouldBeEmpty();
    }

    [Fact]
    public async Task StringsAttributeAlone_AfterLoad_RelabelsTheBell()
    {
        var user = HeraldServerFixture.NewId("user");
        var (page, inbox) = await OpenInboxAsync(chromium, server.BaseAddress, user);

        // Only the attribute, no property: the component must observe it (a second attributeChangedCallback once hid this).
        await page.EvaluateAsync("s => document.querySelector('herald-inbox').setAttribute('strings', s)",
            new JsonObject { ["bellNone"] = "Notifications, aucune non lue", ["live"] = "En direct" }.ToJsonString());

        await Expect(inbox.GetByRole(AriaRole.Button, new() { Name = "Notifications, aucune non lue" })).ToBeVisibleAsync();
        await Expect(inbox.Locator(".state")).ToHaveTextAsync("En direct");
        chromium.PageErrors[page].ShouldBeEmpty();
    }

    [Fact]
    public async Task TokenRefused_FreshTokenAttributeSet_ReconnectsAndShowsTheFeed()
    {
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template);
        var user = HeraldServerFixture.NewId("user");
        await server.WaitForCompletedAsync(await server.SendAsync(InApp(template, user, "Grace")));
        var page = await chromium.NewPageAsync(server.BaseAddress);
        await page.GotoAsync($"/inbox/demo?user={user}&token={new string('0', 64)}");
        var inbox = page.Locator("herald-inbox");
        await Expect(inbox).Not.ToHaveAttributeAsync("data-state", "live");

        await page.EvaluateAsync("t => document.querySelector('herald-inbox').setAttribute('token', t)", HeraldServerFixture.SubscriberToken(user));

        await Expect(inbox).ToHaveAttributeAsync("data-state", "live");
        await Expect(inbox.GetByRole(AriaRole.Button, new() { Name = "Notifications, 1 unread" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task FeedItemWithUnsafeLink_IsShownWithoutIt_SafeLinksStayLinks()
    {
        // The server refuses such links when it renders; rows stored before it did (or written by anything else) are
        // what the inbox must still refuse, so they go straight into the store here.
        var user = HeraldServerFixture.NewId("user");
        var links = new[] { "javascript:alert(1)", " JaVa\tScRiPt:alert(2)", "data:text/html,<script>alert(3)</script>", "https://example.com/ok", "/relative/ok" };
        using (var c = new SqliteConnection($"Data Source={server.DatabasePath};Pooling=False"))
        {
            c.Open();
            for (var i = 0; i < links.Length; i++)
            {
                using var insert = c.CreateCommand();
                insert.CommandText = """
                    PRAGMA busy_timeout = 30000;
                    INSERT INTO feed(user_id, notification_id, delivery_id, event_type, title, body, action_url, created_at)
                    VALUES ($u, $n, $d, 'links', $t, 'open it', $a, $c)
                    """;
                insert.Parameters.AddWithValue("$u", user);
                insert.Parameters.AddWithValue("$n", $"ntf_link{i}_{Guid.NewGuid():N}");
                insert.Parameters.AddWithValue("$d", $"dlv_link{i}_{Guid.NewGuid():N}");
                insert.Parameters.AddWithValue("$t", $"link {i}");
                insert.Parameters.AddWithValue("$a", links[i]);
                insert.Parameters.AddWithValue("$c", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + i);
                insert.ExecuteNonQuery();
            }
        }

        var (page, inbox) = await OpenInboxAsync(chromium, server.BaseAddress, user);
        await inbox.GetByRole(AriaRole.Button, new() { Name = "Notifications, 5 unread" }).ClickAsync();
        await Expect(inbox.Locator("li")).ToHaveCountAsync(5);

        var hrefs = await inbox.Locator("li a").EvaluateAllAsync<string[]>("links => links.map(a => a.href)");

        hrefs.Order().ShouldBe([$"{server.BaseAddress.GetLeftPart(UriPartial.Authority)}/relative/ok", "https://example.com/ok"]);
        for (var i = 0; i < 3; i++)
        {
            await Expect(inbox.Locator("li", new() { HasText = $"link {i}" })).ToContainTextAsync("open it");
        }

        chromium.PageErrors[page].ShouldBeEmpty();
    }
}

/// <summary>Streams that the server ends every two seconds: the inbox reconnects from the last item it holds.</summary>
[Collection(BrowserGroup.Name)]
public sealed class InboxReconnectTests(Chromium chromium, DroppingStreamServerFixture server) : IClassFixture<DroppingStreamServerFixture>
{
    [Fact]
    public async Task AfterTheServerDropsTheConnection_ItemsSentMeanwhileAppearExactlyOnce()
    {
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template);
        var user = HeraldServerFixture.NewId("user");
        var (page, inbox) = await InboxTests.OpenInboxAsync(chromium, server.BaseAddress, user);
        var streams = 0;
        page.Request += (_, r) =>
        {
            if (r.Url.Contains("/feed/stream", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref streams);
            }
        };
        var sent = new List<string> { await server.SendAsync(InboxTests.InApp(template, user, "live")) };

        for (var drop = 0; drop < 2; drop++)
        {
            // The server ends the stream; while the inbox is away, three more are sent.
            // Polled every 20 ms: the inbox is away for about half a second.
            await page.WaitForFunctionAsync("() => document.querySelector('herald-inbox').dataset.state === 'reconnecting'", null,
                new() { PollingInterval = 20, Timeout = 5_000 });
            for (var i = 0; i < 3; i++)
            {
                sent.Add(await server.SendAsync(InboxTests.InApp(template, user, $"away-{drop}-{i}")));
            }

            await Expect(inbox).ToHaveAttributeAsync("data-state", "live", new() { Timeout = 5_000 });
        }

        var items = inbox.Locator("li");
        await Expect(items).ToHaveCountAsync(sent.Count, new() { Timeout = 5_000 });
        await Task.Delay(TimeSpan.FromSeconds(2.5)); // one more drop and reconnect: nothing may arrive twice
        await Expect(items).ToHaveCountAsync(sent.Count);
        var shown = await items.EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.id)");
        shown.Order().ShouldBe(sent.Order());
        await Expect(inbox).ToHaveAttributeAsync("data-unread", sent.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        streams.ShouldBeGreaterThanOrEqualTo(3);
    }

}
