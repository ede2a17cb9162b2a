using System.Text.Json.Nodes;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Api;

/// <summary>
/// Per-key rate limits end to end through the API: a key's own limits (requests/s, notifications/s), 429 with
/// Retry-After and the RateLimit-Policy / RateLimit fields, other keys untouched, batches counted per notification,
/// limits changed with PATCH, bad limits refused.
/// </summary>
public abstract class KeyRateLimitsTests(HeraldServerFixture server)
{
    // Enough tries to empty a bucket of a few permits that refills a few a second, however slow the machine.
    private const int Tries = 40;

    private async Task<(string Id, string Secret)> CreateAsync(JsonArray scopes, int? requestsPerSecond = null, int? notificationsPerSecond = null)
    {
        var body = new JsonObject { ["name"] = "limited", ["scopes"] = scopes };
        if (requestsPerSecond is { } r)
        {
            body["requests_per_second"] = r;
        }

        if (notificationsPerSecond is { } n)
        {
            body["notifications_per_second"] = n;
        }

        using var response = await server.Client.PostJsonAsync("/api/v1/keys", body);
        var created = await response.ShouldHaveStatusAsync(201);
        return (created["key"].Str("id"), created.Str("secret"));
    }

    private static string? Field(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values) : null;

    /// <summary>Sends GET <paramref name="path"/> until an answer is 429 (bounded); returns it.</summary>
    private static async Task<HttpResponseMessage> FirstRefusalAsync(HttpClient client, string path)
    {
        for (var i = 0; i < Tries; i++)
        {
            var response = await client.GetAsync(new Uri(path, UriKind.Relative));
            if ((int)response.StatusCode == 429)
            {
                return response;
            }

            ((int)response.StatusCode).ShouldBe(200);
            Field(response, "RateLimit-Policy").ShouldNotBeNull("every answer of a limited key carries its policy");
            response.Dispose();
        }

        throw new ShouldAssertException($"no 429 within {Tries} requests");
    }

    private static JsonObject Batch(string eventType, int recipients) => new()
    {
        ["event_type"] = eventType,
        ["recipient_ids"] = new JsonArray([.. Enumerable.Range(0, recipients).Select(i => (JsonNode)$"u-{i}")]),
    };

    [Fact]
    public async Task Requests_LowLimit_200sCarryFieldsThen429WithRetryAfterAndOtherKeysUnaffected()
    {
        var (_, secret) = await CreateAsync(["notifications:read"], requestsPerSecond: 2);
        var (_, other) = await CreateAsync(["notifications:read"]);
        using var client = server.CreateClient(secret);

        using var first = await client.GetAsync(new Uri("/api/v1/templates", UriKind.Relative));
        ((int)first.StatusCode).ShouldBe(200);
        Field(first, "RateLimit-Policy").ShouldBe("\"requests\";q=2;w=1");
        Field(first, "RateLimit").ShouldBe("\"requests\";r=1;t=1");

        using var refused = await FirstRefusalAsync(client, "/api/v1/templates");
        (await refused.ShouldBeProblemAsync(429, "rate-limited")).Detail().ShouldContain("2 requests per second");
        int.Parse(Field(refused, "Retry-After")!, System.Globalization.CultureInfo.InvariantCulture).ShouldBeGreaterThanOrEqualTo(1);
        Field(refused, "RateLimit-Policy").ShouldBe("\"requests\";q=2;w=1");
        Field(refused, "RateLimit").ShouldBe("\"requests\";r=0;t=1");

        // Another key, and the admin key, are not limited by it (and, without limits of their own, carry no fields).
        using var otherClient = server.CreateClient(other);
        for (var i = 0; i < 5; i++)
        {
            using var fine = await otherClient.GetAsync(new Uri("/api/v1/templates", UriKind.Relative));
            ((int)fine.StatusCode).ShouldBe(200);
            Field(fine, "RateLimit").ShouldBeNull();
        }

        using var admin = await server.Client.GetAsync(new Uri("/api/v1/templates", UriKind.Relative));
        ((int)admin.StatusCode).ShouldBe(200);
        Field(admin, "RateLimit-Policy").ShouldBeNull();
    }

    [Fact]
    public async Task Requests_AfterTheWait_AcceptedAgain()
    {
        var (_, secret) = await CreateAsync(["notifications:read"], requestsPerSecond: 1);
        using var client = server.CreateClient(secret);
        using var refused = await FirstRefusalAsync(client, "/api/v1/templates");
        var wait = int.Parse(Field(refused, "Retry-After")!, System.Globalization.CultureInfo.InvariantCulture);

        await Task.Delay(TimeSpan.FromSeconds(wait) + TimeSpan.FromMilliseconds(200));

        using var again = await client.GetAsync(new Uri("/api/v1/templates", UriKind.Relative));
        ((int)again.StatusCode).ShouldBe(200);
    }

    [Fact]
    public async Task Batch_CountsEachNotification_NextSend429AndOversizedBatch422()
    {
        var (_, secret) = await CreateAsync(["notifications:send"], notificationsPerSecond: 3);
        using var client = server.CreateClient(secret);
        var eventType = HeraldServerFixture.NewId("evt");

        // Three recipients take the whole second's budget (the template does not exist: the permits are taken once the body is valid).
        using var batch = await client.PostJsonAsync("/api/v1/notifications/batch", Batch(eventType, 3));
        ((int)batch.StatusCode).ShouldNotBe(429);
        Field(batch, "RateLimit-Policy").ShouldBe("\"notifications\";q=3;w=1");
        Field(batch, "RateLimit").ShouldBe("\"notifications\";r=0;t=1");

        using var single = await client.PostJsonAsync("/api/v1/notifications", new JsonObject { ["event_type"] = eventType, ["recipient_id"] = "u-1" });
        (await single.ShouldBeProblemAsync(429, "rate-limited")).Detail().ShouldContain("3 notifications per second");
        Field(single, "Retry-After").ShouldNotBeNull();

        using var oversized = await client.PostJsonAsync("/api/v1/notifications/batch", Batch(eventType, 4));
        (await oversized.ShouldBeProblemAsync(422, "batch-over-rate-limit", "recipient_ids")).Detail().ShouldContain("at most 3");
    }

    [Fact]
    public async Task Patch_SetThenCleared_AppliesAtOnceAndIsAudited()
    {
        var (id, secret) = await CreateAsync(["notifications:read"]);
        using var client = server.CreateClient(secret);
        using (var before = await client.GetAsync(new Uri("/api/v1/templates", UriKind.Relative)))
        {
            Field(before, "RateLimit-Policy").ShouldBeNull();
        }

        using var set = await server.Client.SendJsonAsync(HttpMethod.Patch, $"/api/v1/keys/{id}", """{"requests_per_second":1,"notifications_per_second":500}""");
        var changed = await set.ShouldHaveStatusAsync(200);
        (changed["requests_per_second"]!.GetValue<int>(), changed["notifications_per_second"]!.GetValue<int>()).ShouldBe((1, 500));

        using var limited = await FirstRefusalAsync(client, "/api/v1/templates");
        Field(limited, "RateLimit-Policy").ShouldBe("\"requests\";q=1;w=1, \"notifications\";q=500;w=1");

        // Merge patch: the field left out keeps its value, null returns the other to the default (unlimited here).
        using var cleared = await server.Client.SendJsonAsync(HttpMethod.Patch, $"/api/v1/keys/{id}", """{"requests_per_second":null}""");
        var after = await cleared.ShouldHaveStatusAsync(200);
        after["requests_per_second"].ShouldBeNull();
        after["notifications_per_second"]!.GetValue<int>().ShouldBe(500);
        using var open = await client.GetAsync(new Uri("/api/v1/templates", UriKind.Relative));
        ((int)open.StatusCode).ShouldBe(200);
        Field(open, "RateLimit-Policy").ShouldBe("\"notifications\";q=500;w=1");

        var listed = (await server.Client.GetJsonAsync("/api/v1/keys"))["keys"]!.AsArray().Single(k => k.Str("id") == id)!;
        listed["notifications_per_second"]!.GetValue<int>().ShouldBe(500);
        var audit = (await server.Client.GetJsonAsync($"/api/v1/audit?action=key.limits_changed&target={id}"))["entries"]!.AsArray();
        audit.Count.ShouldBe(2);
    }

    public static TheoryData<string, string> BadLimits => new()
    {
        { "0", "requests_per_second" },
        { "-1", "requests_per_second" },
        { "1000001", "requests_per_second" },
        { "\"ten\"", "requests_per_second" },
        { "1.5", "requests_per_second" },
        { "true", "requests_per_second" },
    };

    [Theory]
    [MemberData(nameof(BadLimits))]
    public async Task Create_BadLimit_Returns400ProblemAndCreatesNothing(string value, string field)
    {
        foreach (var name in new[] { field, "notifications_per_second" })
        {
            var before = (await server.Client.GetJsonAsync("/api/v1/keys"))["keys"]!.AsArray().Count;

            using var response = await server.Client.SendJsonAsync(HttpMethod.Post, "/api/v1/keys", $$"""{"name":"x","scopes":["admin"],"{{name}}":{{value}}}""");

            await response.ShouldBeProblemAsync(400, "validation", name);
            (await server.Client.GetJsonAsync("/api/v1/keys"))["keys"]!.AsArray().Count.ShouldBe(before);
        }
    }

    [Theory]
    [MemberData(nameof(BadLimits))]
    public async Task Patch_BadLimit_Returns400ProblemAndChangesNothing(string value, string field)
    {
        var (id, _) = await CreateAsync(["notifications:read"], requestsPerSecond: 7, notificationsPerSecond: 9);

        foreach (var name in new[] { field, "notifications_per_second" })
        {
            using var response = await server.Client.SendJsonAsync(HttpMethod.Patch, $"/api/v1/keys/{id}", $$"""{"{{name}}":{{value}}}""");

            await response.ShouldBeProblemAsync(400, "validation", name);
        }

        var key = await server.Client.GetJsonAsync($"/api/v1/keys/{id}");
        (key["requests_per_second"]!.GetValue<int>(), key["notifications_per_second"]!.GetValue<int>()).ShouldBe((7, 9));
    }

    [Fact]
    public async Task OpenApi_KeyOperations_DeclareTheRateLimitFields()
    {
        using var anonymous = server.CreateClient();

        var paths = (await anonymous.GetJsonAsync("/openapi/v1.json"))["paths"]!;

        var send = paths["/api/v1/notifications"]!["post"]!["responses"]!;
        send["202"]!["headers"]!["RateLimit-Policy"].ShouldNotBeNull();
        send["202"]!["headers"]!["RateLimit"].ShouldNotBeNull();
        send["429"]!["headers"]!["Retry-After"].ShouldNotBeNull();
        paths["/api/v1/keys/{id}"]!["patch"]!["responses"]!["200"]!["headers"]!["RateLimit"].ShouldNotBeNull();
        paths["/healthz"]!["get"]!["responses"]!["200"]!["headers"].ShouldBeNull();
    }

    [Fact]
    public async Task Patch_UnknownKeyOrNonAdmin_404And403()
    {
        var (_, secret) = await CreateAsync(["notifications:read", "notifications:send"]);
        using var client = server.CreateClient(secret);

        using var unknown = await server.Client.SendJsonAsync(HttpMethod.Patch, "/api/v1/keys/key_nope", """{"requests_per_second":5}""");
        using var forbidden = await client.SendJsonAsync(HttpMethod.Patch, "/api/v1/keys/key_nope", """{"requests_per_second":5}""");

        await unknown.ShouldBeProblemAsync(404, "not-found");
        (await forbidden.ShouldBeProblemAsync(403, "forbidden")).Detail().ShouldContain("'admin'");
    }
}

public sealed class KeyRateLimitsSqliteTests(HeraldServerFixture server) : KeyRateLimitsTests(server), IClassFixture<HeraldServerFixture>;

public sealed class KeyRateLimitsPostgresTests(PostgresKeysServerFixture server) : KeyRateLimitsTests(server), IClassFixture<PostgresKeysServerFixture>;
