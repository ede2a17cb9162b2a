using System.Text.Json.Nodes;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Api;

/// <summary>Layouts and partials through the API: writes, checks, publish, preview and a send, each test in an environment of its own.</summary>
public abstract class TemplateLibraryEndpointsTests(HeraldServerFixture server)
{
    [Fact]
    public async Task Layouts_PutGetListDelete_RoundTrip()
    {
        using var env = await EnvironmentClientAsync("admin");

        using var created = await env.PutJsonAsync("/api/v1/layouts/default", new JsonObject { ["html"] = "<main>{{{body}}}</main>", ["description"] = "brand" });
        using var replaced = await env.PutJsonAsync("/api/v1/layouts/default", new JsonObject { ["html"] = "<div>{{{body}}}</div>", ["text"] = "{{body}}\n--" });

        (await created.ShouldHaveStatusAsync(201))["is_default"]!.GetValue<bool>().ShouldBeTrue();
        (await replaced.ShouldHaveStatusAsync(200)).Str("html").ShouldBe("<div>{{{body}}}</div>");
        (await env.GetJsonAsync("/api/v1/layouts/default")).Str("text").ShouldBe("{{body}}\n--");
        (await env.GetJsonAsync("/api/v1/layouts"))["layouts"]!.AsArray().Select(l => l.Str("layout_id")).ShouldBe(["default"]);
        using var deleted = await env.DeleteAsync(new Uri("/api/v1/layouts/default", UriKind.Relative));
        ((int)deleted.StatusCode).ShouldBe(204);
        using var gone = await env.GetAsync(new Uri("/api/v1/layouts/default", UriKind.Relative));
        await gone.ShouldBeProblemAsync(404, "not-found");
    }

    [Fact]
    public async Task PutLayout_WithoutBodyPlaceholder_Is400NamingHtml()
    {
        using var env = await EnvironmentClientAsync("admin");

        using var response = await env.PutJsonAsync("/api/v1/layouts/plain", new JsonObject { ["html"] = "<main>{{body}}</main>" });

        (await response.ShouldBeProblemAsync(400, "validation", "html")).ErrorFor("html").ShouldContain("{{{body}}}");
    }

    [Fact]
    public async Task PutPartial_IncludingItselfThroughAnother_Is422PartialCycle()
    {
        using var env = await EnvironmentClientAsync("admin");
        await PutPartialAsync(env, "a", "A");
        await PutPartialAsync(env, "b", "B {{> a}}");

        using var response = await env.PutJsonAsync("/api/v1/partials/a", new JsonObject { ["source"] = "A {{> b}}" });

        await response.ShouldBeProblemAsync(422, "partial-cycle", "source");
        (await env.GetJsonAsync("/api/v1/partials/a")).Str("source").ShouldBe("A");
    }

    [Fact]
    public async Task PutPartial_NamingAnUnknownPartial_Is422()
    {
        using var env = await EnvironmentClientAsync("admin");

        using var response = await env.PutJsonAsync("/api/v1/partials/footer", new JsonObject { ["source"] = "{{> missing}}" });

        (await response.ShouldBeProblemAsync(422, "unknown-partial", "source")).ErrorFor("source").ShouldContain("'missing'");
    }

    [Fact]
    public async Task Scopes_ContentReadReadsButCannotWrite_TemplatesWriteWrites()
    {
        using var admin = await EnvironmentClientAsync("admin");
        await PutPartialAsync(admin, "sig", "-- ACME");
        using var reader = await KeyInSameEnvironmentAsync(admin, "content:read");
        using var writer = await KeyInSameEnvironmentAsync(admin, "templates:write");

        (await reader.GetJsonAsync("/api/v1/partials"))["partials"]!.AsArray().Select(p => p.Str("name")).ShouldBe(["sig"]);
        using var refused = await reader.PutJsonAsync("/api/v1/partials/sig", new JsonObject { ["source"] = "x" });
        await refused.ShouldBeProblemAsync(403, "forbidden");
        using var written = await writer.PutJsonAsync("/api/v1/partials/sig", new JsonObject { ["source"] = "-- Team" });
        await written.ShouldHaveStatusAsync(200);
    }

    [Fact]
    public async Task Publish_TemplateNamingUnknownPartialOrLayout_Is422UntilTheyExist()
    {
        using var env = await EnvironmentClientAsync("admin");
        var id = HeraldServerFixture.NewId("tpl");
        var version = await CreateAsync(env, id, new JsonObject { ["subject"] = "Hi", ["html"] = "<p>Hi</p>{{> footer}}" }, layout: "promo");

        using var noPartial = await env.PostEmptyAsync($"/api/v1/templates/{id}/versions/{version}/publish");
        (await noPartial.ShouldBeProblemAsync(422, "unknown-partial", "channels.email.html")).ErrorFor("channels.email.html").ShouldContain("'footer'");
        await PutPartialAsync(env, "footer", "<footer>ACME</footer>");
        using var noLayout = await env.PostEmptyAsync($"/api/v1/templates/{id}/versions/{version}/publish");
        await noLayout.ShouldBeProblemAsync(422, "unknown-layout", "layout");
        await PutLayoutAsync(env, "promo", "<div class=\"promo\">{{{body}}}</div>");
        using var published = await env.PostEmptyAsync($"/api/v1/templates/{id}/versions/{version}/publish");

        (await published.ShouldHaveStatusAsync(200)).Str("status").ShouldBe("published");
    }

    [Fact]
    public async Task Preview_Draft_ShowsTheEmailInItsLayoutWithPartialsAndRecipientFormats()
    {
        using var env = await EnvironmentClientAsync("admin");
        await PutPartialAsync(env, "header", "<h1>ACME</h1>");
        await PutLayoutAsync(env, "default", "<html><body>{{> header}}{{{body}}}</body></html>");
        var draft = new JsonObject
        {
            ["channels"] = new JsonObject { ["email"] = new JsonObject { ["subject"] = "Total", ["html"] = "<p>{{formatCurrency total \"EUR\"}} on {{formatDate at \"dd.MM.yyyy HH:mm\"}}</p>" } },
        };

        using var response = await env.PostJsonAsync($"/api/v1/templates/{HeraldServerFixture.NewId("tpl")}/preview", new JsonObject
        {
            ["definition"] = draft, ["locale"] = "de-DE", ["time_zone"] = "Europe/Berlin",
            ["data"] = new JsonObject { ["total"] = 1234.5, ["at"] = "2026-12-24T23:30:00Z" },
        });

        var email = (await response.ShouldHaveStatusAsync(200))["channels"]!["email"]!;
        email.Str("html").Replace('\u00a0', ' ').ShouldBe("<html><body><h1>ACME</h1><p>1.234,50 € on 25.12.2026 00:30</p></body></html>");
        email.Str("text").Replace('\u00a0', ' ').ShouldBe("ACME\n\n1.234,50 € on 25.12.2026 00:30");
    }

    [Fact]
    public async Task Preview_DraftOptingOutOfLayout_IsUnwrapped()
    {
        using var env = await EnvironmentClientAsync("admin");
        await PutLayoutAsync(env, "default", "<div>{{{body}}}</div>");
        var draft = new JsonObject { ["layout"] = null, ["channels"] = new JsonObject { ["email"] = new JsonObject { ["subject"] = "S", ["html"] = "<p>x</p>" } } };

        using var response = await env.PostJsonAsync($"/api/v1/templates/{HeraldServerFixture.NewId("tpl")}/preview", new JsonObject { ["definition"] = draft });

        (await response.ShouldHaveStatusAsync(200))["channels"]!["email"].Str("html").ShouldBe("<p>x</p>");
    }

    [Fact]
    public async Task Send_Email_IsWrappedInItsEnvironmentsLayoutOnly()
    {
        using var a = await EnvironmentClientAsync("admin");
        using var b = await EnvironmentClientAsync("admin");
        await PutPartialAsync(a, "sig", "<p>Team A</p>");
        await PutLayoutAsync(a, "default", "<div class=\"a\">{{{body}}}{{> sig}}</div>");
        await PutPartialAsync(b, "sig", "<p>Team B</p>");
        var id = HeraldServerFixture.NewId("tpl");

        var inA = await SendEmailAsync(a, id);
        var inB = await SendEmailAsync(b, id);

        inA.Str("html").ShouldBe("<div class=\"a\"><p>Hi Ada</p><p>Team A</p></div>");
        inA.Str("text").ShouldBe("Hi Ada\n\nTeam A");
        inB.Str("html").ShouldBe("<p>Hi Ada</p>");
    }

    /// <summary>Creates and publishes an email template in the client's environment, sends it to a new user there and returns the captured message.</summary>
    private static async Task<JsonNode> SendEmailAsync(HttpClient env, string id)
    {
        var version = await CreateAsync(env, id, new JsonObject { ["subject"] = "Hi", ["html"] = "<p>Hi {{name}}</p>" });
        using (var published = await env.PostEmptyAsync($"/api/v1/templates/{id}/versions/{version}/publish"))
        {
            await published.ShouldHaveStatusAsync(200);
        }

        var user = HeraldServerFixture.NewId("user");
        using (var put = await env.PutJsonAsync($"/api/v1/users/{user}", new JsonObject { ["email"] = "ada@example.com" }))
        {
            await put.ShouldHaveStatusAsync(200);
        }

        using (var sent = await env.PostJsonAsync("/api/v1/notifications", new JsonObject { ["event_type"] = id, ["recipient_id"] = user, ["data"] = new JsonObject { ["name"] = "Ada" } }))
        {
            await sent.ShouldHaveStatusAsync(202);
        }

        JsonNode? message = null;
        await Polling.WaitUntilAsync(async () =>
        {
            message = (await env.GetJsonAsync($"/api/v1/outbox?channel=email&recipient_id={user}"))["messages"]!.AsArray().FirstOrDefault()?["message"];
            return message is not null;
        }, TimeSpan.FromSeconds(30), "the email was not captured");
        return message!;
    }

    private static async Task<int> CreateAsync(HttpClient env, string id, JsonObject email, string? layout = null)
    {
        var body = new JsonObject { ["template_id"] = id, ["channels"] = new JsonObject { ["email"] = email } };
        if (layout is not null)
        {
            body["layout"] = layout;
        }

        using var created = await env.PostJsonAsync("/api/v1/templates", body);
        return (await created.ShouldHaveStatusAsync(201))["version"]!.GetValue<int>();
    }

    private static async Task PutLayoutAsync(HttpClient env, string id, string html)
    {
        using var response = await env.PutJsonAsync($"/api/v1/layouts/{id}", new JsonObject { ["html"] = html });
        await response.ShouldHaveStatusAsync(201);
    }

    private static async Task PutPartialAsync(HttpClient env, string name, string source)
    {
        using var response = await env.PutJsonAsync($"/api/v1/partials/{name}", new JsonObject { ["source"] = source });
        await response.ShouldHaveStatusAsync(201);
    }

    /// <summary>A key of <paramref name="scope"/> in a new environment of a new app: nothing another test writes is there.</summary>
    private async Task<HttpClient> EnvironmentClientAsync(string scope)
    {
        using var app = await server.Client.PostJsonAsync("/api/v1/apps", new JsonObject { ["name"] = HeraldServerFixture.NewId("app") });
        var appId = (await app.ShouldHaveStatusAsync(201)).Str("id");
        using var environment = await server.Client.PostJsonAsync("/api/v1/environments", new JsonObject { ["app_id"] = appId, ["name"] = "tpl" });
        var environmentId = (await environment.ShouldHaveStatusAsync(201)).Str("id");
        return await KeyAsync(environmentId, scope);
    }

    private async Task<HttpClient> KeyInSameEnvironmentAsync(HttpClient admin, string scope) =>
        await KeyAsync((await admin.GetJsonAsync("/api/v1/me")).Str("environment"), scope);

    private async Task<HttpClient> KeyAsync(string environmentId, string scope)
    {
        using var key = await server.Client.PostJsonAsync("/api/v1/keys", new JsonObject { ["name"] = "tpl", ["scopes"] = new JsonArray(scope), ["environment"] = environmentId });
        return server.CreateClient((await key.ShouldHaveStatusAsync(201)).Str("secret"));
    }
}

public sealed class TemplateLibraryEndpointsSqliteTests(HeraldServerFixture server) : TemplateLibraryEndpointsTests(server), IClassFixture<HeraldServerFixture>;

public sealed class TemplateLibraryEndpointsPostgresTests(PostgresKeysServerFixture server) : TemplateLibraryEndpointsTests(server), IClassFixture<PostgresKeysServerFixture>;
