using System.Text.Json.Nodes;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Api;

public sealed class HealthEndpointsTests(HeraldServerFixture server) : IClassFixture<HeraldServerFixture>
{
    [Fact]
    public async Task Healthz_Anonymous_Returns200Ok()
    {
        using var anonymous = server.CreateClient();

        var body = await anonymous.GetJsonAsync("/healthz");

        body.Str("status").ShouldBe("ok");
    }

    [Fact]
    public async Task Readyz_ServerStarted_Returns200WithEveryCheckOk()
    {
        using var anonymous = server.CreateClient();
        JsonNode? body = null;

        // Workers report started asynchronously after Kestrel listens; ready must follow within a moment.
        await Polling.WaitUntilAsync(async () =>
        {
            using var response = await anonymous.GetAsync("/readyz");
            body = await response.ReadJsonAsync();
            return (int)response.StatusCode == 200;
        }, Polling.DefaultTimeout, "readyz never answered 200");

        body.Str("status").ShouldBe("ready");
        var checks = body!["checks"]!.AsObject();
        checks.Select(c => c.Key).ShouldBe(["store", "transport", "planner", "lanes", "sweeper"], ignoreOrder: true);
        checks.ShouldAllBe(c => c.Value!.GetValue<string>().StartsWith("ok"));
    }

    [Fact]
    public async Task OpenApi_Anonymous_ReturnsJsonDocumentListingTheNotificationsPath()
    {
        using var anonymous = server.CreateClient();

        var body = await anonymous.GetJsonAsync("/openapi/v1.json");

        body.Str("openapi").ShouldStartWith("3.");
        var paths = body["paths"]!.AsObject();
        paths.ContainsKey("/api/v1/notifications").ShouldBeTrue();
        paths.ContainsKey("/api/v1/notifications/batch").ShouldBeTrue();
        paths.ContainsKey("/api/v1/dead-letters").ShouldBeTrue();
    }

    [Fact]
    public async Task OpenApi_SendEndpoints_DocumentTheOverload503()
    {
        using var anonymous = server.CreateClient();

        var paths = (await anonymous.GetJsonAsync("/openapi/v1.json"))["paths"]!;

        foreach (var path in new[] { "/api/v1/notifications", "/api/v1/notifications/batch" })
        {
            paths[path]!["post"]!["responses"]!.AsObject().ContainsKey("503").ShouldBeTrue(path);
        }
    }
}
