using System.Text.Json.Nodes;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Api;

public sealed class TemplatesEndpointsTests(HeraldServerFixture server) : IClassFixture<HeraldServerFixture>
{
    private HttpClient Client => server.Client;

    private static JsonObject Request(string templateId, string title = "Hi {{name}}") => new()
    {
        ["template_id"] = templateId,
        ["description"] = "welcome",
        ["variables"] = new JsonArray("name"),
        ["channels"] = new JsonObject
        {
            ["in_app"] = new JsonObject { ["title"] = title },
            ["email"] = new JsonObject { ["subject"] = "Welcome {{name}}", ["html"] = "<p>Hello {{name}}</p>", ["text"] = "Hello {{name}}" },
        },
    };

    [Fact]
    public async Task Create_TwiceSameId_CreatesDraftVersions1And2()
    {
        var id = HeraldServerFixture.NewId("tpl");

        using var first = await Client.PostJsonAsync("/api/v1/templates", Request(id));
        using var second = await Client.PostJsonAsync("/api/v1/templates", Request(id, "Second {{name}}"));

        var one = await first.ShouldHaveStatusAsync(201);
        one.Str("template_id").ShouldBe(id);
        one["version"]!.GetValue<int>().ShouldBe(1);
        one.Str("status").ShouldBe("draft");
        first.Headers.Location!.ToString().ShouldBe($"/api/v1/templates/{id}");
        var two = await second.ShouldHaveStatusAsync(201);
        two["version"]!.GetValue<int>().ShouldBe(2);
        two.Str("status").ShouldBe("draft");
    }

    [Fact]
    public async Task Publish_DraftVersion_ReturnsPublishedVersionAndGetShowsIt()
    {
        var id = HeraldServerFixture.NewId("tpl");
        using (var c1 = await Client.PostJsonAsync("/api/v1/templates", Request(id)))
        {
            await c1.ShouldHaveStatusAsync(201);
        }

        using (var c2 = await Client.PostJsonAsync("/api/v1/templates", Request(id, "v2 {{name}}")))
        {
            await c2.ShouldHaveStatusAsync(201);
        }

        using var publish = await Client.PostEmptyAsync($"/api/v1/templates/{id}/versions/1/publish");

        var published = await publish.ShouldHaveStatusAsync(200);
        published.Str("template_id").ShouldBe(id);
        published["version"]!.GetValue<int>().ShouldBe(1);
        published.Str("status").ShouldBe("published");
        published.Str("published_at").ShouldNotBeNullOrEmpty();

        var detail = await Client.GetJsonAsync($"/api/v1/templates/{id}");
        detail.Str("template_id").ShouldBe(id);
        detail["latest_version"]!.GetValue<int>().ShouldBe(2);
        detail["published_version"]!.GetValue<int>().ShouldBe(1);
        var versions = detail["versions"]!.AsArray();
        versions.Select(v => v!["version"]!.GetValue<int>()).ShouldBe([1, 2]);
        versions.Select(v => v.Str("status")).ShouldBe(["published", "draft"]);
        versions[0]!.Str("description").ShouldBe("welcome");
        versions[1]!["definition"]!["channels"]!["in_app"].Str("title").ShouldBe("v2 {{name}}");
        versions[0]!["definition"]!["variables"]!.AsArray().Select(v => v!.GetValue<string>()).ShouldBe(["name"]);
    }

    [Fact]
    public async Task List_AfterCreate_IncludesLatestVersionOfTemplate()
    {
        var id = HeraldServerFixture.NewId("tpl");
        await server.CreateTemplateAsync(id, new JsonObject { ["sms"] = new JsonObject { ["body"] = "one" } }, publish: false);
        await server.CreateTemplateAsync(id, new JsonObject { ["sms"] = new JsonObject { ["body"] = "two" } }, publish: false);

        var list = (await Client.GetJsonAsync("/api/v1/templates"))["templates"]!.AsArray();

        var entry = list.Where(t => t.Str("template_id") == id).ShouldHaveSingleItem()!;
        entry["version"]!.GetValue<int>().ShouldBe(2);
        entry.Str("status").ShouldBe("draft");
        entry["definition"].ShouldBeNull();
    }

    [Fact]
    public async Task Get_UnknownTemplate_Returns404Problem()
    {
        using var response = await Client.GetAsync("/api/v1/templates/no-such-template");

        (await response.ShouldBeProblemAsync(404, "not-found")).Detail().ShouldContain("no-such-template");
    }

    [Fact]
    public async Task Publish_UnknownVersion_Returns404Problem()
    {
        var id = HeraldServerFixture.NewId("tpl");
        await server.CreateTemplateAsync(id, new JsonObject { ["sms"] = new JsonObject { ["body"] = "x" } }, publish: false);

        using var response = await Client.PostEmptyAsync($"/api/v1/templates/{id}/versions/7/publish");

        (await response.ShouldBeProblemAsync(404, "not-found")).Detail().ShouldContain("v7");
    }

    [Fact]
    public async Task Create_ChannelMissingRequiredPart_Returns400NamingThePart()
    {
        var id = HeraldServerFixture.NewId("tpl");

        using var response = await Client.PostJsonAsync("/api/v1/templates", new JsonObject
        {
            ["template_id"] = id, ["channels"] = new JsonObject { ["push"] = new JsonObject { ["title"] = "no body" } },
        });

        await response.ShouldBeProblemAsync(400, "validation", "channels.push.body");
        using var get = await Client.GetAsync($"/api/v1/templates/{id}");
        await get.ShouldBeProblemAsync(404, "not-found");
    }

    [Fact]
    public async Task Create_WithDedup_StoredInTheDocumentAndShownOnEveryVersion()
    {
        var id = HeraldServerFixture.NewId("tpl");
        var request = Request(id);
        request["dedup"] = new JsonObject { ["window"] = "PT1H", ["urgent"] = true };

        using var created = await Client.PostJsonAsync("/api/v1/templates", request);
        await created.ShouldHaveStatusAsync(201);

        var version = (await Client.GetJsonAsync($"/api/v1/templates/{id}"))["versions"]![0]!;
        version["dedup"]!.Str("window").ShouldBe("PT1H");
        version["dedup"]!["urgent"]!.GetValue<bool>().ShouldBeTrue();
        version["definition"]!["dedup"]!.ToJsonString().ShouldBe("{\"window\":\"PT1H\",\"urgent\":true}");
        var listed = (await Client.GetJsonAsync("/api/v1/templates"))["templates"]!.AsArray().Single(t => t!.Str("template_id") == id)!;
        listed["dedup"]!.Str("window").ShouldBe("PT1H");
    }

    [Fact]
    public async Task Create_WithoutDedup_NoDedupShown()
    {
        var id = HeraldServerFixture.NewId("tpl");
        using var created = await Client.PostJsonAsync("/api/v1/templates", Request(id));
        await created.ShouldHaveStatusAsync(201);

        var version = (await Client.GetJsonAsync($"/api/v1/templates/{id}"))["versions"]![0]!;

        version["dedup"].ShouldBeNull();
        version["definition"]!["dedup"].ShouldBeNull();
    }

    [Theory]
    [InlineData("P2D")]
    [InlineData("-PT1M")]
    [InlineData("an hour")]
    public async Task Create_DedupWindowOutOfRange_Returns400NamingDedupWindow(string window)
    {
        var id = HeraldServerFixture.NewId("tpl");
        var request = Request(id);
        request["dedup"] = new JsonObject { ["window"] = window };

        using var response = await Client.PostJsonAsync("/api/v1/templates", request);

        (await response.ShouldBeProblemAsync(400, "validation", "dedup.window")).Detail().ShouldContain("PT0S (off) to P1D");
    }

    [Fact]
    public async Task OpenApi_TemplateSchemas_DocumentDedupAndFallback()
    {
        using var anonymous = server.CreateClient();

        var schemas = (await anonymous.GetJsonAsync("/openapi/v1.json"))["components"]!["schemas"]!;

        schemas["TemplateRequest"]!["properties"]!["dedup"].ShouldNotBeNull();
        schemas["TemplateVersionResponse"]!["properties"]!["dedup"].ShouldNotBeNull();
        schemas["TemplateRequest"]!["properties"]!["fallback"].ShouldNotBeNull();
        schemas["TemplateVersionResponse"]!["properties"]!["fallback"].ShouldNotBeNull();
        var dedup = schemas["TemplateDedupDto"]!["properties"]!;
        dedup["window"].ShouldNotBeNull();
        dedup["urgent"].ShouldNotBeNull();
    }

    [Fact]
    public async Task Preview_EmailWithHtmlInData_EscapesHtmlPartButNotTextPart()
    {
        var id = HeraldServerFixture.NewId("tpl");
        await server.CreateTemplateAsync(id, Request(id)["channels"]!.DeepClone().AsObject(), ["name"], publish: false);

        using var response = await Client.PostJsonAsync($"/api/v1/templates/{id}/preview", new JsonObject
        {
            ["channel"] = "email", ["data"] = new JsonObject { ["name"] = "<b>Tom & Jerry</b>" },
        });

        var body = await response.ShouldHaveStatusAsync(200);
        body.Str("template_id").ShouldBe(id);
        body["version"]!.GetValue<int>().ShouldBe(1);
        var email = body["channels"]!["email"]!;
        email.Str("subject").ShouldBe("Welcome <b>Tom & Jerry</b>");
        email.Str("html").ShouldBe("<p>Hello &lt;b&gt;Tom &amp; Jerry&lt;/b&gt;</p>");
        email.Str("text").ShouldBe("Hello <b>Tom & Jerry</b>");
        body["channels"]!.AsObject().Count.ShouldBe(1);
    }

    [Fact]
    public async Task Preview_NoChannel_RendersEveryChannelOfLatestVersion()
    {
        var id = HeraldServerFixture.NewId("tpl");
        await server.CreateTemplateAsync(id, Request(id)["channels"]!.DeepClone().AsObject(), ["name"]);
        await server.CreateTemplateAsync(id, Request(id, "Draft {{name}}")["channels"]!.DeepClone().AsObject(), ["name"], publish: false);

        using var response = await Client.PostJsonAsync($"/api/v1/templates/{id}/preview", new JsonObject { ["data"] = new JsonObject { ["name"] = "Bo" } });

        var body = await response.ShouldHaveStatusAsync(200);
        body["version"]!.GetValue<int>().ShouldBe(2);
        body["channels"]!["in_app"].Str("title").ShouldBe("Draft Bo");
        body["channels"]!["email"].Str("text").ShouldBe("Hello Bo");
    }

    [Fact]
    public async Task Preview_MissingVariable_Returns422NamingTheVariable()
    {
        var id = HeraldServerFixture.NewId("tpl");
        await server.CreateTemplateAsync(id, new JsonObject { ["sms"] = new JsonObject { ["body"] = "Code {{code}}" } }, ["code"], publish: false);

        using var response = await Client.PostJsonAsync($"/api/v1/templates/{id}/preview", new JsonObject { ["data"] = new JsonObject() });

        var problem = await response.ShouldBeProblemAsync(422, "missing-template-variable", "code");
        problem.ErrorFor("code").ShouldContain("code");
    }

    [Fact]
    public async Task Preview_LocaleFrCa_FallsBackToFrParts()
    {
        var id = HeraldServerFixture.NewId("tpl");
        await server.CreateTemplateAsync(id, new JsonObject { ["in_app"] = new JsonObject { ["title"] = "Hello {{name}}" } }, ["name"],
            new JsonObject { ["fr"] = new JsonObject { ["in_app"] = new JsonObject { ["title"] = "Bonjour {{name}}" } } }, publish: false);

        using var response = await Client.PostJsonAsync($"/api/v1/templates/{id}/preview", new JsonObject
        {
            ["locale"] = "fr-CA", ["data"] = new JsonObject { ["name"] = "Zoé" },
        });

        var body = await response.ShouldHaveStatusAsync(200);
        body.Str("locale").ShouldBe("fr-CA");
        body["channels"]!["in_app"].Str("title").ShouldBe("Bonjour Zoé");
    }

    [Fact]
    public async Task Preview_ChannelNotInTemplate_Returns422ChannelNotInTemplate()
    {
        var id = HeraldServerFixture.NewId("tpl");
        await server.CreateTemplateAsync(id, new JsonObject { ["in_app"] = new JsonObject { ["title"] = "only in-app" } }, publish: false);

        using var response = await Client.PostJsonAsync($"/api/v1/templates/{id}/preview", new JsonObject { ["channel"] = "sms", ["data"] = new JsonObject() });

        await response.ShouldBeProblemAsync(422, "channel-not-in-template", "channel");
    }

    [Fact]
    public async Task Preview_UnknownChannel_Returns400NamingChannel()
    {
        var id = HeraldServerFixture.NewId("tpl");
        await server.CreateTemplateAsync(id, new JsonObject { ["in_app"] = new JsonObject { ["title"] = "x" } }, publish: false);

        using var response = await Client.PostJsonAsync($"/api/v1/templates/{id}/preview", new JsonObject { ["channel"] = "fax", ["data"] = new JsonObject() });

        await response.ShouldBeProblemAsync(400, "validation", "channel");
    }

    [Fact]
    public async Task Preview_UnknownTemplate_Returns404Problem()
    {
        using var response = await Client.PostJsonAsync("/api/v1/templates/no-such-template/preview", new JsonObject { ["data"] = new JsonObject() });

        await response.ShouldBeProblemAsync(404, "not-found");
    }

    [Fact]
    public async Task Send_OnlyDraftVersion_Returns422TemplateNotPublishedAndStoresNothing()
    {
        var id = HeraldServerFixture.NewId("tpl");
        await server.CreateTemplateAsync(id, new JsonObject { ["in_app"] = new JsonObject { ["title"] = "draft" } }, publish: false);
        var user = HeraldServerFixture.NewId("user");

        using var response = await Client.PostJsonAsync("/api/v1/notifications", new JsonObject { ["event_type"] = id, ["recipient_id"] = user });

        var problem = await response.ShouldBeProblemAsync(422, "template-not-published", "template_id");
        problem.ErrorFor("template_id").ShouldContain("no published version");
        (await server.ListNotificationsAsync(user)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Send_MissingVariable_Returns422WithDataFieldAndStoresNothing()
    {
        var id = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(id);
        var user = HeraldServerFixture.NewId("user");

        using var response = await Client.PostJsonAsync("/api/v1/notifications", new JsonObject
        {
            ["event_type"] = id, ["recipient_id"] = user, ["data"] = new JsonObject { ["other"] = 1 },
        });

        var problem = await response.ShouldBeProblemAsync(422, "missing-template-variable", "data.name");
        problem.ErrorFor("data.name").ShouldContain("'name'");
        (await server.ListNotificationsAsync(user)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Send_UnknownTemplate_Returns404ProblemNamingTemplateId()
    {
        var user = HeraldServerFixture.NewId("user");

        using var response = await Client.PostJsonAsync("/api/v1/notifications", new JsonObject
        {
            ["event_type"] = "order.shipped", ["recipient_id"] = user, ["template_id"] = HeraldServerFixture.NewId("missing"),
        });

        await response.ShouldBeProblemAsync(404, "unknown-template", "template_id");
        (await server.ListNotificationsAsync(user)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Send_UnknownTemplateVersion_Returns404ProblemNamingTemplateVersion()
    {
        var id = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(id);
        var user = HeraldServerFixture.NewId("user");

        using var response = await Client.PostJsonAsync("/api/v1/notifications", new JsonObject
        {
            ["event_type"] = id, ["recipient_id"] = user, ["template_version"] = 9, ["data"] = new JsonObject { ["name"] = "x" },
        });

        await response.ShouldBeProblemAsync(404, "unknown-template-version", "template_version");
        (await server.ListNotificationsAsync(user)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Send_ExplicitTemplateVersion_RendersThatVersionNotTheLatest()
    {
        var id = HeraldServerFixture.NewId("tpl");
        await server.CreateTemplateAsync(id, new JsonObject { ["in_app"] = new JsonObject { ["title"] = "v1 {{name}}" } }, ["name"]);
        await server.CreateTemplateAsync(id, new JsonObject { ["in_app"] = new JsonObject { ["title"] = "v2 {{name}}" } }, ["name"]);
        var user = HeraldServerFixture.NewId("user");

        var pinned = await server.SendAsync(new JsonObject
        {
            ["event_type"] = "account.welcome", ["template_id"] = id, ["template_version"] = 1, ["recipient_id"] = user, ["data"] = new JsonObject { ["name"] = "A" },
        });
        var latest = await server.SendAsync(new JsonObject
        {
            ["event_type"] = "account.welcome", ["template_id"] = id, ["recipient_id"] = user, ["data"] = new JsonObject { ["name"] = "A" },
        });
        var pinnedDetail = await server.WaitForCompletedAsync(pinned);
        await server.WaitForCompletedAsync(latest);

        pinnedDetail["template_version"]!.GetValue<int>().ShouldBe(1);
        var feed = (await server.GetFeedAsync(user))["notifications"]!.AsArray();
        feed.Single(i => i.Str("notification_id") == pinned)!.Str("title").ShouldBe("v1 A");
        feed.Single(i => i.Str("notification_id") == latest)!.Str("title").ShouldBe("v2 A");
    }

    [Fact]
    public async Task Send_AfterNewVersionPublished_UsesItAndPinsEachNotificationToItsVersion()
    {
        var id = HeraldServerFixture.NewId("tpl");
        var user = HeraldServerFixture.NewId("user");
        var request = () => new JsonObject { ["event_type"] = "account.welcome", ["template_id"] = id, ["recipient_id"] = user, ["data"] = new JsonObject { ["name"] = "A" } };
        await server.CreateTemplateAsync(id, new JsonObject { ["in_app"] = new JsonObject { ["title"] = "v1 {{name}}" } }, ["name"]);
        var first = await server.SendAsync(request());
        await server.WaitForCompletedAsync(first);

        // The first send cached v1 as the latest; publishing v2 must invalidate that.
        await server.CreateTemplateAsync(id, new JsonObject { ["in_app"] = new JsonObject { ["title"] = "v2 {{name}}" } }, ["name"]);
        var second = await server.SendAsync(request());

        (await server.WaitForCompletedAsync(first))["template_version"]!.GetValue<int>().ShouldBe(1);
        (await server.WaitForCompletedAsync(second))["template_version"]!.GetValue<int>().ShouldBe(2);
        var feed = (await server.GetFeedAsync(user))["notifications"]!.AsArray();
        feed.Single(i => i.Str("notification_id") == second)!.Str("title").ShouldBe("v2 A");
    }

    [Fact]
    public async Task Send_UserLocaleFrCa_FallsBackToFrVariant()
    {
        var id = HeraldServerFixture.NewId("tpl");
        await server.CreateTemplateAsync(id, new JsonObject { ["in_app"] = new JsonObject { ["title"] = "Hello {{name}}" } }, ["name"],
            new JsonObject { ["fr"] = new JsonObject { ["in_app"] = new JsonObject { ["title"] = "Bonjour {{name}}" } } });
        var french = HeraldServerFixture.NewId("user");
        var english = HeraldServerFixture.NewId("user");
        await server.PutUserAsync(french, locale: "fr-CA");
        await server.PutUserAsync(english, locale: "en-GB");

        var toFrench = await server.SendAsync(new JsonObject { ["event_type"] = id, ["recipient_id"] = french, ["data"] = new JsonObject { ["name"] = "Zoé" } });
        var toEnglish = await server.SendAsync(new JsonObject { ["event_type"] = id, ["recipient_id"] = english, ["data"] = new JsonObject { ["name"] = "Zoé" } });
        await server.WaitForCompletedAsync(toFrench);
        await server.WaitForCompletedAsync(toEnglish);

        (await server.GetFeedAsync(french))["notifications"]![0].Str("title").ShouldBe("Bonjour Zoé");
        (await server.GetFeedAsync(english))["notifications"]![0].Str("title").ShouldBe("Hello Zoé");
    }
}
