using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Api;

public sealed partial class ApiReferenceTests(HeraldServerFixture server) : IClassFixture<HeraldServerFixture>
{
    [Fact]
    public async Task Docs_Anonymous_HtmlWhoseEveryUrlIsHeraldsOwnAndAnswers200()
    {
        using var anonymous = server.CreateClient();

        using var page = await anonymous.GetAsync("/docs");

        ((int)page.StatusCode).ShouldBe(200);
        page.Content.Headers.ContentType?.MediaType.ShouldBe("text/html");
        var html = await page.Content.ReadAsStringAsync();
        var urls = Attributes().Matches(html).Select(m => m.Groups["url"].Value)
            .Concat(Imports().Matches(html).Select(m => m.Groups["url"].Value)).Distinct().ToList();
        urls.ShouldContain("scalar.js");
        foreach (var url in urls)
        {
            var target = new Uri(page.RequestMessage!.RequestUri!, url);
            target.Authority.ShouldBe(server.BaseAddress.Authority, $"'{url}' is loaded from another origin");
            using var asset = await anonymous.GetAsync(target);
            ((int)asset.StatusCode).ShouldBe(200, url);
            (await asset.Content.ReadAsByteArrayAsync()).Length.ShouldBeGreaterThan(0, url);
        }
    }

    [Fact]
    public async Task Docs_Configuration_LoadsNoFontsAndCallsNoServiceOutsideHerald()
    {
        using var anonymous = server.CreateClient();

        var html = await anonymous.GetStringAsync("/docs/");

        var configuration = JsonNode.Parse(Configuration().Match(html).Groups["json"].Value)!;
        configuration["withDefaultFonts"]!.GetValue<bool>().ShouldBeFalse();
        configuration["telemetry"]!.GetValue<bool>().ShouldBeFalse();
        configuration["agent"]!["disabled"]!.GetValue<bool>().ShouldBeTrue();
        configuration["proxyUrl"].ShouldBeNull();
        configuration.ToJsonString().ShouldNotContain("http");
        var source = configuration["sources"]![0]!["url"]!.GetValue<string>();
        using var document = await anonymous.GetAsync(new Uri(server.BaseAddress, source));
        ((int)document.StatusCode).ShouldBe(200, source);
        (await document.ReadJsonAsync()).Str("openapi").ShouldStartWith("3.");
    }

    [GeneratedRegex("""(?:src|href)\s*=\s*["'](?<url>[^"']+)["']""")]
    private static partial Regex Attributes();

    [GeneratedRegex("""import\s[^;]*?from\s*["'](?<url>[^"']+)["']""")]
    private static partial Regex Imports();

    [GeneratedRegex("""initialize\(\s*'[^']*',\s*\w+,\s*(?<json>\{.*\}),\s*'""", RegexOptions.Singleline)]
    private static partial Regex Configuration();
}
