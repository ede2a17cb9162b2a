using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Api;

public sealed class AuthTests(HeraldServerFixture server) : IClassFixture<HeraldServerFixture>
{
    public static TheoryData<string, string> Endpoints => new()
    {
        { "POST", "/api/v1/notifications" },
        { "POST", "/api/v1/notifications/batch" },
        { "GET", "/api/v1/notifications" },
        { "GET", "/api/v1/notifications/ntf_x" },
        { "DELETE", "/api/v1/notifications/ntf_x" },
        { "PUT", "/api/v1/users/u1" },
        { "GET", "/api/v1/users/u1" },
        { "PUT", "/api/v1/users/u1/preferences" },
        { "GET", "/api/v1/users/u1/preferences" },
        { "POST", "/api/v1/users/u1/devices" },
        { "DELETE", "/api/v1/users/u1/devices/dev_x" },
        { "POST", "/api/v1/templates" },
        { "GET", "/api/v1/templates" },
        { "GET", "/api/v1/templates/t1" },
        { "POST", "/api/v1/templates/t1/versions/1/publish" },
        { "POST", "/api/v1/templates/t1/preview" },
        { "POST", "/api/v1/templates/t1/promote" },
        { "GET", "/api/v1/users/u1/feed" },
        { "POST", "/api/v1/users/u1/feed/ntf_x/read" },
        { "POST", "/api/v1/users/u1/feed/read-all" },
        { "GET", "/api/v1/users/u1/feed/stream" },
        { "POST", "/api/v1/webhook-endpoints" },
        { "GET", "/api/v1/webhook-endpoints/whe_x" },
        { "DELETE", "/api/v1/webhook-endpoints/whe_x" },
        { "POST", "/api/v1/webhook-endpoints/whe_x/enable" },
        { "GET", "/api/v1/dead-letters" },
        { "POST", "/api/v1/dead-letters/dlv_x/replay" },
        { "GET", "/api/v1/outbox" },
        { "GET", "/api/v1/analytics" },
    };

    private static HttpRequestMessage Request(string method, string path)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative));
        if (method is "POST" or "PUT")
        {
            request.Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
        }

        return request;
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task AnyEndpoint_NoApiKey_Returns401Problem(string method, string path)
    {
        using var anonymous = server.CreateClient();
        using var request = Request(method, path);

        using var response = await anonymous.SendAsync(request);

        var problem = await response.ShouldBeProblemAsync(401, "unauthorized");
        problem.Detail().ShouldNotBeNullOrWhiteSpace();
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task AnyEndpoint_WrongApiKey_Returns401Problem(string method, string path)
    {
        using var client = server.CreateClient("hk_not-a-real-key");
        using var request = Request(method, path);

        using var response = await client.SendAsync(request);

        (await response.ShouldBeProblemAsync(401, "unauthorized")).Detail().ShouldContain("not valid");
    }

    [Fact]
    public async Task Send_NonBearerScheme_Returns401ProblemAndStoresNothing()
    {
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template);
        var user = HeraldServerFixture.NewId("user");
        using var client = server.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("admin:" + HeraldServerFixture.AdminKey)));

        using var response = await client.PostJsonAsync("/api/v1/notifications", new JsonObject
        {
            ["event_type"] = template, ["recipient_id"] = user, ["data"] = new JsonObject { ["name"] = "x" },
        });

        (await response.ShouldBeProblemAsync(401, "unauthorized")).Detail().ShouldContain("Bearer");
        (await server.ListNotificationsAsync(user)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Get_BootstrapAdminKey_IsAccepted()
    {
        using var client = server.CreateClient(HeraldServerFixture.AdminKey);

        var templates = await client.GetJsonAsync("/api/v1/templates");

        templates["templates"].ShouldBeOfType<JsonArray>();
    }

    [Fact]
    public async Task Health_NoApiKey_IsPublic()
    {
        using var anonymous = server.CreateClient();

        using var health = await anonymous.GetAsync("/healthz");
        using var openApi = await anonymous.GetAsync("/openapi/v1.json");

        ((int)health.StatusCode).ShouldBe(200);
        ((int)openApi.StatusCode).ShouldBe(200);
    }

    [Fact]
    public async Task OpenApi_GuardedOperations_DeclareSchemesAndTheirScope()
    {
        using var anonymous = server.CreateClient();

        var document = await anonymous.GetJsonAsync("/openapi/v1.json");

        var schemes = document["components"]!["securitySchemes"]!;
        schemes["ApiKey"].Str("type").ShouldBe("http");
        schemes["ApiKey"].Str("scheme").ShouldBe("bearer");
        schemes["SubscriberToken"].Str("type").ShouldBe("apiKey");
        schemes["SubscriberToken"].Str("in").ShouldBe("header");
        schemes["SubscriberToken"].Str("name").ShouldBe("X-Herald-Subscriber-Token");
        var paths = document["paths"]!;
        Requirement(paths["/api/v1/templates"]!["post"]!).ShouldBe(["ApiKey:templates:write"]);
        Requirement(paths["/api/v1/notifications"]!["post"]!).ShouldBe(["ApiKey:notifications:send"]);
        Requirement(paths["/api/v1/keys"]!["get"]!).ShouldBe(["ApiKey:admin"]);
        Requirement(paths["/api/v1/users/{user_id}/feed"]!["get"]!).ShouldBe(["SubscriberToken:feed:read", "ApiKey:content:read"]);
        // Public, and saying so: an empty requirement list (OperationNames), not a missing one.
        paths["/healthz"]!["get"]!["security"].ShouldBeOfType<JsonArray>().ShouldBeEmpty();
        // Every operation that can answer 401 says what it takes (but vendor callbacks: the vendor's signature, checked by its adapter).
        var undeclared = paths.AsObject().Where(p => !p.Key.StartsWith("/api/v1/webhooks/", StringComparison.Ordinal))
            .SelectMany(p => p.Value!.AsObject().Select(o => (Route: $"{o.Key} {p.Key}", Operation: o.Value!)))
            .Where(o => o.Operation["responses"]?["401"] is not null && o.Operation["security"] is not JsonArray { Count: > 0 }).Select(o => o.Route).ToList();
        undeclared.ShouldBeEmpty();

        static List<string> Requirement(JsonNode operation) =>
            [.. operation["security"]!.AsArray().SelectMany(r => r!.AsObject().Select(s => s.Key + ":" + string.Join(',', s.Value!.AsArray().Select(v => v!.GetValue<string>()))))];
    }

    [Fact]
    public async Task OpenApi_EndUserOperations_TakeTheSubscriberTokenOrTheOperatorsScope()
    {
        using var anonymous = server.CreateClient();

        var paths = (await anonymous.GetJsonAsync("/openapi/v1.json"))["paths"]!;

        var expected = new Dictionary<(string Path, string Method), (string Token, string Key)>
        {
            [("/api/v1/users/{user_id}/preferences", "get")] = ("preferences:read", "notifications:read"),
            [("/api/v1/users/{user_id}/preferences", "put")] = ("preferences:write", "users:write"),
            [("/api/v1/users/{user_id}/devices", "get")] = ("devices:write", "notifications:read"),
            [("/api/v1/users/{user_id}/devices", "post")] = ("devices:write", "users:write"),
            [("/api/v1/users/{user_id}/devices/{device_id}", "delete")] = ("devices:write", "users:write"),
            [("/api/v1/users/{user_id}/deliveries/{delivery_id}/opened", "post")] = ("devices:write", "users:write"),
        };
        foreach (var ((path, method), scope) in expected)
        {
            var security = paths[path]![method]!["security"]!.AsArray()
                .SelectMany(r => r!.AsObject().Select(s => s.Key + ":" + string.Join(',', s.Value!.AsArray().Select(v => v!.GetValue<string>())))).ToList();
            security.ShouldBe(["SubscriberToken:" + scope.Token, "ApiKey:" + scope.Key], $"{method} {path}");
        }

        // The profile, its erasure and token minting stay the operator's.
        foreach (var (path, method) in new[] { ("/api/v1/users/{user_id}", "get"), ("/api/v1/users/{user_id}", "put"), ("/api/v1/users/{user_id}", "delete"), ("/api/v1/users/{user_id}/subscriber-token", "post") })
        {
            paths[path]![method]!["security"]!.AsArray().ShouldHaveSingleItem()!.AsObject().ShouldHaveSingleItem().Key.ShouldBe("ApiKey", $"{method} {path}");
        }
    }
}
