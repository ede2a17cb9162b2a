using System.Text.Json;
using System.Text.Json.Nodes;
using Herald.Browser.Tests.Infrastructure;
using Herald.Server.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Herald.Browser.Tests;

/// <summary>The preferences web component on its demo page, reading and saving a real Herald's preferences with a subscriber token.</summary>
[Collection(BrowserGroup.Name)]
public sealed class PreferencesTests(Chromium chromium, HeraldServerFixture server) : IClassFixture<HeraldServerFixture>
{
    /// <summary>Two event types, the second covered by a digest rule that batches (so "digest" starts ticked), and one rule turning email off for the first.</summary>
    private async Task<(string Shipped, string Liked, string User)> ArrangeAsync()
    {
        var (shipped, liked, digest) = (HeraldServerFixture.NewId("order.shipped"), HeraldServerFixture.NewId("post.liked"), HeraldServerFixture.NewId("likes.digest"));
        foreach (var template in new[] { shipped, liked, digest })
        {
            await server.CreateTemplateAsync(template, new JsonObject { ["in_app"] = new JsonObject { ["title"] = "t", ["body"] = "b" } });
        }

        using (var rule = await server.Client.PutJsonAsync($"/api/v1/digest-rules/{liked}", new JsonObject { ["window"] = "PT1H", ["template_id"] = digest }))
        {
            await rule.ShouldHaveStatusAsync(200);
        }

        var user = HeraldServerFixture.NewId("user");
        using (var prefs = await server.Client.PutJsonAsync($"/api/v1/users/{user}/preferences", new JsonObject
        {
            ["rules"] = new JsonArray(new JsonObject { ["event_type"] = shipped, ["channel"] = "email", ["enabled"] = false }, new JsonObject { ["event_type"] = "legacy.*", ["enabled"] = false }),
        }))
        {
            await prefs.ShouldHaveStatusAsync(200);
        }

        return (shipped, liked, user);
    }

    private async Task<(IPage Page, ILocator Preferences)> OpenAsync(string user, string eventTypes, int width = 1280, ColorScheme scheme = ColorScheme.Light)
    {
        using var minted = await server.Client.PostEmptyAsync($"/api/v1/users/{user}/subscriber-token");
        var token = (await minted.ShouldHaveStatusAsync(200)).Str("token");
        var page = await chromium.NewPageAsync(server.BaseAddress, width, width < 500 ? 844 : 860, scheme);
        await page.GotoAsync($"/inbox/preferences-demo?user={user}&token={Uri.EscapeDataString(token)}&event_types={eventTypes}&channels=email,push,in_app");
        var preferences = page.Locator("herald-preferences");
        await Expect(preferences).ToHaveAttributeAsync("data-state", "ready");
        return (page, preferences);
    }

    [Fact]
    public async Task Render_UsersRulesAndDigestRule_SwitchesPerEventTypeAndChannelWithTheDigestChoice()
    {
        var (shipped, liked, user) = await ArrangeAsync();

        var (page, preferences) = await OpenAsync(user, $"{shipped},{liked}");

        await Expect(preferences.GetByRole(AriaRole.Heading, new() { Name = "Notification preferences" })).ToBeVisibleAsync();
        await Expect(preferences.GetByRole(AriaRole.Checkbox)).ToHaveCountAsync(2 * 3 + 1 + 1);
        await Expect(preferences.GetByRole(AriaRole.Checkbox, new() { Name = $"Email for {shipped}", Exact = true })).Not.ToBeCheckedAsync();
        foreach (var (eventType, channel) in new[] { (shipped, "Push"), (shipped, "In-app"), (liked, "Email"), (liked, "Push"), (liked, "In-app") })
        {
            await Expect(preferences.GetByRole(AriaRole.Checkbox, new() { Name = $"{channel} for {eventType}", Exact = true })).ToBeCheckedAsync();
        }

        // Only the event type a digest rule covers offers the choice; its rule batches, so it starts ticked.
        await Expect(preferences.GetByRole(AriaRole.Checkbox, new() { Name = $"Bundle {liked} into a digest" })).ToBeCheckedAsync();
        await Expect(preferences.GetByRole(AriaRole.Checkbox, new() { Name = $"Bundle {shipped} into a digest" })).ToHaveCountAsync(0);
        await Expect(preferences.GetByRole(AriaRole.Checkbox, new() { Name = "Hold notifications during quiet hours" })).Not.ToBeCheckedAsync();
        await Expect(preferences.GetByLabel("From")).ToBeDisabledAsync();
        chromium.PageErrors[page].ShouldBeEmpty();
    }

    [Fact]
    public async Task ToggleAndSave_WithTheKeyboard_TheApiHoldsTheChoicesAndOtherRulesStay()
    {
        var (shipped, liked, user) = await ArrangeAsync();
        var (page, preferences) = await OpenAsync(user, $"{shipped},{liked}");

        await preferences.GetByRole(AriaRole.Checkbox, new() { Name = $"Email for {shipped}", Exact = true }).FocusAsync();
        await page.Keyboard.PressAsync("Space");
        await preferences.GetByRole(AriaRole.Checkbox, new() { Name = $"Push for {liked}", Exact = true }).FocusAsync();
        await page.Keyboard.PressAsync("Space");
        await preferences.GetByRole(AriaRole.Checkbox, new() { Name = $"Bundle {liked} into a digest" }).FocusAsync();
        await page.Keyboard.PressAsync("Space");
        await preferences.GetByRole(AriaRole.Checkbox, new() { Name = "Hold notifications during quiet hours" }).FocusAsync();
        await page.Keyboard.PressAsync("Space");
        await preferences.GetByLabel("From").FillAsync("21:30");
        await preferences.GetByLabel("Until").FillAsync("06:45");
        await preferences.GetByLabel("Time zone").FillAsync("Europe/Paris");
        await preferences.GetByRole(AriaRole.Button, new() { Name = "Save preferences" }).FocusAsync();
        await page.Keyboard.PressAsync("Enter");

        await Expect(preferences).ToHaveAttributeAsync("data-state", "saved");
        await Expect(preferences.GetByRole(AriaRole.Status)).ToHaveTextAsync("Saved.");
        var rules = (await server.Client.GetJsonAsync($"/api/v1/users/{user}/preferences"))["rules"]!.AsArray();
        bool Enabled(string eventType, string channel) => rules.Single(r => r.Str("event_type") == eventType && r.Str("channel") == channel)!["enabled"]!.GetValue<bool>();
        Enabled(shipped, "email").ShouldBeTrue();
        Enabled(liked, "push").ShouldBeFalse();
        Enabled(liked, "email").ShouldBeTrue();
        rules.Single(r => r.Str("event_type") == liked && r.Str("channel") == "*")!["digest"]!.GetValue<bool>().ShouldBeFalse();
        rules.ShouldContain(r => r.Str("event_type") == "legacy.*" && !r!["enabled"]!.GetValue<bool>(), "a rule the component does not show is kept");
        foreach (var rule in rules.Where(r => r.Str("event_type") != "legacy.*"))
        {
            (rule!["quiet_hours"].Str("start"), rule["quiet_hours"].Str("end"), rule["quiet_hours"].Str("timezone")).ShouldBe(("21:30", "06:45", "Europe/Paris"));
        }

        // Opened again, it shows what was saved.
        var (again, reopened) = await OpenAsync(user, $"{shipped},{liked}");
        await Expect(reopened.GetByRole(AriaRole.Checkbox, new() { Name = $"Push for {liked}", Exact = true })).Not.ToBeCheckedAsync();
        await Expect(reopened.GetByRole(AriaRole.Checkbox, new() { Name = $"Bundle {liked} into a digest" })).Not.ToBeCheckedAsync();
        await Expect(reopened.GetByLabel("From")).ToHaveValueAsync("21:30");
        chromium.PageErrors[page].ShouldBeEmpty();
        chromium.PageErrors[again].ShouldBeEmpty();
    }

    [Fact]
    public async Task Strings_FrenchGivenAsAttributeAndProperty_EveryLabelTranslatedAndSavingStillWorks()
    {
        var (shipped, liked, user) = await ArrangeAsync();
        var (page, preferences) = await OpenAsync(user, $"{shipped},{liked}");
        var french = new JsonObject
        {
            ["heading"] = "Préférences de notification", ["toggle"] = "{channel} pour {event}", ["digest"] = "Regrouper {event} dans un résumé",
            ["channel:email"] = "E-mail", ["quietEnabled"] = "Suspendre pendant les heures calmes", ["save"] = "Enregistrer", ["saved"] = "Enregistré.",
            ["event:" + shipped] = "Commande expédiée",
        };

        await page.EvaluateAsync("s => document.querySelector('herald-preferences').setAttribute('strings', s)", french.ToJsonString());

        await Expect(preferences.GetByRole(AriaRole.Heading, new() { Name = "Préférences de notification" })).ToBeVisibleAsync();
        await Expect(preferences.GetByRole(AriaRole.Checkbox, new() { Name = "E-mail pour Commande expédiée" })).Not.ToBeCheckedAsync();
        await Expect(preferences.GetByRole(AriaRole.Checkbox, new() { Name = $"Regrouper {liked} dans un résumé" })).ToBeCheckedAsync();
        await Expect(preferences.GetByRole(AriaRole.Row, new() { Name = "Commande expédiée" })).ToHaveCountAsync(1);

        // The property wins over the attribute, key by key.
        await page.EvaluateAsync("() => { document.querySelector('herald-preferences').strings = { save: 'Sauvegarder' }; }");
        await preferences.GetByRole(AriaRole.Checkbox, new() { Name = "E-mail pour Commande expédiée" }).CheckAsync();
        await preferences.GetByRole(AriaRole.Button, new() { Name = "Sauvegarder" }).ClickAsync();

        await Expect(preferences.GetByRole(AriaRole.Status)).ToHaveTextAsync("Enregistré.");
        (await server.Client.GetJsonAsync($"/api/v1/users/{user}/preferences"))["rules"]!.AsArray()
            .Single(r => r.Str("event_type") == shipped && r.Str("channel") == "email")!["enabled"]!.GetValue<bool>().ShouldBeTrue();
        chromium.PageErrors[page].ShouldBeEmpty();
    }

    [Fact]
    public async Task Axe_LightDarkAndPhoneWidth_NoViolations()
    {
        var (shipped, liked, user) = await ArrangeAsync();
        var problems = new List<string>();
        foreach (var (scheme, width, suffix) in new[] { (ColorScheme.Light, 1280, ""), (ColorScheme.Dark, 1280, "-dark"), (ColorScheme.Light, 390, "-phone") })
        {
            var (page, preferences) = await OpenAsync(user, $"{shipped},{liked}", width, scheme);
            await preferences.GetByRole(AriaRole.Checkbox, new() { Name = "Hold notifications during quiet hours" }).CheckAsync();

            // Every impact, not only serious and critical, within the component.
            var found = await page.EvaluateAsync<JsonElement>("""
                async () => {
                  const r = await axe.run(document.querySelector('herald-preferences'), { resultTypes: ['violations'] });
                  return r.violations.map(v => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')}`);
                }
                """);
            problems.AddRange(found.EnumerateArray().Select(e => $"preferences{suffix}: {e.GetString()}"));
            problems.AddRange((await Chromium.SeriousViolationsAsync(page)).Select(v => $"preferences page{suffix}: {v}"));
            chromium.PageErrors[page].ShouldBeEmpty();
        }

        problems.ShouldBeEmpty();
    }
}
