using System.Text.Json.Nodes;
using Herald.Core.Domain;
using Herald.Server.Api;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Api;

public sealed class SchemaRulesTests(HeraldServerFixture server) : IClassFixture<HeraldServerFixture>
{
    [Fact]
    public async Task OpenApi_RequestSchemas_RequireWhatTheEndpointsRequireAndNeverNullThere()
    {
        using var anonymous = server.CreateClient();

        var schemas = (await anonymous.GetJsonAsync("/openapi/v1.json"))["components"]!["schemas"]!;

        Required(schemas["SendRequest"]).ShouldBe(["event_type"]);
        Required(schemas["BatchRequest"]).ShouldBe(["event_type", "recipient_ids"], ignoreOrder: true);
        Required(schemas["TemplateRequest"]).ShouldBe(["template_id", "channels"], ignoreOrder: true);
        Required(schemas["UserRequest"]).ShouldBeEmpty();
        Required(schemas["ApiKeyRequest"]).ShouldBe(["name", "scopes"], ignoreOrder: true);
        Types(schemas["SendRequest"]!["properties"]!["event_type"]).ShouldBe(["string"]);
        // Numbers are read strictly: no string alternative.
        Types(schemas["SendRequest"]!["properties"]!["template_version"]).ShouldBe(["null", "integer"], ignoreOrder: true);
        Types(schemas["TemplateRequest"]!["properties"]!["template_id"]).ShouldBe(["string"]);
        Types(schemas["QuietHoursDto"]!["properties"]!["timezone"]).ShouldBe(["string"]);
        // Optional fields may be sent as null (read as absent); a merge patch's null returns a limit to the default.
        Types(schemas["SendRequest"]!["properties"]!["recipient_id"]).ShouldBe(["null", "string"], ignoreOrder: true);
        Types(schemas["ApiKeyLimitsRequest"]!["properties"]!["requests_per_second"]).ShouldBe(["null", "integer"], ignoreOrder: true);
    }

    [Fact]
    public async Task OpenApi_EverySchemaARequestReaches_IsInTheRequiredTable()
    {
        using var anonymous = server.CreateClient();

        var document = await anonymous.GetJsonAsync("/openapi/v1.json");

        var bodies = document["paths"]!.AsObject().SelectMany(p => p.Value!.AsObject()).Select(o => o.Value?["requestBody"]).OfType<JsonNode>();
        var schemas = document["components"]!["schemas"]!;
        // Objects with fields; the enums (Channel, Priority, …) have none to require.
        var reached = Reachable(bodies, schemas).Where(r => schemas[r]?["properties"] is not null).ToList();
        reached.Count.ShouldBeGreaterThan(20);
        reached.Where(r => !SchemaRules.RequiredInRequests.ContainsKey(r)).ShouldBeEmpty("name each request schema's required fields in SchemaRules.RequiredInRequests");
    }

    [Fact]
    public async Task OpenApi_AnswerSchemas_RequireEveryFieldAndKeepTheirNulls()
    {
        using var anonymous = server.CreateClient();

        var schemas = (await anonymous.GetJsonAsync("/openapi/v1.json"))["components"]!["schemas"]!;

        var key = schemas["ApiKeyResponse"]!;
        Required(key).ShouldBe(key["properties"]!.AsObject().Select(p => p.Key), ignoreOrder: true);
        Required(key).ShouldContain("requests_per_second");
        Types(key["properties"]!["requests_per_second"]).ShouldBe(["null", "integer"], ignoreOrder: true);
        Types(key["properties"]!["name"]).ShouldBe(["string"]);
        var notification = schemas["NotificationResponse"]!;
        Required(notification).ShouldBe(notification["properties"]!.AsObject().Select(p => p.Key), ignoreOrder: true);
    }

    [Fact]
    public async Task OpenApi_SendAnswers_EitherNamedBodyAndProblemsCarryTypeTitleStatus()
    {
        using var anonymous = server.CreateClient();

        var document = await anonymous.GetJsonAsync("/openapi/v1.json");

        // A send to a recipient and a send to a topic answer 202 with different bodies: both are named.
        document["paths"]!["/api/v1/notifications"]!["post"]!["responses"]!["202"]!["content"]!["application/json"]!["schema"]!["anyOf"]!.AsArray()
            .Select(Ref).ShouldBe(["AcceptedResponse", "TopicSendAcceptedResponse"], ignoreOrder: true);
        var schemas = document["components"]!["schemas"]!;
        Required(schemas["AcceptedResponse"]).ShouldBe(["id", "status"], ignoreOrder: true);
        var problem = schemas["ProblemDetails"]!;
        Required(problem).ShouldBe(["type", "title", "status"], ignoreOrder: true);
        Types(problem["properties"]!["type"]).ShouldBe(["string"]);
        problem["properties"]!["errors"]!["additionalProperties"]!["items"].Str("type").ShouldBe("string");
    }

    [Fact]
    public async Task OpenApi_ChannelsPrioritiesAndPlatforms_AreNamedEnums()
    {
        using var anonymous = server.CreateClient();

        var document = await anonymous.GetJsonAsync("/openapi/v1.json");

        var schemas = document["components"]!["schemas"]!;
        Enum(schemas["Channel"]).ShouldBe(ChannelNames.All.Select(c => c.ToWire()));
        Enum(schemas["Priority"]).ShouldBe(["urgent", "normal", "low"]);
        Enum(schemas["DevicePlatform"]).ShouldBe(["ios", "android", "web"]);
        Ref(schemas["SendRequest"]!["properties"]!["channels"]!["items"]).ShouldBe("Channel");
        Ref(schemas["SendRequest"]!["properties"]!["priority"]).ShouldBe("Priority");
        Ref(schemas["DeliveryResponse"]!["properties"]!["channel"]).ShouldBe("Channel");
        Ref(schemas["DeviceRequest"]!["properties"]!["platform"]).ShouldBe("DevicePlatform");
        // A nullable channel stays nullable.
        schemas["TraceResponse"]!["properties"]!["channel"]!["oneOf"]!.AsArray().Select(o => o?["$ref"]?.GetValue<string>() ?? o?["type"]?.GetValue<string>())
            .ShouldBe(["null", "#/components/schemas/Channel"], ignoreOrder: true);
        // A preference rule's channel may also be '*'.
        Ref(schemas["PreferenceRuleDto"]!["properties"]!["channel"]).ShouldBeNull();
        Enum(schemas["CampaignResponse"]!["properties"]!["status"]).ShouldContain("paused");
        Enum(schemas["SubscriberTokenRequest"]!["properties"]!["scopes"]!["items"]).ShouldBe(SubscriberScopes.All, ignoreOrder: true);
        var filter = document["paths"]!["/api/v1/dead-letters"]!["get"]!["parameters"]!.AsArray().Single(p => p!["name"]!.GetValue<string>() == "channel");
        Ref(filter!["schema"]).ShouldBe("Channel");
    }

    private static List<string> Required(JsonNode? schema) => [.. (schema?["required"] as JsonArray ?? []).Select(r => r!.GetValue<string>())];

    private static List<string> Types(JsonNode? schema) => schema?["type"] switch
    {
        JsonArray many => [.. many.Select(t => t!.GetValue<string>())],
        JsonValue one => [one.GetValue<string>()],
        _ => [],
    };

    private static List<string> Enum(JsonNode? schema) => [.. (schema?["enum"] as JsonArray ?? []).Select(e => e!.GetValue<string>())];

    /// <summary>The named schema a field refers to, directly or as the non-null choice of a nullable field.</summary>
    private static string? Ref(JsonNode? schema) =>
        (schema?["$ref"] ?? (schema?["oneOf"] as JsonArray)?.Select(o => o?["$ref"]).OfType<JsonNode>().SingleOrDefault())?.GetValue<string>().Split('/')[^1];

    private static HashSet<string> Reachable(IEnumerable<JsonNode> roots, JsonNode components)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<JsonNode>(roots);
        while (pending.TryPop(out var node))
        {
            switch (node)
            {
                case JsonObject o when o["$ref"]?.GetValue<string>() is { } reference:
                    var name = reference.Split('/')[^1];
                    if (found.Add(name) && components[name] is { } target)
                    {
                        pending.Push(target);
                    }

                    break;
                case JsonObject o:
                    foreach (var (_, value) in o)
                    {
                        if (value is not null)
                        {
                            pending.Push(value);
                        }
                    }

                    break;
                case JsonArray a:
                    foreach (var value in a.OfType<JsonNode>())
                    {
                        pending.Push(value);
                    }

                    break;
            }
        }

        return found;
    }
}
