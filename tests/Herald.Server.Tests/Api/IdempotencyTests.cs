using System.Text.Json.Nodes;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Api;

public sealed class IdempotencyTests(HeraldServerFixture server) : IClassFixture<HeraldServerFixture>
{
    private HttpClient Client => server.Client;

    private async Task<(string Template, string User)> ArrangeAsync()
    {
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template);
        return (template, HeraldServerFixture.NewId("user"));
    }

    [Fact]
    public async Task Send_SameKeyAndBody_ReplaysSameBodyWithHeaderAndStoresOneNotification()
    {
        var (template, user) = await ArrangeAsync();
        var request = new JsonObject
        {
            ["event_type"] = template, ["recipient_id"] = user, ["data"] = new JsonObject { ["name"] = "once" }, ["idempotency_key"] = HeraldServerFixture.NewId("key"),
        };

        using var first = await Client.PostJsonAsync("/api/v1/notifications", request);
        var firstBody = await first.Content.ReadAsStringAsync();
        using var second = await Client.PostJsonAsync("/api/v1/notifications", request);
        var secondBody = await second.Content.ReadAsStringAsync();

        ((int)first.StatusCode).ShouldBe(202, firstBody);
        first.Headers.Contains("Idempotent-Replayed").ShouldBeFalse();
        ((int)second.StatusCode).ShouldBe(202, secondBody);
        secondBody.ShouldBe(firstBody);
        second.Headers.GetValues("Idempotent-Replayed").ShouldBe(["true"]);
        var stored = (await server.ListNotificationsAsync(user)).ShouldHaveSingleItem()!;
        stored.Str("id").ShouldBe(JsonNode.Parse(firstBody).Str("id"));
    }

    [Fact]
    public async Task Send_SameKeyDifferentBody_Returns422IdempotencyKeyReusedAndStoresNothingMore()
    {
        var (template, user) = await ArrangeAsync();
        var key = HeraldServerFixture.NewId("key");
        using (var first = await Client.PostJsonAsync("/api/v1/notifications", new JsonObject
        {
            ["event_type"] = template, ["recipient_id"] = user, ["data"] = new JsonObject { ["name"] = "one" }, ["idempotency_key"] = key,
        }))
        {
            await first.ShouldHaveStatusAsync(202);
        }

        using var second = await Client.PostJsonAsync("/api/v1/notifications", new JsonObject
        {
            ["event_type"] = template, ["recipient_id"] = user, ["data"] = new JsonObject { ["name"] = "two" }, ["idempotency_key"] = key,
        });

        var problem = await second.ShouldBeProblemAsync(422, "idempotency-key-reused", "idempotency_key");
        problem.ErrorFor("idempotency_key").ShouldContain("different request body");
        (await server.ListNotificationsAsync(user)).Count.ShouldBe(1);
    }

    [Fact]
    public async Task Send_IdempotencyKeyHeader_ReplaysSecondRequest()
    {
        var (template, user) = await ArrangeAsync();
        var request = new JsonObject { ["event_type"] = template, ["recipient_id"] = user, ["data"] = new JsonObject { ["name"] = "hdr" } };
        var key = HeraldServerFixture.NewId("key");

        using var first = await Client.PostJsonAsync("/api/v1/notifications", request, idempotencyKey: key);
        var firstBody = await first.ShouldHaveStatusAsync(202);
        using var second = await Client.PostJsonAsync("/api/v1/notifications", request, idempotencyKey: key);

        (await second.ShouldHaveStatusAsync(202)).Str("id").ShouldBe(firstBody.Str("id"));
        second.Headers.GetValues("Idempotent-Replayed").ShouldBe(["true"]);
        (await server.ListNotificationsAsync(user)).Count.ShouldBe(1);
    }

    [Fact]
    public async Task Send_HeaderKeyThenSameBodyWithoutKey_CreatesSecondNotification()
    {
        var (template, user) = await ArrangeAsync();
        var request = new JsonObject { ["event_type"] = template, ["recipient_id"] = user, ["data"] = new JsonObject { ["name"] = "no-key" } };

        using var first = await Client.PostJsonAsync("/api/v1/notifications", request, idempotencyKey: HeraldServerFixture.NewId("key"));
        using var second = await Client.PostJsonAsync("/api/v1/notifications", request);

        (await second.ShouldHaveStatusAsync(202)).Str("id").ShouldNotBe((await first.ShouldHaveStatusAsync(202)).Str("id"));
        second.Headers.Contains("Idempotent-Replayed").ShouldBeFalse();
        (await server.ListNotificationsAsync(user)).Count.ShouldBe(2);
    }

    [Fact]
    public async Task Send_HeaderAndBodyKeysDiffer_Returns400NamingIdempotencyKey()
    {
        var (template, user) = await ArrangeAsync();

        using var response = await Client.PostJsonAsync("/api/v1/notifications", new JsonObject
        {
            ["event_type"] = template, ["recipient_id"] = user, ["data"] = new JsonObject { ["name"] = "x" }, ["idempotency_key"] = "body-key",
        }, idempotencyKey: "header-key");

        await response.ShouldBeProblemAsync(400, "validation", "idempotency_key");
        (await server.ListNotificationsAsync(user)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Send_KeyLongerThan255_Returns400NamingIdempotencyKey()
    {
        var (template, user) = await ArrangeAsync();

        using var response = await Client.PostJsonAsync("/api/v1/notifications", new JsonObject
        {
            ["event_type"] = template, ["recipient_id"] = user, ["data"] = new JsonObject { ["name"] = "x" }, ["idempotency_key"] = new string('k', 256),
        });

        await response.ShouldBeProblemAsync(400, "validation", "idempotency_key");
        (await server.ListNotificationsAsync(user)).ShouldBeEmpty();
    }
}
