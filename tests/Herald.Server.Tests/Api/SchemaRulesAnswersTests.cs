using System.Text.Json.Nodes;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Api;

/// <summary>
/// What the document promises about answers, checked against real ones: every required field present, no field the
/// schema does not name, null only where the schema allows it, through nested named schemas.
/// </summary>
public sealed class SchemaRulesAnswersTests(HeraldServerFixture server) : IClassFixture<HeraldServerFixture>
{
    [Fact]
    public async Task Answers_OfTheMainReads_MatchTheirSchemas()
    {
        var document = await server.Client.GetJsonAsync("/openapi/v1.json");
        var schemas = document["components"]!["schemas"]!;
        var user = "conform-" + Guid.NewGuid().ToString("N")[..8];
        var template = "conform." + Guid.NewGuid().ToString("N")[..8];
        var problems = new List<string>();
        async Task<JsonNode> Answer(HttpResponseMessage response, string schema, int status)
        {
            using (response)
            {
                var body = await response.ShouldHaveStatusAsync(status);
                Check(schemas, schema, body, schema, problems);
                return body;
            }
        }

        await Answer(await server.Client.PostJsonAsync("/api/v1/templates", new JsonObject
        {
            ["template_id"] = template, ["variables"] = new JsonArray("name"),
            ["channels"] = new JsonObject { ["in_app"] = new JsonObject { ["title"] = "Hi {{name}}", ["body"] = "b" } },
        }), "TemplateCreatedResponse", 201);
        await Answer(await server.Client.PostEmptyAsync($"/api/v1/templates/{template}/versions/1/publish"), "TemplateVersionResponse", 200);
        await Answer(await server.Client.PutJsonAsync($"/api/v1/users/{user}", new JsonObject { ["email"] = "a@example.com" }), "UserResponse", 200);
        var sent = await Answer(await server.Client.PostJsonAsync("/api/v1/notifications", new JsonObject
        {
            ["event_type"] = template, ["recipient_id"] = user, ["data"] = new JsonObject { ["name"] = "A" },
        }), "AcceptedResponse", 202);
        await Answer(await server.Client.PostJsonAsync("/api/v1/keys", new JsonObject { ["name"] = "conform", ["scopes"] = new JsonArray("admin") }), "ApiKeySecretResponse", 201);
        await Polling.WaitUntilAsync(async () => (await server.Client.GetJsonAsync($"/api/v1/users/{user}/feed"))["notifications"]!.AsArray().Count > 0,
            Polling.DefaultTimeout, "the send never reached the feed");

        foreach (var (path, schema) in new[]
        {
            ($"/api/v1/notifications/{sent.Str("id")}", "NotificationResponse"), ($"/api/v1/notifications?recipient_id={user}", "NotificationPage"),
            ($"/api/v1/users/{user}", "UserResponse"), ($"/api/v1/users/{user}/feed", "FeedResponse"), ($"/api/v1/users/{user}/preferences", "PreferencesDto"),
            ($"/api/v1/templates/{template}", "TemplateResponse"), ("/api/v1/templates", "TemplateListResponse"), ("/api/v1/keys", "ApiKeyList"),
            ("/api/v1/providers", "ProvidersResponse"), ("/api/v1/audit", "AuditPage"), ("/api/v1/me", "KeyResponse"), ("/api/v1/analytics", "AnalyticsResponse"),
            ("/api/v1/outbox", "OutboxPage"), ("/api/v1/apps", "AppList"),
        })
        {
            await Answer(await server.Client.GetAsync(path), schema, 200);
        }

        await Answer(await server.Client.GetAsync("/api/v1/notifications/ntf_missing"), "ProblemDetails", 404);
        problems.ShouldBeEmpty();
    }

    private static void Check(JsonNode schemas, string name, JsonNode? value, string at, List<string> problems)
    {
        if (value is not JsonObject body || schemas[name]?["properties"] is not JsonObject properties)
        {
            return;
        }

        var required = (schemas[name]!["required"] as JsonArray ?? []).Select(r => r!.GetValue<string>());
        problems.AddRange(required.Where(r => !body.ContainsKey(r)).Select(r => $"{at}: required '{r}' missing"));
        foreach (var (key, field) in body)
        {
            if (properties[key] is not JsonObject schema)
            {
                problems.Add($"{at}: '{key}' is not in {name}");
                continue;
            }

            var choices = (schema["oneOf"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [schema];
            if (field is null)
            {
                var nullable = choices.Any(c => c["type"] is JsonValue t ? t.GetValue<string>() == "null" : c["type"] is JsonArray ts && ts.Any(x => x!.GetValue<string>() == "null"));
                if (!nullable && schema.Count > 0)
                {
                    problems.Add($"{at}.{key}: null, but {name} does not allow it");
                }

                continue;
            }

            var reference = choices.Select(c => c["$ref"]?.GetValue<string>()).OfType<string>().FirstOrDefault()?.Split('/')[^1];
            var items = choices.Select(c => c["items"]?["$ref"]?.GetValue<string>()).OfType<string>().FirstOrDefault()?.Split('/')[^1];
            if (reference is not null)
            {
                Check(schemas, reference, field, $"{at}.{key}", problems);
            }
            else if (items is not null && field is JsonArray array)
            {
                foreach (var item in array)
                {
                    Check(schemas, items, item, $"{at}.{key}[]", problems);
                }
            }
        }
    }
}
