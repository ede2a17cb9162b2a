using Herald.Browser.Tests.Infrastructure;
using Herald.Server.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Herald.Browser.Tests;

/// <summary>The inbox with an expiring token on a server that refuses legacy credentials: its stream opens with a ticket, the token never in a URL.</summary>
[Collection(BrowserGroup.Name)]
public sealed class InboxTicketTests(Chromium chromium, NoLegacyServerFixture server) : IClassFixture<NoLegacyServerFixture>
{
    [Fact]
    public async Task ExpiringToken_StreamOpensWithATicket_ItemsArriveLive_NoTokenInAnyUrl()
    {
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template);
        var user = HeraldServerFixture.NewId("user");
        using var minted = await server.Client.PostEmptyAsync($"/api/v1/users/{user}/subscriber-token");
        var token = (await minted.ShouldHaveStatusAsync(200)).Str("token");
        var page = await chromium.NewPageAsync(server.BaseAddress);
        var urls = new List<string>();
        page.Request += (_, r) =>
        {
            if (r.Url.Contains("/api/v1/", StringComparison.Ordinal))
            {
                lock (urls)
                {
                    urls.Add(r.Url);
                }
            }
        };

        // The demo page takes the token in its own URL; Herald's API never sees it there.
        await page.GotoAsync($"/inbox/demo?user={user}&token={token}");
        var inbox = page.Locator("herald-inbox");
        await Expect(inbox).ToHaveAttributeAsync("data-state", "live");
        var id = await server.SendAsync(InboxTests.InApp(template, user, "Ticket"));

        await Expect(inbox.Locator($"li[data-id='{id}']")).ToBeAttachedAsync(new() { Timeout = 5_000 });
        string[] seen;
        lock (urls)
        {
            seen = [.. urls];
        }

        seen.ShouldContain(u => u.Contains("/feed/stream-ticket", StringComparison.Ordinal));
        seen.Where(u => u.Contains("/feed/stream?", StringComparison.Ordinal)).ShouldAllBe(u => u.Contains("ticket=", StringComparison.Ordinal));
        seen.ShouldNotContain(u => u.Contains(token, StringComparison.Ordinal));
        chromium.PageErrors[page].ShouldBeEmpty();
    }
}
