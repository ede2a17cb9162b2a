using System.Text.Json.Nodes;
using Herald.Core.Domain;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Api;

/// <summary>
/// Apps and environments end to end: an admin makes an app, an environment and a key for it; what that key sends, lists,
/// reads and cancels stays in its environment, and the default environment's key neither sees it nor learns it exists.
/// </summary>
public abstract class EnvironmentsTests(HeraldServerFixture server)
{
    private async Task<(string EnvironmentId, HttpClient Client)> NewEnvironmentAsync()
    {
        using var app = await server.Client.PostJsonAsync("/api/v1/apps", new JsonObject { ["name"] = HeraldServerFixture.NewId("app") });
        var appId = (await app.ShouldHaveStatusAsync(201)).Str("id");
        using var env = await server.Client.PostJsonAsync("/api/v1/environments", new JsonObject { ["app_id"] = appId, ["name"] = "production" });
        var created = await env.ShouldHaveStatusAsync(201);
        created.Str("app_id").ShouldBe(appId);
        var envId = created.Str("id");
        using var key = await server.Client.PostJsonAsync("/api/v1/keys", new JsonObject
        {
            ["name"] = "production backend", ["environment"] = envId,
            ["scopes"] = new JsonArray("notifications:send", "notifications:read", "templates:write", "content:read"),
        });
        var made = await key.ShouldHaveStatusAsync(201);
        made["key"].Str("environment").ShouldBe(envId);
        return (envId, server.CreateClient(made.Str("secret")));
    }

    private static JsonObject Send(string recipient, string template, string? idempotencyKey = null, string name = "Ada") => new()
    {
        ["event_type"] = "order.shipped", ["recipient_id"] = recipient, ["template_id"] = template,
        ["data"] = new JsonObject { ["name"] = name }, ["idempotency_key"] = idempotencyKey,
    };

    private static async Task CreateTemplateAsync(HttpClient client, string templateId)
    {
        using var created = await client.PostJsonAsync("/api/v1/templates", new JsonObject
        {
            ["template_id"] = templateId, ["variables"] = new JsonArray("name"),
            ["channels"] = new JsonObject { ["in_app"] = new JsonObject { ["title"] = "Hi {{name}}", ["body"] = "b" } },
        });
        var version = (await created.ShouldHaveStatusAsync(201))["version"]!.GetValue<int>();
        using var published = await client.PostEmptyAsync($"/api/v1/templates/{templateId}/versions/{version}/publish");
        await published.ShouldHaveStatusAsync(200);
    }

    [Fact]
    public async Task KeyOfAnotherEnvironment_SendsListsReadsCancels_NothingCrossesEitherWay()
    {
        var (envId, other) = await NewEnvironmentAsync();
        using var _ = other;
        (await other.GetJsonAsync("/api/v1/me")).Str("environment").ShouldBe(envId);
        (await server.Client.GetJsonAsync("/api/v1/me")).Str("environment").ShouldBe(Environments.Default);
        var template = HeraldServerFixture.NewId("tpl");
        await CreateTemplateAsync(other, template);
        await CreateTemplateAsync(server.Client, template);
        var user = HeraldServerFixture.NewId("user");
        var key = HeraldServerFixture.NewId("idem");

        // The same idempotency key with different bodies: a separate key space per environment, so both are accepted.
        using var theirs = await other.PostJsonAsync("/api/v1/notifications", Send(user, template, key, name: "Bea"));
        var theirId = (await theirs.ShouldHaveStatusAsync(202)).Str("id");
        using var mine = await server.Client.PostJsonAsync("/api/v1/notifications", Send(user, template, key));
        var myId = (await mine.ShouldHaveStatusAsync(202)).Str("id");
        myId.ShouldNotBe(theirId);

        // Reads: each sees its own, the other's is a plain 404 (no hint that it exists).
        using (var hidden = await server.Client.GetAsync(new Uri($"/api/v1/notifications/{theirId}", UriKind.Relative)))
        {
            (await hidden.ShouldBeProblemAsync(404, "not-found")).Detail().ShouldContain(theirId);
        }

        using (var hiddenToThem = await other.GetAsync(new Uri($"/api/v1/notifications/{myId}", UriKind.Relative)))
        {
            await hiddenToThem.ShouldBeProblemAsync(404, "not-found");
        }

        (await other.GetJsonAsync($"/api/v1/notifications/{theirId}")).Str("recipient_id").ShouldBe(user);
        (await server.Client.GetJsonAsync($"/api/v1/notifications?recipient_id={user}"))["notifications"]!.AsArray().Select(n => n.Str("id")).ShouldBe([myId]);
        (await other.GetJsonAsync($"/api/v1/notifications?recipient_id={user}"))["notifications"]!.AsArray().Select(n => n.Str("id")).ShouldBe([theirId]);

        // A cancel aimed across is a 404 and changes nothing there.
        using (var cancel = await server.Client.DeleteAsync(new Uri($"/api/v1/notifications/{theirId}", UriKind.Relative)))
        {
            await cancel.ShouldBeProblemAsync(404, "not-found");
        }

        (await other.GetJsonAsync($"/api/v1/notifications/{theirId}")).Str("status").ShouldNotBe("cancelled");

        // The replay in each environment answers with its own first response.
        using var replay = await other.PostJsonAsync("/api/v1/notifications", Send(user, template, key, name: "Bea"));
        (await replay.ShouldHaveStatusAsync(202)).Str("id").ShouldBe(theirId);
    }

    [Fact]
    public async Task Promote_TemplateToAnotherEnvironment_ItsKeySendsWithItToItsOwnUserOnly()
    {
        var (envId, other) = await NewEnvironmentAsync();
        using var _ = other;
        var template = HeraldServerFixture.NewId("tpl");
        var user = HeraldServerFixture.NewId("user");
        await CreateTemplateAsync(server.Client, template);

        // Before the promotion the other environment has no such template: a send there is refused as for a missing one.
        using (var before = await other.PostJsonAsync("/api/v1/notifications", Send(user, template)))
        {
            await before.ShouldBeProblemAsync(404, "unknown-template");
        }

        using var promoted = await server.Client.PostJsonAsync($"/api/v1/templates/{template}/promote", new JsonObject { ["to"] = envId });
        var version = (await promoted.ShouldHaveStatusAsync(201))["version"]!.GetValue<int>();
        using (var publish = await other.PostEmptyAsync($"/api/v1/templates/{template}/versions/{version}/publish"))
        {
            await publish.ShouldHaveStatusAsync(200);
        }

        using var sent = await other.PostJsonAsync("/api/v1/notifications", Send(user, template, name: "Bea"));
        var id = (await sent.ShouldHaveStatusAsync(202)).Str("id");
        await Polling.WaitUntilAsync(async () => (await other.GetJsonAsync($"/api/v1/notifications/{id}")).Str("status") == "completed",
            TimeSpan.FromSeconds(20), "the other environment's notification completes");

        // Its in-app item is in the other environment's feed of that user id, not in the default environment's.
        (await other.GetJsonAsync($"/api/v1/users/{user}/feed"))["notifications"]!.AsArray().Select(i => i.Str("notification_id")).ShouldBe([id]);
        (await server.Client.GetJsonAsync($"/api/v1/users/{user}/feed"))["notifications"]!.AsArray().ShouldBeEmpty();
    }

    [Fact]
    public async Task Create_BadInput_ProblemsAndNothingCreated()
    {
        var name = HeraldServerFixture.NewId("app");
        using var app = await server.Client.PostJsonAsync("/api/v1/apps", new JsonObject { ["name"] = name });
        var appId = (await app.ShouldHaveStatusAsync(201)).Str("id");

        using (var dup = await server.Client.PostJsonAsync("/api/v1/apps", new JsonObject { ["name"] = name }))
        {
            await dup.ShouldBeProblemAsync(409, "app-exists");
        }

        using (var badName = await server.Client.PostJsonAsync("/api/v1/apps", new JsonObject { ["name"] = "bad\u0000name" }))
        {
            await badName.ShouldBeProblemAsync(400, "validation");
        }

        using (var noApp = await server.Client.PostJsonAsync("/api/v1/environments", new JsonObject { ["app_id"] = "app_missing", ["name"] = "dev" }))
        {
            await noApp.ShouldBeProblemAsync(404, "not-found");
        }

        using (var env = await server.Client.PostJsonAsync("/api/v1/environments", new JsonObject { ["app_id"] = appId, ["name"] = "dev" }))
        {
            await env.ShouldHaveStatusAsync(201);
        }

        using (var dupEnv = await server.Client.PostJsonAsync("/api/v1/environments", new JsonObject { ["app_id"] = appId, ["name"] = "dev" }))
        {
            await dupEnv.ShouldBeProblemAsync(409, "environment-exists");
        }

        using (var keyForNowhere = await server.Client.PostJsonAsync("/api/v1/keys", new JsonObject
        {
            ["name"] = "nowhere", ["environment"] = "env_missing", ["scopes"] = new JsonArray("notifications:send"),
        }))
        {
            (await keyForNowhere.ShouldBeProblemAsync(400, "validation")).Detail().ShouldContain("env_missing");
        }

        (await server.Client.GetJsonAsync("/api/v1/keys"))["keys"]!.AsArray().ShouldNotContain(k => k.Str("name") == "nowhere");
        (await server.Client.GetJsonAsync($"/api/v1/environments?app_id={appId}"))["environments"]!.AsArray().Select(e => e.Str("name")).ShouldBe(["dev"]);
        (await server.Client.GetJsonAsync("/api/v1/apps"))["apps"]!.AsArray().Count(a => a.Str("name") == name).ShouldBe(1);
        using var missing = await server.Client.GetAsync(new Uri("/api/v1/environments/env_missing", UriKind.Relative));
        await missing.ShouldBeProblemAsync(404, "not-found");
    }

    [Fact]
    public async Task Create_AppAndEnvironment_AuditedAndDefaultListed()
    {
        var (envId, client) = await NewEnvironmentAsync();
        client.Dispose();

        var environments = (await server.Client.GetJsonAsync("/api/v1/environments"))["environments"]!.AsArray();
        environments.Select(e => e.Str("id")).ShouldContain(Environments.Default);
        environments.Select(e => e.Str("id")).ShouldContain(envId);
        var audit = (await server.Client.GetJsonAsync($"/api/v1/audit?target={envId}"))["entries"]!.AsArray();
        audit.Select(e => e.Str("action")).ShouldBe(["environment.created"]);
    }

    [Fact]
    public async Task Routes_NonAdminKey_Forbidden()
    {
        var (_, client) = await NewEnvironmentAsync();
        using var _ = client;

        using var response = await client.PostJsonAsync("/api/v1/apps", new JsonObject { ["name"] = HeraldServerFixture.NewId("app") });

        (await response.ShouldBeProblemAsync(403, "forbidden")).Detail().ShouldContain("'admin'");
    }
}

public sealed class EnvironmentsSqliteTests(HeraldServerFixture server) : EnvironmentsTests(server), IClassFixture<HeraldServerFixture>;

public sealed class EnvironmentsPostgresTests(PostgresKeysServerFixture server) : EnvironmentsTests(server), IClassFixture<PostgresKeysServerFixture>;
