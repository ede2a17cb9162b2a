using System.Text.Json.Nodes;
using Herald.Core.Audit;
using Herald.Core.Domain;
using Herald.Server.Tests.Infrastructure;
using Herald.Testing;

namespace Herald.Server.Tests.Api;

/// <summary>
/// POST /api/v1/templates/{id}/promote through the HTTP API. Until keys of another environment exist, the one target there
/// is is the default environment (the fixture key's own), which makes a promotion a copy of a version as a new draft there.
/// </summary>
public abstract class TemplatePromotionTests(HeraldServerFixture server)
{
    private HttpClient Client => server.Client;

    [Fact]
    public async Task Promote_LatestPublishedIntoDefault_NewDraftWithTheSameDefinitionAndAudited()
    {
        var id = HeraldServerFixture.NewId("tpl");
        await server.CreateTemplateAsync(id, new JsonObject { ["in_app"] = new JsonObject { ["title"] = "v1 {{name}}" } }, ["name"]);
        await server.CreateTemplateAsync(id, new JsonObject { ["in_app"] = new JsonObject { ["title"] = "v2 draft" } }, publish: false);

        using var response = await Client.PostJsonAsync($"/api/v1/templates/{id}/promote", new JsonObject { ["to"] = Environments.Default });

        var body = await response.ShouldHaveStatusAsync(201);
        (body.Str("template_id"), body["version"]!.GetValue<int>(), body.Str("status"), body.Str("environment"), body.Str("from_environment"), body["from_version"]!.GetValue<int>())
            .ShouldBe((id, 3, "draft", Environments.Default, Environments.Default, 1));
        var template = await Client.GetJsonAsync($"/api/v1/templates/{id}");
        var versions = template["versions"]!.AsArray();
        versions[2]!["definition"]!.ToJsonString().ShouldBe(versions[0]!["definition"]!.ToJsonString());
        template["published_version"]!.GetValue<int>().ShouldBe(1, "a promotion publishes nothing");
        var audit = await Client.GetJsonAsync($"/api/v1/audit?action={AuditActions.TemplatePromoted}&target={id}");
        var entry = audit["entries"]!.AsArray().ShouldHaveSingleItem()!;
        (entry["details"]!.Str("to"), entry["details"]!["version"]!.GetValue<int>(), entry["details"]!["to_version"]!.GetValue<int>())
            .ShouldBe((Environments.Default, 1, 3));
    }

    [Fact]
    public async Task Promote_UnknownTargetEnvironment_Returns404ProblemAndWritesNothing()
    {
        var id = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(id);

        using var response = await Client.PostJsonAsync($"/api/v1/templates/{id}/promote", new JsonObject { ["version"] = 1, ["to"] = "env_nowhere" });

        (await response.ShouldBeProblemAsync(404, "not-found")).Detail().ShouldContain("env_nowhere");
        (await Client.GetJsonAsync($"/api/v1/templates/{id}"))["versions"]!.AsArray().Count.ShouldBe(1);
    }

    [Theory]
    [InlineData("tpl-missing", 1, 404, "not-found")]
    [InlineData(null, 9, 404, "not-found")]
    public async Task Promote_UnknownTemplateOrVersion_Returns404Problem(string? templateId, int version, int status, string type)
    {
        var id = templateId ?? HeraldServerFixture.NewId("tpl");
        if (templateId is null)
        {
            await server.CreateStandardTemplateAsync(id);
        }

        using var response = await Client.PostJsonAsync($"/api/v1/templates/{id}/promote", new JsonObject { ["version"] = version, ["to"] = Environments.Default });

        await response.ShouldBeProblemAsync(status, type);
    }

    [Fact]
    public async Task Promote_NothingPublishedAndNoVersion_Returns422Problem()
    {
        var id = HeraldServerFixture.NewId("tpl");
        await server.CreateTemplateAsync(id, new JsonObject { ["in_app"] = new JsonObject { ["title"] = "draft" } }, publish: false);

        using var response = await Client.PostJsonAsync($"/api/v1/templates/{id}/promote", new JsonObject { ["to"] = Environments.Default });

        await response.ShouldBeProblemAsync(422, "template-not-published", "version");
    }

    [Theory]
    [InlineData("{\"version\":0,\"to\":\"env_default\"}", "version")]
    [InlineData("{\"version\":1}", "to")]
    public async Task Promote_BadBody_Returns400Problem(string json, string field)
    {
        var id = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(id);

        using var response = await Client.PostJsonAsync($"/api/v1/templates/{id}/promote", JsonNode.Parse(json)!.AsObject());

        await response.ShouldBeProblemAsync(400, "validation", field);
    }

    [Fact]
    public async Task Promote_KeyWithTemplatesWriteOnly_Returns403Problem()
    {
        var key = HeraldServerFixture.NewId("key");
        await server.CreateApiKeyAsync(key, "templates:write");
        using var client = server.CreateClient(key);

        using var response = await client.PostJsonAsync("/api/v1/templates/t1/promote", new JsonObject { ["to"] = Environments.Default });

        (await response.ShouldBeProblemAsync(403, "forbidden")).Detail().ShouldContain("'admin'");
    }
}

public sealed class SqliteTemplatePromotionTests(HeraldServerFixture server) : TemplatePromotionTests(server), IClassFixture<HeraldServerFixture>;

/// <summary>One server on a fresh PostgreSQL database.</summary>
public sealed class PostgresPromotionServerFixture : HeraldServerFixture
{
    private readonly string _connection = ExternalServices.NewDatabase("herald_promote");

    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Herald:Storage:Engine"] = "postgres",
        ["Herald:Storage:Postgres:ConnectionString"] = _connection,
    };
}

public sealed class PostgresTemplatePromotionTests(PostgresPromotionServerFixture server) : TemplatePromotionTests(server), IClassFixture<PostgresPromotionServerFixture>;
