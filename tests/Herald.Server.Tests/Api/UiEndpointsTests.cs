using System.Net;
using System.Text.RegularExpressions;
using Herald.Server.Api;
using Herald.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace Herald.Server.Tests.Api;

/// <summary>Herald as it runs when deployed: the Production environment, no settings about the UI.</summary>
public sealed class ProductionServerFixture : HeraldServerFixture
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?> { ["environment"] = "Production" };
}

public sealed partial class UiEndpointsTests(ProductionServerFixture server) : IClassFixture<ProductionServerFixture>
{
    [Fact]
    public async Task DashboardModules_EveryModuleTheEntryImports_IsServedAsJavaScriptAndEveryEmbeddedModuleIsImported()
    {
        using var anonymous = server.CreateClient();
        var served = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Queue<string>(["/dashboard/app.js"]);

        // The module graph as the browser walks it: each static import, resolved against the importing module's URL.
        while (pending.TryDequeue(out var path))
        {
            if (!served.Add(path))
            {
                continue;
            }

            using var response = await anonymous.GetAsync(new Uri(path, UriKind.Relative));
            response.StatusCode.ShouldBe(HttpStatusCode.OK, path);
            response.Content.Headers.ContentType!.MediaType.ShouldBe("text/javascript", path);
            response.Headers.ETag.ShouldNotBeNull(path);
            response.Headers.CacheControl!.NoCache.ShouldBeTrue(path);
            response.Headers.GetValues("X-Content-Type-Options").ShouldBe(["nosniff"], path);
            foreach (Match import in ImportPattern().Matches(await response.Content.ReadAsStringAsync()))
            {
                pending.Enqueue(new Uri(new Uri("http://herald" + path), import.Groups["path"].Value).AbsolutePath);
            }
        }

        var embedded = typeof(UiEndpoints).Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith("ui/dashboard/", StringComparison.Ordinal) && n.EndsWith(".js", StringComparison.Ordinal))
            .Select(n => "/" + n["ui/".Length..]);
        served.Order(StringComparer.Ordinal).ShouldBe(embedded.Order(StringComparer.Ordinal));
        served.ShouldContain("/dashboard/pages/notifications.js");
    }

    [GeneratedRegex(@"^(?:import|export)\s[^;]*?\bfrom\s+'(?<path>\.{1,2}/[^']+)'|^import\s+'(?<path>\.{1,2}/[^']+)'", RegexOptions.Multiline)]
    private static partial Regex ImportPattern();

    [Fact]
    public async Task InboxDemo_ProductionEnvironment_Returns404AndTheComponentStaysServed()
    {
        using var anonymous = server.CreateClient();

        using var demo = await anonymous.GetAsync(new Uri("/inbox/demo", UriKind.Relative));
        using var demoScript = await anonymous.GetAsync(new Uri("/inbox/demo.js", UriKind.Relative));
        using var component = await anonymous.GetAsync(new Uri("/inbox/herald-inbox.js", UriKind.Relative));

        demo.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        demoScript.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        component.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task PreferencesComponent_ProductionEnvironment_ServedToAnyOriginAndItsDemoIs404()
    {
        using var anonymous = server.CreateClient();

        using var demo = await anonymous.GetAsync(new Uri("/inbox/preferences-demo", UriKind.Relative));
        using var demoScript = await anonymous.GetAsync(new Uri("/inbox/preferences-demo.js", UriKind.Relative));
        using var component = await anonymous.GetAsync(new Uri("/inbox/herald-preferences.js", UriKind.Relative));

        demo.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        demoScript.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        component.StatusCode.ShouldBe(HttpStatusCode.OK);
        component.Content.Headers.ContentType!.MediaType.ShouldBe("text/javascript");
        component.Headers.GetValues("Access-Control-Allow-Origin").ShouldBe(["*"]);
        (await component.Content.ReadAsStringAsync()).ShouldContain("customElements.define('herald-preferences'");
    }

    [Fact]
    public void AddTransportSecurity_HttpsRequest_SetsStrictTransportSecurity()
    {
        var http = new DefaultHttpContext();
        http.Request.Scheme = "https";

        UiEndpoints.AddTransportSecurity(http);

        http.Response.Headers.StrictTransportSecurity.ToString().ShouldBe("max-age=31536000");
    }

    [Fact]
    public void AddTransportSecurity_PlainHttpRequest_LeavesTheHeaderOut()
    {
        var http = new DefaultHttpContext();
        http.Request.Scheme = "http";

        UiEndpoints.AddTransportSecurity(http);

        http.Response.Headers.ContainsKey("Strict-Transport-Security").ShouldBeFalse();
    }

    [Fact]
    public async Task Dashboard_PlainHttp_HasNoStrictTransportSecurity()
    {
        using var anonymous = server.CreateClient();

        using var index = await anonymous.GetAsync(new Uri("/dashboard/", UriKind.Relative));

        index.StatusCode.ShouldBe(HttpStatusCode.OK);
        index.Headers.Contains("Strict-Transport-Security").ShouldBeFalse();
    }
}
