using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Api;

public sealed class BadInputTests(HeraldServerFixture server) : IAsyncLifetime, IClassFixture<HeraldServerFixture>
{
    private string template = null!;

    private HttpClient Client => server.Client;

    public async Task InitializeAsync()
    {
        template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task ShouldHaveStoredNothingAsync(string user) => (await server.ListNotificationsAsync(user)).ShouldBeEmpty();

    [Theory]
    [InlineData("{\"event_type\": \"a\",}")]
    [InlineData("{\"event_type\" \"a\"}")]
    [InlineData("not json at all")]
    [InlineData("[]")]
    [InlineData("null")]
    [InlineData("")]
    public async Task Send_MalformedJson_Returns400MalformedJson(string body)
    {
        using var response = await Client.SendJsonAsync(HttpMethod.Post, "/api/v1/notifications", body);

        var problem = await response.ShouldBeProblemAsync(400, "malformed-json");
        problem.Detail().ShouldNotBeNullOrWhiteSpace();
    }

    [Fact]
    public async Task Send_UnknownField_Returns400UnknownFieldNamingItAndStoresNothing()
    {
        var user = HeraldServerFixture.NewId("user");
        var body = $"{{\"event_type\":\"{template}\",\"recipient_id\":\"{user}\",\"data\":{{\"name\":\"x\"}},\"prority\":\"urgent\"}}";

        using var response = await Client.SendJsonAsync(HttpMethod.Post, "/api/v1/notifications", body);

        var problem = await response.ShouldBeProblemAsync(400, "unknown-field", "prority");
        problem.ErrorFor("prority").ShouldContain("prority");
        await ShouldHaveStoredNothingAsync(user);
    }

    [Fact]
    public async Task PutPreferences_UnknownNestedField_Returns400UnknownField()
    {
        using var response = await Client.SendJsonAsync(HttpMethod.Put, $"/api/v1/users/{HeraldServerFixture.NewId("user")}/preferences",
            "{\"rules\":[{\"event_type\":\"*\",\"chanel\":\"email\"}]}");

        var problem = await response.ShouldBeProblemAsync(400, "unknown-field");
        problem.Detail().ShouldContain("chanel");
    }

    [Theory]
    [InlineData("recipient_id", "123")]
    [InlineData("data", "\"not an object\"")]
    [InlineData("template_version", "\"one\"")]
    [InlineData("scheduled_at", "\"tomorrow\"")]
    [InlineData("channels", "\"email\"")]
    public async Task Send_WrongType_Returns400NamingFieldAndStoresNothing(string field, string json)
    {
        var user = HeraldServerFixture.NewId("user");
        var fields = new Dictionary<string, string>
        {
            ["event_type"] = $"\"{template}\"", ["recipient_id"] = $"\"{user}\"", ["data"] = "{\"name\":\"x\"}",
        };
        fields[field] = json;
        var body = "{" + string.Join(',', fields.Select(f => $"\"{f.Key}\":{f.Value}")) + "}";

        using var response = await Client.SendJsonAsync(HttpMethod.Post, "/api/v1/notifications", body);

        await response.ShouldBeProblemAsync(400, "validation", field);
        await ShouldHaveStoredNothingAsync(user);
    }

    [Theory]
    [InlineData("event_type")]
    [InlineData("recipient_id")]
    public async Task Send_MissingRequiredField_Returns400NamingField(string field)
    {
        var user = HeraldServerFixture.NewId("user");
        var body = new JsonObject { ["event_type"] = template, ["recipient_id"] = user, ["data"] = new JsonObject { ["name"] = "x" } };
        body.Remove(field);

        using var response = await Client.PostJsonAsync("/api/v1/notifications", body);

        (await response.ShouldBeProblemAsync(400, "validation", field)).ErrorFor(field).ShouldContain("required");
        await ShouldHaveStoredNothingAsync(user);
    }

    [Fact]
    public async Task Send_UnknownPriority_Returns400NamingPriorityAndStoresNothing()
    {
        var user = HeraldServerFixture.NewId("user");

        using var response = await Client.PostJsonAsync("/api/v1/notifications", new JsonObject
        {
            ["event_type"] = template, ["recipient_id"] = user, ["priority"] = "asap", ["data"] = new JsonObject { ["name"] = "x" },
        });

        (await response.ShouldBeProblemAsync(400, "validation", "priority")).ErrorFor("priority").ShouldContain("asap");
        await ShouldHaveStoredNothingAsync(user);
    }

    [Fact]
    public async Task Send_UnknownChannel_Returns400NamingTheChannelEntryAndStoresNothing()
    {
        var user = HeraldServerFixture.NewId("user");

        using var response = await Client.PostJsonAsync("/api/v1/notifications", new JsonObject
        {
            ["event_type"] = template, ["recipient_id"] = user, ["channels"] = new JsonArray("in_app", "carrier_pigeon"), ["data"] = new JsonObject { ["name"] = "x" },
        });

        (await response.ShouldBeProblemAsync(400, "validation", "channels[1]")).ErrorFor("channels[1]").ShouldContain("carrier_pigeon");
        await ShouldHaveStoredNothingAsync(user);
    }

    [Fact]
    public async Task Send_ChannelNotInTemplate_Returns422NamingChannels()
    {
        var user = HeraldServerFixture.NewId("user");

        using var response = await Client.PostJsonAsync("/api/v1/notifications", new JsonObject
        {
            ["event_type"] = template, ["recipient_id"] = user, ["channels"] = new JsonArray("sms"), ["data"] = new JsonObject { ["name"] = "x" },
        });

        await response.ShouldBeProblemAsync(422, "channel-not-in-template", "channels");
        await ShouldHaveStoredNothingAsync(user);
    }

    [Fact]
    public async Task Send_BodyOver256KiB_Returns413ProblemAndStoresNothing()
    {
        var user = HeraldServerFixture.NewId("user");
        var body = new JsonObject
        {
            ["event_type"] = template, ["recipient_id"] = user, ["data"] = new JsonObject { ["name"] = "x", ["padding"] = new string('a', 257 * 1024) },
        };

        using var response = await Client.PostJsonAsync("/api/v1/notifications", body);

        (await response.ShouldBeProblemAsync(413, "payload-too-large")).Detail().ShouldContain("256 KiB");
        await ShouldHaveStoredNothingAsync(user);
    }

    [Fact]
    public async Task Send_ChunkedBodyOver256KiB_Returns413Problem()
    {
        var user = HeraldServerFixture.NewId("user");
        var json = new JsonObject
        {
            ["event_type"] = template, ["recipient_id"] = user, ["data"] = new JsonObject { ["name"] = "x", ["padding"] = new string('a', 300 * 1024) },
        }.ToJsonString();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/v1/notifications", UriKind.Relative))
        {
            Content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(json))),
        };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.TransferEncodingChunked = true;

        using var response = await Client.SendAsync(request);

        await response.ShouldBeProblemAsync(413, "payload-too-large");
        await ShouldHaveStoredNothingAsync(user);
    }

    [Fact]
    public async Task Send_BodyJustUnder256KiB_IsAccepted()
    {
        var user = HeraldServerFixture.NewId("user");
        var body = new JsonObject
        {
            ["event_type"] = template, ["recipient_id"] = user, ["data"] = new JsonObject { ["name"] = "x", ["padding"] = new string('a', 250 * 1024) },
        };

        using var response = await Client.PostJsonAsync("/api/v1/notifications", body);

        await response.ShouldHaveStatusAsync(202);
        (await server.ListNotificationsAsync(user)).Count.ShouldBe(1);
    }

    [Fact]
    public async Task Send_EventTypeWithSpaces_Returns400NamingEventType()
    {
        var user = HeraldServerFixture.NewId("user");

        using var response = await Client.PostJsonAsync("/api/v1/notifications", new JsonObject
        {
            ["event_type"] = "order shipped", ["recipient_id"] = user, ["template_id"] = template, ["data"] = new JsonObject { ["name"] = "x" },
        });

        await response.ShouldBeProblemAsync(400, "validation", "event_type");
        await ShouldHaveStoredNothingAsync(user);
    }

    [Fact]
    public async Task Batch_MalformedJsonAtTopLevel_Returns400MalformedJson()
    {
        using var response = await Client.SendJsonAsync(HttpMethod.Post, "/api/v1/notifications/batch", "{recipient_ids: []}");

        await response.ShouldBeProblemAsync(400, "malformed-json");
    }

    [Theory]
    [InlineData("/api/v1/notifications", "{\"event_type\": ")]
    [InlineData("/api/v1/notifications", "{\"event_type\": \"a\", \"data\": {\"name\": tru}}")]
    [InlineData("/api/v1/notifications/batch", "{\"recipient_ids\": [")]
    public async Task Send_SyntaxErrorInsideObject_Returns400MalformedJson(string path, string body)
    {
        using var response = await Client.SendJsonAsync(HttpMethod.Post, path, body);

        await response.ShouldBeProblemAsync(400, "malformed-json");
    }

    [Theory]
    [InlineData("{\"since\": ", "malformed-json", null)]
    [InlineData("{}", "validation", "since")]
    [InlineData("{\"since\": \"yesterday\"}", "validation", "since")]
    [InlineData("{\"since\": \"2999-01-01T00:00:00Z\"}", "validation", "since")]
    [InlineData("{\"since\": \"2026-01-02T00:00:00Z\", \"until\": \"2026-01-01T00:00:00Z\"}", "validation", "until")]
    [InlineData("{\"since\": \"2026-01-01T00:00:00Z\", \"untill\": \"2026-01-02T00:00:00Z\"}", "unknown-field", "untill")]
    public async Task RecoverWebhookEndpoint_BadRange_Returns400NamingTheField(string body, string kind, string? field)
    {
        using var created = await Client.PostJsonAsync("/api/v1/webhook-endpoints",
            new JsonObject { ["recipient_id"] = HeraldServerFixture.NewId("user"), ["url"] = "https://example.com/hooks" });
        var id = (await created.ShouldHaveStatusAsync(201)).Str("id");

        using var response = await Client.SendJsonAsync(HttpMethod.Post, $"/api/v1/webhook-endpoints/{id}/recover", body);

        await response.ShouldBeProblemAsync(400, kind, field);
    }

    [Theory]
    [InlineData("{\"window\": \"soon\"}", "dedup.window")]
    [InlineData("{\"window\": \"P2D\"}", "dedup.window")]
    [InlineData("{\"window\": \"PT1H\", \"urgent\": \"yes\"}", "dedup.urgent")]
    public async Task CreateTemplate_BadDedup_Returns400NamingTheFieldAndStoresNothing(string dedup, string field)
    {
        var id = HeraldServerFixture.NewId("tpl");
        var body = $"{{\"template_id\":\"{id}\",\"channels\":{{\"sms\":{{\"body\":\"x\"}}}},\"dedup\":{dedup}}}";

        using var response = await Client.SendJsonAsync(HttpMethod.Post, "/api/v1/templates", body);

        (await response.ShouldBeProblemAsync(400, "validation", field)).ErrorFor(field).ShouldNotBeNullOrWhiteSpace();
        using var get = await Client.GetAsync($"/api/v1/templates/{id}");
        await get.ShouldBeProblemAsync(404, "not-found");
    }

    [Theory]
    [InlineData("\"push,sms\"", "fallback")]
    [InlineData("{\"chain\": [\"push\"]}", "fallback.chain")]
    [InlineData("{\"chain\": [\"push\", \"fax\"]}", "fallback.chain[1]")]
    [InlineData("{\"chain\": [\"push\", \"webhook\"]}", "fallback.chain[1]")]
    [InlineData("{\"chain\": [\"sms\", \"sms\"]}", "fallback.chain[1]")]
    [InlineData("{\"chain\": [\"push\", \"sms\"], \"after\": {\"email\": \"PT30S\"}}", "fallback.after.email")]
    [InlineData("{\"chain\": [\"push\", \"sms\"], \"after\": {\"push\": \"soon\"}}", "fallback.after.push")]
    [InlineData("{\"chain\": [\"push\", \"sms\"], \"after\": {\"push\": \"P2D\"}}", "fallback.after.push")]
    [InlineData("{\"chain\": [\"push\", \"sms\"], \"wait\": 3}", "fallback.wait")]
    public async Task CreateTemplate_BadFallback_Returns400NamingTheFieldAndStoresNothing(string fallback, string field)
    {
        var id = HeraldServerFixture.NewId("tpl");
        var body = $"{{\"template_id\":\"{id}\",\"channels\":{{\"sms\":{{\"body\":\"x\"}}}},\"fallback\":{fallback}}}";

        using var response = await Client.SendJsonAsync(HttpMethod.Post, "/api/v1/templates", body);

        (await response.ShouldBeProblemAsync(400, "validation", field)).ErrorFor(field).ShouldNotBeNullOrWhiteSpace();
        using var get = await Client.GetAsync($"/api/v1/templates/{id}");
        await get.ShouldBeProblemAsync(404, "not-found");
    }

    [Fact]
    public async Task CreateTemplate_UnknownField_Returns400UnknownField()
    {
        var id = HeraldServerFixture.NewId("tpl");

        using var response = await Client.PostJsonAsync("/api/v1/templates", new JsonObject
        {
            ["template_id"] = id, ["channels"] = new JsonObject { ["sms"] = new JsonObject { ["body"] = "x" } }, ["varaibles"] = new JsonArray("a"),
        });

        await response.ShouldBeProblemAsync(400, "unknown-field", "varaibles");
        using var get = await Client.GetAsync($"/api/v1/templates/{id}");
        await get.ShouldBeProblemAsync(404, "not-found");
    }

    [Fact]
    public async Task WrongMethod_OnNotifications_Returns405Problem()
    {
        using var response = await Client.PutJsonAsync("/api/v1/notifications", new JsonObject());

        response.StatusCode.ShouldBe(HttpStatusCode.MethodNotAllowed);
        await response.ShouldBeProblemAsync(405, "method-not-allowed");
    }

    [Fact]
    public async Task UnknownRoute_Returns404ProblemWithHeraldType()
    {
        using var response = await Client.GetAsync("/api/v1/no-such-resource");

        await response.ShouldBeProblemAsync(404, "not-found");
    }
}
