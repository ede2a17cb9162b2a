using System.Text.Json;
using Microsoft.Playwright;

namespace Herald.Browser.Tests.Infrastructure;

/// <summary>
/// Debian's Chromium (<c>/usr/bin/chromium</c>, installed by scripts/test) driven by Playwright; never a downloaded browser.
/// One browser for the whole run; each test gets its own context (cookies, storage) and page.
/// </summary>
public sealed class Chromium : IAsyncLifetime
{
    public const string ExecutablePath = "/usr/bin/chromium";

    private IPlaywright? playwright;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>axe-core's source (from npm, fetched by scripts/test), injected into every page by <see cref="NewPageAsync"/>.</summary>
    public static string AxeSource
    {
        get
        {
            var path = Environment.GetEnvironmentVariable("HERALD_TEST_AXE");
            if (string.IsNullOrEmpty(path) || !File.Exists(path))
            {
                throw new InvalidOperationException("HERALD_TEST_AXE must name axe-core's axe.min.js (scripts/test installs it from npm)");
            }

            return File.ReadAllText(path);
        }
    }

    public async Task InitializeAsync()
    {
        File.Exists(ExecutablePath).ShouldBeTrue($"{ExecutablePath} is missing: scripts/test installs Debian's chromium package");
        playwright = await Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        playwright?.Dispose();
    }

    /// <summary>A page in a fresh context on <paramref name="baseUrl"/>, with axe-core available as <c>window.axe</c> in every document.</summary>
    public async Task<IPage> NewPageAsync(Uri baseUrl, int width = 1280, int height = 860, ColorScheme scheme = ColorScheme.Light)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseUrl.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
            ColorScheme = scheme,
            Locale = "en-GB",
            TimezoneId = "UTC",
        });
        // An init script runs before the page's own scripts and is not subject to the page's content security policy,
        // so the pages are tested under their real, strict policy.
        await context.AddInitScriptAsync(AxeSource);
        context.SetDefaultTimeout(10_000);
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        page.Console += (_, m) =>
        {
            // Script errors count; the browser's own line for an HTTP error answer (a refused key, a 404 the page handles) does not.
            if (m.Type == "error" && !m.Text.StartsWith("Failed to load resource", StringComparison.Ordinal))
            {
                errors.Add(m.Text);
            }
        };
        PageErrors[page] = errors;
        return page;
    }

    /// <summary>Script errors and console errors each page reported (a page under a strict CSP reports blocked inline code here).</summary>
    public Dictionary<IPage, List<string>> PageErrors { get; } = [];

    /// <summary>axe-core's serious and critical violations on the page as it is now (open shadow roots included).</summary>
    public static async Task<IReadOnlyList<string>> SeriousViolationsAsync(IPage page)
    {
        var found = await page.EvaluateAsync<JsonElement>("""
            async () => {
              const r = await axe.run(document, { resultTypes: ['violations'] });
              return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')}`);
            }
            """);
        return [.. found.EnumerateArray().Select(e => e.GetString()!)];
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserGroup : ICollectionFixture<Chromium>
{
    public const string Name = "browser";
}
