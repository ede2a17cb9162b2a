using System.Text.Json.Nodes;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Api;

public sealed class UsersEndpointsTests(HeraldServerFixture server) : IClassFixture<HeraldServerFixture>
{
    private HttpClient Client => server.Client;

    [Fact]
    public async Task PutUser_ValidProfile_ReturnsItAndGetRoundTrips()
    {
        var user = HeraldServerFixture.NewId("user");
        var profile = new JsonObject { ["email"] = "ada@example.com", ["phone"] = "+442071838750", ["locale"] = "en-GB", ["timezone"] = "Europe/London" };

        using var put = await Client.PutJsonAsync($"/api/v1/users/{user}", profile);

        var saved = await put.ShouldHaveStatusAsync(200);
        var got = await Client.GetJsonAsync($"/api/v1/users/{user}");
        foreach (var body in new[] { saved, got })
        {
            body.Str("user_id").ShouldBe(user);
            body.Str("email").ShouldBe("ada@example.com");
            body.Str("phone").ShouldBe("+442071838750");
            body.Str("locale").ShouldBe("en-GB");
            body.Str("timezone").ShouldBe("Europe/London");
            body.Str("updated_at").ShouldNotBeNullOrEmpty();
        }
    }

    [Fact]
    public async Task PutUser_Again_ReplacesProfile()
    {
        var user = HeraldServerFixture.NewId("user");
        await server.PutUserAsync(user, email: "old@example.com", timezone: "UTC");

        await server.PutUserAsync(user, email: "new@example.com");

        var got = await Client.GetJsonAsync($"/api/v1/users/{user}");
        got.Str("email").ShouldBe("new@example.com");
        got["timezone"].ShouldBeNull();
    }

    [Fact]
    public async Task GetUser_Unknown_Returns404Problem()
    {
        using var response = await Client.GetAsync("/api/v1/users/nobody-" + Guid.NewGuid().ToString("N"));

        (await response.ShouldBeProblemAsync(404, "not-found")).Detail().ShouldContain("nobody-");
    }

    [Theory]
    [InlineData("email", "not-an-email")]
    [InlineData("phone", "0155 555 0123")]
    [InlineData("timezone", "Mars/Olympus_Mons")]
    [InlineData("locale", "not a locale")]
    public async Task PutUser_InvalidField_Returns400NamingFieldAndStoresNothing(string field, string value)
    {
        var user = HeraldServerFixture.NewId("user");

        using var response = await Client.PutJsonAsync($"/api/v1/users/{user}", new JsonObject { [field] = value });

        var problem = await response.ShouldBeProblemAsync(400, "validation", field);
        problem.Detail().ShouldStartWith(field + ":");
        using var get = await Client.GetAsync($"/api/v1/users/{user}");
        await get.ShouldBeProblemAsync(404, "not-found");
    }

    [Fact]
    public async Task AddDevice_NewToken_Returns201WithIdAndMaskedToken()
    {
        var user = HeraldServerFixture.NewId("user");

        using var response = await Client.PostJsonAsync($"/api/v1/users/{user}/devices", new JsonObject
        {
            ["token"] = "0123456789abcdefXYZ", ["platform"] = "web", ["app_version"] = "1.2.3",
        });

        var body = await response.ShouldHaveStatusAsync(201);
        var id = body.Str("id");
        id.ShouldStartWith("dev_");
        body.Str("platform").ShouldBe("web");
        body.Str("token").ShouldBe("012345…YZ");
        body.Str("app_version").ShouldBe("1.2.3");
        body.Str("created_at").ShouldNotBeNullOrEmpty();
        body.Str("last_seen_at").ShouldBe(body.Str("created_at"));
        response.Headers.Location!.ToString().ShouldBe($"/api/v1/users/{user}/devices/{id}");
    }

    [Fact]
    public async Task AddDevice_NonAsciiUserId_Returns201WithEscapedLocationAndListsIt()
    {
        var user = "zoë-" + HeraldServerFixture.NewId("user");
        var path = $"/api/v1/users/{Uri.EscapeDataString(user)}/devices";

        using var response = await Client.PostJsonAsync(path, new JsonObject { ["token"] = "tok-" + Guid.NewGuid().ToString("N"), ["platform"] = "ios" });

        var id = (await response.ShouldHaveStatusAsync(201)).Str("id");
        response.Headers.Location!.OriginalString.ShouldBe($"{path}/{id}");
        (await Client.GetJsonAsync(path))["devices"]!.AsArray().Select(d => d.Str("id")).ShouldBe([id]);
    }

    [Fact]
    public async Task AddDevice_ReservedLifecycleRecipient_Returns400()
    {
        using var response = await Client.PostJsonAsync("/api/v1/users/_ops/devices", new JsonObject { ["token"] = "tok-ops", ["platform"] = "ios" });

        await response.ShouldBeProblemAsync(400, "validation", "user_id");
    }

    [Fact]
    public async Task OpenApi_AddDevice_DocumentsLastSeenAndTheMove()
    {
        using var anonymous = server.CreateClient();
        var document = await anonymous.GetJsonAsync("/openapi/v1.json");

        var post = document["paths"]!["/api/v1/users/{user_id}/devices"]!["post"]!;
        post.Str("summary").ShouldContain("a token another user holds moves to this user");
        var reference = post["responses"]!["201"]!["content"]!["application/json"]!["schema"]!.Str("$ref");
        var schema = document["components"]!["schemas"]![reference.Split('/')[^1]]!;
        schema["properties"]!.AsObject().Select(p => p.Key).ShouldContain("last_seen_at");
    }

    [Fact]
    public async Task AddDevice_DuplicateToken_ReturnsSameDeviceId()
    {
        var user = HeraldServerFixture.NewId("user");
        var device = new JsonObject { ["token"] = "dup-token-" + Guid.NewGuid().ToString("N"), ["platform"] = "android" };

        using var first = await Client.PostJsonAsync($"/api/v1/users/{user}/devices", device);
        using var second = await Client.PostJsonAsync($"/api/v1/users/{user}/devices", device);

        var firstId = (await first.ShouldHaveStatusAsync(201)).Str("id");
        (await second.ShouldHaveStatusAsync(201)).Str("id").ShouldBe(firstId);
    }

    [Fact]
    public async Task DeleteDevice_Existing_Returns204ThenSecondDeleteReturns404Problem()
    {
        var user = HeraldServerFixture.NewId("user");
        using var created = await Client.PostJsonAsync($"/api/v1/users/{user}/devices", new JsonObject { ["token"] = "t-" + Guid.NewGuid().ToString("N"), ["platform"] = "ios" });
        var id = (await created.ShouldHaveStatusAsync(201)).Str("id");

        using var delete = await Client.DeleteAsync($"/api/v1/users/{user}/devices/{id}");
        using var again = await Client.DeleteAsync($"/api/v1/users/{user}/devices/{id}");

        ((int)delete.StatusCode).ShouldBe(204);
        (await delete.Content.ReadAsStringAsync()).ShouldBeEmpty();
        (await again.ShouldBeProblemAsync(404, "not-found")).Detail().ShouldContain(id);
    }

    [Fact]
    public async Task DeleteDevice_OfAnotherUser_Returns404ProblemAndKeepsDevice()
    {
        var owner = HeraldServerFixture.NewId("user");
        using var created = await Client.PostJsonAsync($"/api/v1/users/{owner}/devices", new JsonObject { ["token"] = "t-" + Guid.NewGuid().ToString("N"), ["platform"] = "ios" });
        var id = (await created.ShouldHaveStatusAsync(201)).Str("id");

        using var delete = await Client.DeleteAsync($"/api/v1/users/{HeraldServerFixture.NewId("user")}/devices/{id}");
        using var ownDelete = await Client.DeleteAsync($"/api/v1/users/{owner}/devices/{id}");

        await delete.ShouldBeProblemAsync(404, "not-found");
        ((int)ownDelete.StatusCode).ShouldBe(204);
    }

    [Theory]
    [InlineData("{\"token\":\"abc\",\"platform\":\"blackberry\"}", "platform")]
    [InlineData("{\"platform\":\"ios\"}", "token")]
    public async Task AddDevice_InvalidField_Returns400NamingField(string json, string field)
    {
        var user = HeraldServerFixture.NewId("user");

        using var response = await Client.SendJsonAsync(HttpMethod.Post, $"/api/v1/users/{user}/devices", json);

        await response.ShouldBeProblemAsync(400, "validation", field);
    }
}
