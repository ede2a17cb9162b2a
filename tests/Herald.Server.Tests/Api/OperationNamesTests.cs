using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Herald.Server.Api;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Api;

public sealed partial class OperationNamesTests(HeraldServerFixture server) : IClassFixture<HeraldServerFixture>
{
    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch"];

    [Fact]
    public async Task OpenApi_EveryOperation_HasATableNamedUniqueCamelCaseIdAndASummary()
    {
        using var anonymous = server.CreateClient();

        var operations = Operations(await anonymous.GetJsonAsync("/openapi/v1.json")).ToList();

        operations.Count.ShouldBeGreaterThan(70);
        var named = OperationNames.Names.Values.Select(n => n.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var (route, operation) in operations)
        {
            var id = operation.StrOrNull("operationId");
            id.ShouldNotBeNull(route);
            CamelCase().IsMatch(id).ShouldBeTrue($"{route}: '{id}' is not camelCase");
            named.ShouldContain(id, $"{route} has the derived id '{id}': name it in OperationNames.Names");
            operation.StrOrNull("summary").ShouldNotBeNullOrWhiteSpace(route);
        }

        operations.Select(o => o.Operation.Str("operationId")).ShouldBeUnique();
    }

    [Fact]
    public async Task OpenApi_MainOperations_CarryTheirNames()
    {
        using var anonymous = server.CreateClient();

        var paths = (await anonymous.GetJsonAsync("/openapi/v1.json"))["paths"]!;

        paths["/api/v1/notifications"]!["post"].Str("operationId").ShouldBe("sendNotification");
        paths["/api/v1/notifications/batch"]!["post"].Str("operationId").ShouldBe("sendNotificationBatch");
        paths["/api/v1/templates"]!["post"].Str("operationId").ShouldBe("createTemplate");
        paths["/api/v1/users/{user_id}"]!["put"].Str("operationId").ShouldBe("putUser");
        paths["/api/v1/keys"]!["post"].Str("operationId").ShouldBe("createApiKey");
        // A route constraint ({version:int}) does not keep a route from its name.
        paths["/api/v1/templates/{template_id}/versions/{version}/publish"]!["post"].Str("operationId").ShouldBe("publishTemplateVersion");
        // An endpoint's own summary is kept, not replaced by the table's or a handler's XML comment.
        paths["/api/v1/users/{user_id}/feed/stream-ticket"]!["post"].Str("summary").ShouldStartWith("A short-lived ticket");
    }

    [Fact]
    public async Task OpenApi_EveryOperation_StatesItsSecurity()
    {
        using var anonymous = server.CreateClient();

        var operations = Operations(await anonymous.GetJsonAsync("/openapi/v1.json")).ToList();

        foreach (var (route, operation) in operations)
        {
            var security = operation["security"].ShouldBeOfType<JsonArray>(route);
            var isPublic = route is "get /healthz" or "get /readyz" or "get /metrics" or "post /api/v1/webhooks/{provider}";
            if (isPublic)
            {
                security.ShouldBeEmpty($"{route} takes no Herald credential");
            }
            else
            {
                security.Count.ShouldBeGreaterThan(0, $"{route} takes a credential and must name it");
            }
        }
    }

    [Fact]
    public void Derived_UnnamedRoute_MethodAndLiteralSegmentsInCamelCase()
    {
        OperationNames.Derived("POST", "api/v1/webhook-endpoints/{id}/recover").ShouldBe("postApiV1WebhookEndpointsIdRecover");
        OperationNames.RouteKey("POST", "api/v1/templates/{template_id}/versions/{version:int}/publish/")
            .ShouldBe("POST api/v1/templates/{template_id}/versions/{version}/publish");
    }

    private static IEnumerable<(string Route, JsonNode Operation)> Operations(JsonNode document) =>
        document["paths"]!.AsObject().SelectMany(p => Methods.Where(m => p.Value![m] is not null).Select(m => ($"{m} {p.Key}", p.Value![m]!)));

    [GeneratedRegex("^[a-z][a-zA-Z0-9]*$")]
    private static partial Regex CamelCase();
}
