using System.Text.Json.Nodes;
using Herald.Server.Api;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Api;

public sealed class RequestExamplesTests(HeraldServerFixture server) : IClassFixture<HeraldServerFixture>
{
    [Fact]
    public async Task OpenApi_MainRequests_CarryAnExample()
    {
        using var anonymous = server.CreateClient();

        var paths = (await anonymous.GetJsonAsync("/openapi/v1.json"))["paths"]!;

        foreach (var (path, method) in new[] { ("/api/v1/notifications", "post"), ("/api/v1/notifications/batch", "post"), ("/api/v1/templates", "post"), ("/api/v1/users/{user_id}", "put"), ("/api/v1/keys", "post") })
        {
            Example(paths, path, method).ShouldBeOfType<JsonObject>($"{method} {path}").Count.ShouldBeGreaterThan(0);
        }

        RequestExamples.Examples.Keys.ShouldBe(["createTemplate", "putUser", "sendNotification", "sendNotificationBatch", "createApiKey"], ignoreOrder: true);
    }

    [Fact]
    public async Task Examples_SentAsServedInTheirStoryOrder_AreEachAccepted()
    {
        var paths = (await server.Client.GetJsonAsync("/openapi/v1.json"))["paths"]!;

        // The story of the README's quick start: a template, published; its user; a send and a batch with it; a key.
        using (var created = await server.Client.PostJsonAsync("/api/v1/templates", Example(paths, "/api/v1/templates", "post")))
        {
            (await created.ShouldHaveStatusAsync(201)).Str("template_id").ShouldBe("order.shipped");
        }

        using (var published = await server.Client.PostEmptyAsync("/api/v1/templates/order.shipped/versions/1/publish"))
        {
            await published.ShouldHaveStatusAsync(200);
        }

        using (var user = await server.Client.PutJsonAsync("/api/v1/users/u1", Example(paths, "/api/v1/users/{user_id}", "put")!))
        {
            (await user.ShouldHaveStatusAsync(200)).Str("user_id").ShouldBe("u1");
        }

        using (var sent = await server.Client.PostJsonAsync("/api/v1/notifications", Example(paths, "/api/v1/notifications", "post")))
        {
            (await sent.ShouldHaveStatusAsync(202)).Str("id").ShouldStartWith("ntf_");
        }

        using (var batch = await server.Client.PostJsonAsync("/api/v1/notifications/batch", Example(paths, "/api/v1/notifications/batch", "post")))
        {
            (await batch.ShouldHaveStatusAsync(202))["accepted"]!.GetValue<int>().ShouldBe(3);
        }

        using var key = await server.Client.PostJsonAsync("/api/v1/keys", Example(paths, "/api/v1/keys", "post"));
        (await key.ShouldHaveStatusAsync(201))["key"]!["scopes"]!.AsArray().Select(s => s!.GetValue<string>()).ShouldBe(["notifications:send", "notifications:read"]);
    }

    private static JsonNode? Example(JsonNode paths, string path, string method) =>
        paths[path]?[method]?["requestBody"]?["content"]?["application/json"]?["example"]?.DeepClone();
}
