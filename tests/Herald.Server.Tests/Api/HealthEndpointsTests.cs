using System.Reflection;
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
    public async Task Healthz_Anonymous_ReportsTheAssemblysInformationalVersion()
    {
        using var anonymous = server.CreateClient();

        var body = await anonymous.GetJsonAsync("/healthz");

        var built = typeof(Program).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;
        body.Str("version").ShouldBe(built);
        body.Str("version").ShouldMatch(@"^\d+\.\d+\.\d+");
        body.Str("version").ShouldNotBe("1.0.0");
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
        body.Str("version").ShouldBe(Herald.Server.Hosting.HeraldVersion.Current);
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

    [Fact]
    public async Task OpenApi_StatusFilters_ListTheAllowedStatuses()
    {
        using var anonymous = server.CreateClient();

        var paths = (await anonymous.GetJsonAsync("/openapi/v1.json"))["paths"]!.AsObject();

        var list = paths["/api/v1/notifications"]!["get"]!["parameters"]!.AsArray().Single(p => p!.Str("name") == "status")!;
        list["schema"]!["enum"]!.AsArray().Select(v => v!.GetValue<string>()).ShouldBe(Herald.Core.Domain.NotificationStatus.All);
        // Any route that takes a status filter lists what it accepts.
        var filters = paths.SelectMany(p => p.Value!.AsObject().Select(m => (Route: $"{m.Key} {p.Key}", Operation: m.Value!)))
            .SelectMany(o => (o.Operation["parameters"]?.AsArray() ?? []).Where(x => x!.Str("name") == "status" && x.Str("in") == "query").Select(x => (o.Route, Parameter: x!)))
            .ToList();
        filters.ShouldNotBeEmpty();
        filters.Where(f => f.Parameter["schema"]?["enum"] is not JsonArray { Count: > 0 }).Select(f => f.Route).ShouldBeEmpty();
    }

    [Fact]
    public async Task OpenApi_NotificationAndDeliverySchemas_ListTheirStatuses()
    {
        using var anonymous = server.CreateClient();

        var schemas = (await anonymous.GetJsonAsync("/openapi/v1.json"))["components"]!["schemas"]!;

        Enum(schemas["NotificationResponse"]!).ShouldBe(Herald.Core.Domain.NotificationStatus.All);
        Enum(schemas["DeliveryResponse"]!).ShouldBe(Herald.Core.Domain.DeliveryStatus.All);

        static IEnumerable<string> Enum(JsonNode schema) => schema["properties"]!["status"]!["enum"]!.AsArray().Select(v => v!.GetValue<string>());
    }
}
