using System.Text.Json.Nodes;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Api;

/// <summary>
/// Through the API, a key of one environment never sees, changes or learns of another environment's users, preferences,
/// devices, topic subscribers or feed: the same user id is another user there (404 exactly as for a missing one).
/// </summary>
/// <remarks>The second environment's key is an admin key of a new environment of a new app (POST /api/v1/apps, /environments, /keys).</remarks>
public abstract class EnvironmentIsolationEndpointsTests(HeraldServerFixture server)
{
    [Fact]
    public async Task Users_SameIdInTwoEnvironments_EachKeyReadsAndChangesOnlyItsOwn()
    {
        var user = HeraldServerFixture.NewId("user");
        using var other = await OtherEnvironmentClientAsync();
        await server.PutUserAsync(user, email: "a@example.com");

        using (var missing = await other.GetAsync(new Uri($"/api/v1/users/{user}", UriKind.Relative)))
        {
            await missing.ShouldBeProblemAsync(404, "not-found");
        }

        using (var put = await other.PutJsonAsync($"/api/v1/users/{user}", new JsonObject { ["email"] = "b@example.com" }))
        {
            await put.ShouldHaveStatusAsync(200);
        }

        using (var prefs = await other.PutJsonAsync($"/api/v1/users/{user}/preferences", new JsonObject { ["rules"] = new JsonArray(new JsonObject { ["event_type"] = "*", ["channel"] = "email", ["enabled"] = false }) }))
        {
            await prefs.ShouldHaveStatusAsync(200);
        }

        (await server.Client.GetJsonAsync($"/api/v1/users/{user}")).Str("email").ShouldBe("a@example.com");
        (await other.GetJsonAsync($"/api/v1/users/{user}")).Str("email").ShouldBe("b@example.com");
        (await server.Client.GetJsonAsync($"/api/v1/users/{user}/preferences"))["rules"]!.AsArray().ShouldBeEmpty();
        (await other.GetJsonAsync($"/api/v1/users/{user}/preferences"))["rules"]!.AsArray().Count.ShouldBe(1);
    }

    [Fact]
    public async Task Devices_SameTokenInTwoEnvironments_NeitherMovesNorDeletesTheOther()
    {
        var user = HeraldServerFixture.NewId("user");
        var token = HeraldServerFixture.NewId("tok");
        using var other = await OtherEnvironmentClientAsync();
        var mine = await AddDeviceAsync(server.Client, user, token);
        var theirs = await AddDeviceAsync(other, HeraldServerFixture.NewId("user"), token);

        using (var delete = await other.DeleteAsync(new Uri($"/api/v1/users/{user}/devices/{mine}", UriKind.Relative)))
        {
            await delete.ShouldBeProblemAsync(404, "not-found");
        }

        (await server.Client.GetJsonAsync($"/api/v1/users/{user}/devices"))["devices"]!.AsArray().Select(d => d.Str("id")).ShouldBe([mine]);
        theirs.ShouldNotBe(mine);
    }

    [Fact]
    public async Task Topics_SameTopicInTwoEnvironments_SeparateSubscribers()
    {
        var topic = HeraldServerFixture.NewId("topic");
        var user = HeraldServerFixture.NewId("user");
        using var other = await OtherEnvironmentClientAsync();
        using (var subscribe = await server.Client.PutAsync(new Uri($"/api/v1/topics/{topic}/subscribers/{user}", UriKind.Relative), null))
        {
            ((int)subscribe.StatusCode).ShouldBe(204);
        }

        (await other.GetJsonAsync($"/api/v1/topics/{topic}/subscribers"))["subscribers"]!.AsArray().ShouldBeEmpty();
        using (var unsubscribe = await other.DeleteAsync(new Uri($"/api/v1/topics/{topic}/subscribers/{user}", UriKind.Relative)))
        {
            await unsubscribe.ShouldBeProblemAsync(404, "not-found");
        }

        (await server.Client.GetJsonAsync($"/api/v1/topics/{topic}/subscribers"))["subscribers"]!.AsArray().Select(s => s!.GetValue<string>()).ShouldBe([user]);
    }

    [Fact]
    public async Task Feed_OtherEnvironmentsKey_SeesNoItemAndCannotMarkIt()
    {
        var user = HeraldServerFixture.NewId("user");
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template);
        using var other = await OtherEnvironmentClientAsync();
        var id = await server.SendAsync(new JsonObject { ["event_type"] = "order.shipped", ["recipient_id"] = user, ["template_id"] = template, ["data"] = new JsonObject { ["name"] = "Ada" } });
        await server.WaitForCompletedAsync(id);

        (await other.GetJsonAsync($"/api/v1/users/{user}/feed"))["notifications"]!.AsArray().ShouldBeEmpty();
        using (var read = await other.PostEmptyAsync($"/api/v1/users/{user}/feed/{id}/read"))
        {
            await read.ShouldBeProblemAsync(404, "not-found");
        }

        (await server.GetFeedAsync(user))["unread_count"]!.GetValue<int>().ShouldBe(1);
    }

    [Fact]
    public async Task Erase_OtherEnvironment_LeavesThisEnvironmentsUser()
    {
        var user = HeraldServerFixture.NewId("user");
        using var other = await OtherEnvironmentClientAsync();
        await server.PutUserAsync(user, email: "a@example.com");

        using (var erase = await other.DeleteAsync(new Uri($"/api/v1/users/{user}", UriKind.Relative)))
        {
            (await erase.ShouldHaveStatusAsync(200))["profile"]!.GetValue<bool>().ShouldBeFalse();
        }

        (await server.Client.GetJsonAsync($"/api/v1/users/{user}")).Str("email").ShouldBe("a@example.com");
    }

    /// <summary>An admin key of a new environment of a new app.</summary>
    private async Task<HttpClient> OtherEnvironmentClientAsync()
    {
        using var app = await server.Client.PostJsonAsync("/api/v1/apps", new JsonObject { ["name"] = HeraldServerFixture.NewId("app") });
        var appId = (await app.ShouldHaveStatusAsync(201)).Str("id");
        using var environment = await server.Client.PostJsonAsync("/api/v1/environments", new JsonObject { ["app_id"] = appId, ["name"] = "other" });
        var environmentId = (await environment.ShouldHaveStatusAsync(201)).Str("id");
        using var key = await server.Client.PostJsonAsync("/api/v1/keys", new JsonObject { ["name"] = "other", ["scopes"] = new JsonArray("admin"), ["environment"] = environmentId });
        return server.CreateClient((await key.ShouldHaveStatusAsync(201)).Str("secret"));
    }

    private static async Task<string> AddDeviceAsync(HttpClient client, string user, string token)
    {
        using var response = await client.PostJsonAsync($"/api/v1/users/{user}/devices", new JsonObject { ["token"] = token, ["platform"] = "ios" });
        return (await response.ShouldHaveStatusAsync(201)).Str("id");
    }
}

public sealed class EnvironmentIsolationEndpointsSqliteTests(HeraldServerFixture server) : EnvironmentIsolationEndpointsTests(server), IClassFixture<HeraldServerFixture>;

public sealed class EnvironmentIsolationEndpointsPostgresTests(PostgresKeysServerFixture server) : EnvironmentIsolationEndpointsTests(server), IClassFixture<PostgresKeysServerFixture>;
